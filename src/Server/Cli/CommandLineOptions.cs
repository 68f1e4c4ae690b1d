namespace Uvnet.Server.Cli;

/// <summary>What the command line asked for, with every default filled in (see <see cref="CommandLine.Parse"/>).</summary>
public sealed record CommandLineOptions
{
    /// <summary>The port <c>serve</c> and <c>hello</c> listen on unless told otherwise (python -m http.server's and http-server's 8000/8080 habit).</summary>
    public const int DefaultHttpPort = 8080;

    /// <summary>
    /// The port <c>echo</c> listens on unless told otherwise: the echo protocol's port 7 needs root, and 7000 is
    /// taken by the AirPlay receiver on recent macOS, so 7007.
    /// </summary>
    public const int DefaultEchoPort = 7007;

    /// <summary>
    /// The address every command listens on unless <c>--host</c> says otherwise: this machine only, as modern dev
    /// servers do; <c>--host 0.0.0.0</c> (or <c>::</c>) shares it on the network.
    /// </summary>
    public const string DefaultHost = "localhost";

    /// <summary>The most loops <c>--loops</c> accepts: far beyond any core count, low enough to catch a typo.</summary>
    public const int MaxLoops = 1024;

    /// <summary>The longest interval <c>--stats</c> accepts, in seconds: a day.</summary>
    public const int MaxStatsSeconds = 86_400;

    /// <summary>The command to run.</summary>
    public UvnetCommand Command { get; init; } = UvnetCommand.Serve;

    /// <summary>The directory <c>serve</c> serves, as given (<c>.</c> by default); null for the other commands.</summary>
    public string? Directory { get; init; }

    /// <summary>The port to listen on; 0 picks a free one (the start-up line says which).</summary>
    public int Port { get; init; } = DefaultHttpPort;

    /// <summary>The address to listen on (an IP address or <c>localhost</c>, <see cref="DefaultHost"/>); null: every interface, IPv6 and IPv4.</summary>
    public string? Host { get; init; } = DefaultHost;

    /// <summary>How many loops, each on its own thread, all accepting from one listening socket (one per processor by default).</summary>
    public int Loops { get; init; } = Environment.ProcessorCount;

    /// <summary>Whether <c>serve</c> serves and lists dotfiles and dot-folders (<c>--dotfiles</c>); by default they are not found (404).</summary>
    public bool Dotfiles { get; init; }

    /// <summary>Whether <c>echo</c> also echoes UDP datagrams on its port (<c>--udp</c>).</summary>
    public bool Udp { get; init; }

    /// <summary>Whether <c>serve</c> lets any origin read its responses (<c>--cors</c>; see <see cref="StaticFiles.StaticFileOptions.Cors"/>).</summary>
    public bool Cors { get; init; }

    /// <summary>How long <c>serve</c> lets caches use a file unrevalidated (<c>--cache SECONDS</c>); null: revalidate on every use.</summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>Whether <c>serve</c> answers paths that name nothing with the root's index.html (<c>--spa</c>).</summary>
    public bool SinglePageApplication { get; init; }

    /// <summary>Whether <c>serve</c> compresses text files on the fly (<c>--compress</c>; see <see cref="StaticFiles.StaticFileOptions.Compress"/>).</summary>
    public bool Compress { get; init; }

    /// <summary>Whether <c>serve</c> opens the served URL in a browser once it listens (<c>--open</c>; <c>$BROWSER</c> chooses which).</summary>
    public bool OpenBrowser { get; init; }

    /// <summary>The credentials <c>serve</c> asks every request for (<c>--auth user:pass</c>); null: none.</summary>
    public StaticFiles.BasicCredentials? Credentials { get; init; }

    /// <summary>Fields <c>serve</c> adds to every response (<c>-H 'Name: value'</c>, repeatable), in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ExtraHeaders { get; init; } = [];

    /// <summary>The most seconds <c>--cache</c> accepts: a year, the longest max-age caches are asked to honour (RFC 9111 §5.2.2.1's habit).</summary>
    public const int MaxCacheSeconds = 31_536_000;

    /// <summary>The PEM certificate chain (leaf first) to serve HTTPS with (<c>--cert FILE</c>, with <see cref="KeyFile"/>); null: none.</summary>
    public string? CertFile { get; init; }

    /// <summary>The PEM private key of <see cref="CertFile"/> (<c>--key FILE</c>).</summary>
    public string? KeyFile { get; init; }

    /// <summary>Whether to serve HTTPS with a self-signed certificate for localhost made at start-up (<c>--tls-dev</c>).</summary>
    public bool TlsDev { get; init; }

    /// <summary>
    /// Whether <c>serve</c> and <c>hello</c> speak HTTP/1.1 only (<c>--http1-only</c>); by default they speak HTTP/2
    /// too: <c>h2</c> by ALPN over TLS, h2c with prior knowledge or by <c>Upgrade</c> on plaintext.
    /// </summary>
    public bool Http1Only { get; init; }

    /// <summary>Whether the server speaks HTTPS (<see cref="CertFile"/> or <see cref="TlsDev"/>).</summary>
    public bool Tls => CertFile is not null || TlsDev;

    /// <summary>Whether the access log is off.</summary>
    public bool Quiet { get; init; }

    /// <summary>
    /// How often each loop writes a line of its handles and open connections to stderr (<c>--stats SECONDS</c>);
    /// null: never.
    /// </summary>
    public TimeSpan? StatsInterval { get; init; }

    /// <summary><c>proxy</c>'s upstream as "host:port" (<c>--to http://host:port</c>); null for the other commands.</summary>
    public string? ProxyTo { get; init; }

    /// <summary>Whether <see cref="ProxyTo"/> is reached over TLS (<c>--to https://host:port</c>), verified against the system's roots.</summary>
    public bool ProxyToTls { get; init; }

    /// <summary><c>proxy</c>'s configuration file (<c>--config FILE</c>: routes, clusters, timeouts, admin listener); null: none.</summary>
    public string? ProxyConfig { get; init; }

    /// <summary><c>proxy --watch</c>: the configuration file is reloaded when it changes (SIGHUP reloads it in any case).</summary>
    public bool ProxyWatch { get; init; }

    /// <summary><c>load</c>'s target, rate and report (<c>uvnet load URL ...</c>); null for the other commands.</summary>
    public Load.LoadOptions? Load { get; init; }

    /// <summary>The default port of <paramref name="command"/>.</summary>
    public static int DefaultPort(UvnetCommand command) => command == UvnetCommand.Echo ? DefaultEchoPort : DefaultHttpPort;
}

using System.Globalization;
using System.Net;

namespace Uvnet.Server.Cli;

/// <summary>
/// Parses <c>uvnet [serve|hello|echo] [dir] [--port N] [--host H] [--loops N] [--dotfiles] [--udp] [--cors] [--cache SECONDS]
/// [--spa] [-H 'Name: value']... [--auth USER:PASS] [--open] [--compress] [--quiet] [--stats SECONDS] [--help] [--version]</c>.
/// Options may come anywhere, as <c>--port 80</c> or <c>--port=80</c>; <c>--</c> ends them; the last of a repeated
/// option wins; <c>--help</c> wins over everything, errors included.
/// </summary>
public static partial class CommandLine
{
    /// <summary>
    /// Parses <paramref name="args"/>. <paramref name="directoryExists"/> checks <c>serve</c>'s directory
    /// (<see cref="Directory.Exists(string?)"/> when null).
    /// </summary>
    public static CommandLineResult Parse(IReadOnlyList<string> args, Func<string, bool>? directoryExists = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        var parser = new Parser();
        for (int i = 0; i < args.Count; i++)
            i = parser.Take(args, i);
        if (parser.Help)
            return CommandLineResult.Help();
        if (parser.Version)
            return CommandLineResult.Version();
        return parser.Error is { } error ? CommandLineResult.Fail(error) : parser.Finish(directoryExists ?? Directory.Exists);
    }

    /// <summary>The command named <paramref name="name"/>, or null.</summary>
    private static UvnetCommand? CommandNamed(string name) => name switch
    {
        "serve" => UvnetCommand.Serve,
        "hello" => UvnetCommand.Hello,
        "echo" => UvnetCommand.Echo,
        "proxy" => UvnetCommand.Proxy,
        "load" => UvnetCommand.Load,
        _ => null,
    };

    private sealed partial class Parser
    {
        private readonly List<string> _positionals = [];
        private bool _optionsEnded;
        private int? _port, _loops, _statsSeconds;
        private string? _host;
        private (string Host, int Port, bool Secure)? _proxyTo;
        private string? _proxyConfig;
        private bool _proxyWatch;
        private bool _quiet, _dotfiles, _udp, _cors, _spa, _open, _compress, _tlsDev, _http1Only;
        private string? _certFile, _keyFile;
        private int? _cacheSeconds;
        private StaticFiles.BasicCredentials? _credentials;
        private readonly List<KeyValuePair<string, string>> _headers = [];

        public bool Help { get; private set; }

        public bool Version { get; private set; }

        /// <summary>The first error met; parsing goes on so that a later <c>--help</c> still wins.</summary>
        public string? Error { get; private set; }

        /// <summary>Takes the argument at <paramref name="i"/> (and its value); returns the index of the last one used.</summary>
        public int Take(IReadOnlyList<string> args, int i)
        {
            string arg = args[i];
            if (_optionsEnded || arg.Length < 2 || arg[0] != '-')
            {
                _positionals.Add(arg);
                return i;
            }
            if (arg == "--")
            {
                _optionsEnded = true;
                return i;
            }
            int equals = arg.StartsWith("--", StringComparison.Ordinal) ? arg.IndexOf('=') : -1;
            string name = equals < 0 ? arg : arg[..equals];
            string? value = equals < 0 ? null : arg[(equals + 1)..];
            switch (name)
            {
                case "-h" or "-?" or "--help":
                    Help = true;
                    break;
                case "--version":
                    Version = true;
                    break;
                case "-q" or "--quiet":
                    _quiet = TakeFlag(name, value);
                    break;
                case "--dotfiles":
                    _dotfiles = TakeFlag(name, value);
                    break;
                case "--udp":
                    _udp = TakeFlag(name, value);
                    break;
                case "--watch":
                    _proxyWatch = TakeFlag(name, value);
                    break;
                case "--cors":
                    _cors = TakeFlag(name, value);
                    break;
                case "--spa":
                    _spa = TakeFlag(name, value);
                    break;
                case "--cert":
                    _certFile = TakeValue(args, ref i, name, value) ?? _certFile;
                    break;
                case "--key":
                    _keyFile = TakeValue(args, ref i, name, value) ?? _keyFile;
                    break;
                case "--tls-dev":
                    _tlsDev = TakeFlag(name, value);
                    break;
                case "--http1-only":
                    _http1Only = TakeFlag(name, value);
                    break;
                case "--compress":
                    _compress = TakeFlag(name, value);
                    break;
                case "-o" or "--open":
                    _open = TakeFlag(name, value);
                    break;
                case "--cache":
                    if (TakeValue(args, ref i, name, value) is { } cache)
                        _cacheSeconds = ParseNumber(name, cache, 0, CommandLineOptions.MaxCacheSeconds) ?? _cacheSeconds;
                    break;
                case "--auth":
                    if (TakeValue(args, ref i, name, value) is { } auth)
                    {
                        try
                        {
                            if (StaticFiles.BasicCredentials.Parse(auth) is { } credentials)
                                _credentials = credentials;
                            else
                                Fail($"option '{name}' takes user:password");
                        }
                        catch (ArgumentException e)
                        {
                            Fail($"option '{name}': {e.Message}");
                        }
                    }
                    break;
                case "-H" or "--header":
                    // Repeatable: each adds a field (not "the last wins").
                    if (TakeValue(args, ref i, name, value) is { } header)
                    {
                        if (StaticFiles.ExtraHeader.Parse(header, out string? problem) is { } field)
                            _headers.Add(field);
                        else
                            Fail($"option '{name}': {problem}");
                    }
                    break;
                case "-p" or "--port":
                    if (TakeValue(args, ref i, name, value) is { } port)
                        _port = ParseNumber(name, port, 0, IPEndPoint.MaxPort) ?? _port;
                    break;
                case "--loops":
                    if (TakeValue(args, ref i, name, value) is { } loops)
                        _loops = ParseNumber(name, loops, 1, CommandLineOptions.MaxLoops) ?? _loops;
                    break;
                case "--stats":
                    if (TakeValue(args, ref i, name, value) is { } seconds)
                        _statsSeconds = ParseNumber(name, seconds, 1, CommandLineOptions.MaxStatsSeconds) ?? _statsSeconds;
                    break;
                case "--to":
                    if (TakeValue(args, ref i, name, value) is { } to)
                        _proxyTo = ParseUpstream(to) ?? _proxyTo;
                    break;
                case "--config":
                    _proxyConfig = TakeValue(args, ref i, name, value) ?? _proxyConfig;
                    break;
                case "--host":
                    if (TakeValue(args, ref i, name, value) is { } host)
                        _host = ParseHost(host) ?? _host;
                    break;
                default:
                    if (!TakeLoadOption(args, ref i, name, value))
                        Fail($"unknown option '{name}'");
                    break;
            }
            return i;
        }

        public CommandLineResult Finish(Func<string, bool> directoryExists)
        {
            int next = 0;
            UvnetCommand command = UvnetCommand.Serve;
            if (_positionals.Count > 0 && _positionals[0] == "help")
                return CommandLineResult.Help();
            if (_positionals.Count > 0 && CommandNamed(_positionals[0]) is { } named)
            {
                command = named;
                next = 1;
            }
            string? directory = null;
            if (command == UvnetCommand.Serve)
            {
                directory = next < _positionals.Count ? _positionals[next++] : ".";
                if (!directoryExists(directory))
                    return CommandLineResult.Fail($"no such directory: '{directory}'");
            }
            if (command == UvnetCommand.Load)
                return FinishLoad(_positionals.Skip(next).ToList());
            if (_loadOptionGiven is { } loadOnly)
                return CommandLineResult.Fail($"option '{loadOnly}' is for load only");
            if (next < _positionals.Count)
                return CommandLineResult.Fail($"unexpected argument '{_positionals[next]}'");
            if (command != UvnetCommand.Serve && ServeOnlyOptionGiven() is { } serveOnly)
                return CommandLineResult.Fail($"option '{serveOnly}' is for serve only");
            if (_proxyTo is not null && command != UvnetCommand.Proxy)
                return CommandLineResult.Fail("option '--to' is for proxy only");
            if (_proxyConfig is not null && command != UvnetCommand.Proxy)
                return CommandLineResult.Fail("option '--config' is for proxy only");
            if (_proxyWatch && (command != UvnetCommand.Proxy || _proxyConfig is null))
                return CommandLineResult.Fail("option '--watch' is for proxy --config only");
            if (command == UvnetCommand.Proxy && (_proxyTo is null) == (_proxyConfig is null))
                return CommandLineResult.Fail("proxy needs either --to http://HOST:PORT (one upstream) or --config FILE");
            if (_udp && command != UvnetCommand.Echo)
                return CommandLineResult.Fail("option '--udp' is for echo only");
            if (_http1Only && command is not (UvnetCommand.Serve or UvnetCommand.Hello))
                return CommandLineResult.Fail("option '--http1-only' is for serve and hello only");
            if (TlsProblem(command) is { } tlsProblem)
                return CommandLineResult.Fail(tlsProblem);
            string host = _host ?? CommandLineOptions.DefaultHost;
            bool tls = _certFile is not null || _tlsDev;
            if (_credentials is not null && !tls && !IsLoopback(host))
                return CommandLineResult.Fail("option '--auth' sends the password in clear: it needs --cert and --key (or --tls-dev), or --host localhost, 127.0.0.1 or ::1");
            return CommandLineResult.Run(new CommandLineOptions
            {
                Command = command,
                Directory = directory,
                Port = _port ?? CommandLineOptions.DefaultPort(command),
                Host = host,
                Loops = _loops ?? Environment.ProcessorCount,
                Quiet = _quiet,
                Dotfiles = _dotfiles,
                Udp = _udp,
                Cors = _cors,
                MaxAge = _cacheSeconds is { } cacheSeconds ? TimeSpan.FromSeconds(cacheSeconds) : null,
                SinglePageApplication = _spa,
                ExtraHeaders = [.. _headers],
                Credentials = _credentials,
                OpenBrowser = _open,
                Compress = _compress,
                StatsInterval = _statsSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
                ProxyConfig = _proxyConfig,
                ProxyWatch = _proxyWatch,
                ProxyTo = _proxyTo is { } upstream ? $"{(upstream.Host.Contains(':') ? $"[{upstream.Host}]" : upstream.Host)}:{upstream.Port}" : null,
                ProxyToTls = _proxyTo is { Secure: true },
                CertFile = _certFile,
                KeyFile = _keyFile,
                TlsDev = _tlsDev,
                Http1Only = _http1Only,
            });
        }

        /// <summary>Why the TLS options do not go together (or with <paramref name="command"/>), or null.</summary>
        private string? TlsProblem(UvnetCommand command)
        {
            if (_certFile is null && _keyFile is null && !_tlsDev)
                return null;
            if (command is UvnetCommand.Echo)
                return $"option '{(_tlsDev ? "--tls-dev" : _certFile is not null ? "--cert" : "--key")}' is for serve, hello and proxy only";
            if (_tlsDev && (_certFile is not null || _keyFile is not null))
                return "option '--tls-dev' makes its own certificate: give it without --cert and --key";
            if ((_certFile is null) != (_keyFile is null))
                return "options '--cert' and '--key' go together";
            return null;
        }

        /// <summary>The first option given that only <c>serve</c> has (<c>-H</c> unless <paramref name="headersShared"/>: load has it too), or null.</summary>
        private string? ServeOnlyOptionGiven(bool headersShared = false) =>
            _dotfiles ? "--dotfiles" : _cors ? "--cors" : _spa ? "--spa" : _cacheSeconds is not null ? "--cache"
            : _headers.Count > 0 && !headersShared ? "--header" : _credentials is not null ? "--auth" : _open ? "--open"
            : _compress ? "--compress" : null;

        /// <summary>Whether <paramref name="host"/> (as <see cref="ParseHost"/> gives it) is this machine only.</summary>
        private static bool IsLoopback(string host) =>
            host == "localhost" || (IPAddress.TryParse(host, out IPAddress? address) && IPAddress.IsLoopback(address));

        /// <summary>An option that takes no value: true, unless it was given one (an error).</summary>
        private bool TakeFlag(string name, string? inlineValue)
        {
            if (inlineValue is not null)
                Fail($"option '{name}' takes no value");
            return true;
        }

        private string? TakeValue(IReadOnlyList<string> args, ref int i, string name, string? inlineValue)
        {
            if (inlineValue is not null)
                return inlineValue;
            if (i + 1 < args.Count)
                return args[++i];
            Fail($"option '{name}' needs a value");
            return null;
        }

        private int? ParseNumber(string name, string text, int min, int max)
        {
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max)
                return n;
            Fail($"option '{name}' takes a whole number from {min} to {max}, not '{text}'");
            return null;
        }

        private string? ParseHost(string text)
        {
            string host = text.Length > 2 && text[0] == '[' && text[^1] == ']' ? text[1..^1] : text;
            if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
                return "localhost";
            // IPAddress.TryParse also takes "1" or "127.1" (inet_aton's shorthands): a mistyped port would pass.
            bool fullForm = host.Contains(':') || host.Count(c => c == '.') == 3;
            if (fullForm && IPAddress.TryParse(host, out IPAddress? address))
                return address.ToString();
            Fail($"option '--host' takes an IP address or localhost, not '{text}'");
            return null;
        }

        /// <summary>An <c>http://host:port</c> URL (the port defaulting to 80), with nothing after the authority but "/".</summary>
        private (string, int, bool)? ParseUpstream(string text)
        {
            if (Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.AbsolutePath == "/"
                && uri.Query.Length == 0 && uri.UserInfo.Length == 0 && uri.Host.Length > 0)
                return (uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host, uri.Port, uri.Scheme == Uri.UriSchemeHttps);
            Fail($"option '--to' takes an http://HOST:PORT or https://HOST:PORT URL, not '{text}'");
            return null;
        }

        private void Fail(string error) => Error ??= error;
    }
}

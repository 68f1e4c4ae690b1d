using System.Security.Cryptography;
using Uvnet.Http.Server;
using Uvnet.Proxy;
using Uvnet.Proxy.Clusters;
using Uvnet.Proxy.Hooks;
using Uvnet.Proxy.Listeners;
using Uvnet.Proxy.Routing;
using Uvnet.Server.Cli;
using Uvnet.Server.Hosting;
using Uvnet.Server.Logging;
using Uvnet.Tls;

namespace Uvnet.Server.Commands;

/// <summary>
/// <c>uvnet proxy --to http://HOST:PORT</c> (every request to one upstream) or <c>--config FILE</c> (listeners, routes,
/// clusters): a reverse proxy on every loop.
/// </summary>
public static class ProxyCommand
{
    /// <summary>Proxies until SIGINT or SIGTERM; returns the exit code.</summary>
    public static int Run(CommandLineOptions options) => Run(options, Console.Out, Console.Error);

    /// <summary>Proxies, writing the start-up text and the access log to <paramref name="output"/> and errors to <paramref name="error"/>.</summary>
    public static int Run(CommandLineOptions options, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(error);
        // --cert/--key or --tls-dev: the first listener's TLS, made once (--tls-dev's certificate lives as long as the process).
        if (!TlsSetup.TryCreate(options, output, error, out TlsServerOptions? tls))
            return Program.UsageError;
        ProxyConfig config;
        try
        {
            config = Load(options, tls);
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"uvnet: {options.ProxyConfig ?? "proxy"}: {e.Message}");
            return Program.UsageError;
        }
        var metrics = new ProxyMetrics();
        // SIGHUP reloads the file, and the --cert/--key files (a renewed certificate), when there are files to read again.
        ProxyReloader? reloader = options.ProxyConfig is not null || options.CertFile is not null
            ? new ProxyReloader(options.ProxyConfig ?? options.CertFile!, () => Load(options, tls), config, error, Watched(options))
            : null;
        int firsts = 1; // the first loop's service takes the admin listener and watches for reloads
        return CommandRunner.RunWithAccessLog(options, (loop, log) =>
            new ProxyLoopService(loop, config, metrics, first: Interlocked.Exchange(ref firsts, 0) == 1, log, error, reloader, options.ProxyWatch),
            port => Banner(options, port, config.Listener.Tls is not null), output, error);
    }

    /// <summary>
    /// The configuration: the --config file's, or one route to --to's upstream; the first listener's TLS is
    /// <paramref name="tls"/> (--tls-dev's) or, with --cert/--key, read from those files now (on each reload again).
    /// </summary>
    /// <exception cref="ArgumentException">The file is invalid, or names the first listener's TLS beside --cert or --tls-dev (the field named).</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    internal static ProxyConfig Load(CommandLineOptions options, TlsServerOptions? tls)
    {
        ProxyConfig config = options.ProxyConfig is { } file
            ? ProxyConfig.Load(File.ReadAllText(file), Path.GetDirectoryName(Path.GetFullPath(file)))
            : new ProxyConfig { Options = ForUpstream(options.ProxyTo ?? throw new ArgumentException("proxy needs --to or --config.", nameof(options)), options.ProxyToTls) };
        if (tls is null)
            return config;
        if (config.Listener.Tls is not null)
            throw new ArgumentException($"Listener.Tls: the first listener's TLS comes from {(options.TlsDev ? "--tls-dev" : "--cert and --key")}: give it in one place.");
        if (options.CertFile is { } cert)
        {
            try
            {
                tls = new TlsServerOptions { Context = SecureContext.FromPemFiles(cert, options.KeyFile!) };
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException or PlatformNotSupportedException)
            {
                throw new ArgumentException($"--cert {cert}: {e.Message}", e);
            }
        }
        return config with { Listener = config.Listener with { Tls = tls } };
    }

    /// <summary>The files --watch looks at: the configuration and the --cert/--key files (the file's own certificates are read on its reload).</summary>
    private static string[] Watched(CommandLineOptions options) =>
        [.. new[] { options.ProxyConfig, options.CertFile, options.KeyFile }.OfType<string>()];

    /// <summary>One route to one cluster of the upstream, over TLS (verified against the system's roots) when <paramref name="secure"/>.</summary>
    internal static ProxyOptions ForUpstream(string hostPort, bool secure) => new()
    {
        Clusters = [new ProxyCluster { Name = "upstream", Destinations = [hostPort], Tls = secure ? new Tls.TlsClientOptions() : null }],
        Routes = [new ProxyRoute { Cluster = "upstream" }],
    };

    /// <summary>The start-up text: where requests go.</summary>
    internal static string Banner(CommandLineOptions options, int port, bool secure) =>
        StartupBanner.Format(options.ProxyTo is { } to ? $"uvnet proxy: forwarding every request to {(options.ProxyToTls ? "https" : "http")}://{to}" : $"uvnet proxy: routes from {options.ProxyConfig}",
            StartupBanner.HttpUrls(options.Host, port, [], secure), options.Loops, options.Host);

    /// <summary>One loop's proxy, logging each exchange once it has ended (status and body bytes as sent).</summary>
    private sealed class ProxyLoopService : ILoopService
    {
        // How often --watch looks at the file: a stat a second costs nothing, and an edit is in use within the second.
        private const long WatchIntervalMs = 1000;

        private readonly ProxyServer _proxy;
        private readonly HttpServer? _admin;
        private readonly ProxyConfig _config;
        private readonly AccessLog? _log;
        private readonly TextWriter _errors;
        private Action<Exception>? _failed; // while the listeners start: a listener's error fails the start
        private readonly SignalHandle? _hangup;
        private readonly TimerHandle? _watch;
        private long _accepted;

        internal ProxyLoopService(Loop loop, ProxyConfig config, ProxyMetrics metrics, bool first, AccessLog? log, TextWriter errors,
            ProxyReloader? reloader, bool watch)
        {
            _config = config;
            _log = log;
            _errors = errors;
            _proxy = new ProxyServer(loop, WithLog(config.Options), new HttpServerOptions { SharePort = true, ServerHeader = null }, metrics, config.Listener);
            if (first && config.AdminPort is not null)
                _admin = Http.Http.CreateServer(loop, (req, res) => Admin(loop, metrics, req, res));
            _proxy.Server.Connection += _ => _accepted++;
            _proxy.Server.HandlerError += (e, req) => errors.WriteLine(HandlerErrorLog.Format(e, req));
            _proxy.FilterError += (e, exchange) => errors.WriteLine(HandlerErrorLog.Format(e, exchange.Request));
            _proxy.ListenerError += (listener, e) =>
            {
                if (_failed is { } failed)
                    failed(e);
                else
                    errors.WriteLine($"uvnet: listener {listener.Options.Name ?? $"{listener.Options.Host ?? "*"}:{listener.Options.Port}"}: {e.Message}");
            };
            if (reloader is null)
                return;
            reloader.Add(loop, Apply);
            if (!first)
                return;
            if (!OperatingSystem.IsWindows())
            {
                _hangup = new SignalHandle(loop);
                _hangup.Start(System.Runtime.InteropServices.PosixSignal.SIGHUP, (_, _) => reloader.Reload());
                _hangup.Unref(); // it does not keep the loop running once the proxy stops
            }
            if (watch)
            {
                _watch = new TimerHandle(loop);
                _watch.Start(_ => reloader.ReloadIfChanged(), WatchIntervalMs, WatchIntervalMs);
                _watch.Unref();
            }
        }

        /// <summary>
        /// A reloaded configuration, on this loop's thread: new requests take its routes, those in progress keep theirs;
        /// listeners are added and removed (those that stay keep their connections), and TLS listeners take their new
        /// certificates for new handshakes.
        /// </summary>
        private void Apply(ProxyConfig config)
        {
            try
            {
                // The --port listener keeps TLS or not as started (the reloader says so); a new certificate is taken.
                _proxy.Reload(WithLog(config.Options), config.Listeners, _proxy.Listener.Tls is null ? null : config.Listener.Tls);
            }
            catch (InvalidOperationException)
            {
                // The proxy closed (the process is stopping) before the reload reached this loop.
            }
            catch (ArgumentException e)
            {
                // Loaded and checked whole on the first loop; a listener's TLS that a server still refuses is reported here.
                _errors.WriteLine($"uvnet: reload: {e.Message}");
            }
        }

        /// <summary><paramref name="options"/> with the access log's filter last, so that it sees what the others did.</summary>
        private ProxyOptions WithLog(ProxyOptions options) =>
            _log is null ? options : options with { Filters = [.. options.Filters, new AccessLogFilter(_log)] };

        public int ConnectionCount => _proxy.Server.ConnectionCount;

        public long ConnectionsAccepted => _accepted;

        public void Listen(int port, string? host, Action<int> listening, Action<Exception> failed)
        {
            _proxy.Server.Error += (_, e) => failed(e);
            _failed = failed;
            // The --port listener, then the file's others; reported listening once all are (the admin one first, when
            // there is one): a taken port fails the start.
            void ListenAll()
            {
                _proxy.Listen(port, host, () =>
                {
                    int left = _config.Listeners.Count;
                    if (left == 0)
                        Listening();
                    foreach (ProxyListenerOptions extra in _config.Listeners)
                        _proxy.AddListener(extra, _ => { if (--left == 0) Listening(); });
                });
            }
            void Listening()
            {
                _failed = null;
                listening(_proxy.Port);
            }
            if (_admin is null)
            {
                ListenAll();
                return;
            }
            _admin.Error += (_, e) => failed(e);
            _admin.Listen(_config.AdminPort!.Value, _config.AdminHost, ListenAll);
        }

        public void Stop()
        {
            _hangup?.Close();
            _watch?.Close();
            _proxy.Close();
            _admin?.Close();
        }

        public void Abort()
        {
            _proxy.Dispose();
            _admin?.CloseAllConnections();
        }

        /// <summary>The admin listener: <c>/healthz</c> (200 while the process serves) and <c>/metrics</c> (Prometheus text).</summary>
        private static Task Admin(Loop loop, ProxyMetrics metrics, IncomingMessage req, ServerResponse res)
        {
            switch (req.Path)
            {
                case "/healthz":
                    res.SetHeader("Content-Type", "text/plain");
                    res.End("ok\n");
                    break;
                case "/metrics":
                    // The gauges are read on each loop's thread: the answer goes once every loop has given its own. The
                    // task holds the request and response until then (a client gone meanwhile leaves them unused).
                    var answered = new TaskCompletionSource();
                    metrics.CollectGauges(loop, gauges =>
                    {
                        var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
                        metrics.WritePrometheus(text, gauges);
                        res.SetHeader("Content-Type", "text/plain; version=0.0.4");
                        res.End(text.ToString());
                        answered.SetResult();
                    });
                    return answered.Task;
                default:
                    res.StatusCode = 404;
                    res.End();
                    break;
            }
            return Task.CompletedTask;
        }
    }

    /// <summary>Writes the access log line of each exchange at RequestFinished, when its status and size are known.</summary>
    private sealed class AccessLogFilter(AccessLog log) : ProxyFilter
    {
        public override HookResult OnRequestFinished(ProxyExchange exchange)
        {
            if (exchange.Request is { } req && exchange.Response is { } res)
                log.Write(new AccessLogEntry(exchange.Connection.ClientAddress, DateTimeOffset.Now, req.Method, req.Url, req.HttpVersion, res.StatusCode, res.BodyBytesWritten));
            return HookResult.Continue;
        }
    }
}

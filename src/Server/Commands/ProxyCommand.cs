using Uvnet.Http.Server;
using Uvnet.Proxy;
using Uvnet.Proxy.Clusters;
using Uvnet.Proxy.Hooks;
using Uvnet.Proxy.Routing;
using Uvnet.Server.Cli;
using Uvnet.Server.Hosting;
using Uvnet.Server.Logging;

namespace Uvnet.Server.Commands;

/// <summary><c>uvnet proxy --to http://HOST:PORT</c>: a reverse proxy on every loop, forwarding every request to one upstream.</summary>
public static class ProxyCommand
{
    /// <summary>Proxies until SIGINT or SIGTERM; returns the exit code.</summary>
    public static int Run(CommandLineOptions options) => Run(options, Console.Out, Console.Error);

    /// <summary>Proxies, writing the start-up text and the access log to <paramref name="output"/> and errors to <paramref name="error"/>.</summary>
    public static int Run(CommandLineOptions options, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(error);
        ProxyConfig config;
        if (options.ProxyConfig is { } file)
        {
            try
            {
                config = ProxyConfig.Load(File.ReadAllText(file), Path.GetDirectoryName(Path.GetFullPath(file)));
            }
            catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"uvnet: {file}: {e.Message}");
                return Program.UsageError;
            }
        }
        else
        {
            config = new ProxyConfig { Options = ForUpstream(options.ProxyTo ?? throw new ArgumentException("proxy needs --to or --config.", nameof(options)), options.ProxyToTls) };
        }
        var metrics = new ProxyMetrics();
        ProxyReloader? reloader = options.ProxyConfig is { } path ? new ProxyReloader(path, config, error) : null;
        int firsts = 1; // the first loop's service takes the admin listener and watches for reloads
        return CommandRunner.RunWithAccessLog(options, (loop, log) =>
            new ProxyLoopService(loop, config, metrics, first: Interlocked.Exchange(ref firsts, 0) == 1, log, error, reloader, options.ProxyWatch),
            port => Banner(options, port, config.Listener.Tls is not null), output, error);
    }

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
        private readonly SignalHandle? _hangup;
        private readonly TimerHandle? _watch;
        private long _accepted;

        internal ProxyLoopService(Loop loop, ProxyConfig config, ProxyMetrics metrics, bool first, AccessLog? log, TextWriter errors,
            ProxyReloader? reloader, bool watch)
        {
            _config = config;
            _log = log;
            _proxy = new ProxyServer(loop, WithLog(config.Options), new HttpServerOptions { SharePort = true, ServerHeader = null }, metrics, config.Listener);
            if (first && config.AdminPort is not null)
                _admin = Http.Http.CreateServer(loop, (req, res) => Admin(metrics, req, res));
            _proxy.Server.Connection += _ => _accepted++;
            _proxy.Server.HandlerError += (e, req) => errors.WriteLine(HandlerErrorLog.Format(e, req));
            _proxy.FilterError += (e, exchange) => errors.WriteLine(HandlerErrorLog.Format(e, exchange.Request));
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

        /// <summary>A reloaded configuration, on this loop's thread: new requests take it, those in progress keep theirs.</summary>
        private void Apply(ProxyOptions options)
        {
            try
            {
                _proxy.Reload(WithLog(options));
            }
            catch (InvalidOperationException)
            {
                // The proxy closed (the process is stopping) before the reload reached this loop.
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
            if (_admin is null)
            {
                _proxy.Listen(port, host, () => listening(_proxy.Port));
                return;
            }
            // The proxy is reported listening once the admin listener is too: a taken admin port fails the start.
            _admin.Error += (_, e) => failed(e);
            _admin.Listen(_config.AdminPort!.Value, _config.AdminHost, () => _proxy.Listen(port, host, () => listening(_proxy.Port)));
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
        private static void Admin(ProxyMetrics metrics, IncomingMessage req, ServerResponse res)
        {
            switch (req.Path)
            {
                case "/healthz":
                    res.SetHeader("Content-Type", "text/plain");
                    res.End("ok\n");
                    break;
                case "/metrics":
                    var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
                    metrics.WritePrometheus(text);
                    res.SetHeader("Content-Type", "text/plain; version=0.0.4");
                    res.End(text.ToString());
                    break;
                default:
                    res.StatusCode = 404;
                    res.End();
                    break;
            }
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

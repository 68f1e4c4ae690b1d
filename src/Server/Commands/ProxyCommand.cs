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
        if (options.ProxyTo is null)
            throw new ArgumentException("proxy needs an upstream (ProxyTo).", nameof(options));
        ProxyOptions proxy = ForUpstream(options.ProxyTo);
        return CommandRunner.RunWithAccessLog(options, (loop, log) => new ProxyLoopService(loop, proxy, log, error), port => Banner(options, port), output, error);
    }

    /// <summary>One route to one cluster of the upstream.</summary>
    internal static ProxyOptions ForUpstream(string hostPort) => new()
    {
        Clusters = [new ProxyCluster { Name = "upstream", Destinations = [hostPort] }],
        Routes = [new ProxyRoute { Cluster = "upstream" }],
    };

    /// <summary>The start-up text: where requests go.</summary>
    internal static string Banner(CommandLineOptions options, int port) =>
        StartupBanner.Format($"uvnet proxy: forwarding every request to {options.ProxyTo}", StartupBanner.HttpUrls(options.Host, port, []), options.Loops, options.Host);

    /// <summary>One loop's proxy, logging each exchange once it has ended (status and body bytes as sent).</summary>
    private sealed class ProxyLoopService : ILoopService
    {
        private readonly ProxyServer _proxy;
        private long _accepted;

        internal ProxyLoopService(Loop loop, ProxyOptions options, AccessLog? log, TextWriter errors)
        {
            if (log is not null)
                options = options with { Filters = [.. options.Filters, new AccessLogFilter(log)] };
            _proxy = new ProxyServer(loop, options, new HttpServerOptions { SharePort = true, ServerHeader = null });
            _proxy.Server.Connection += _ => _accepted++;
            _proxy.Server.HandlerError += (e, req) => errors.WriteLine(HandlerErrorLog.Format(e, req));
            _proxy.FilterError += (e, exchange) => errors.WriteLine(HandlerErrorLog.Format(e, exchange.Request));
        }

        public int ConnectionCount => _proxy.Server.ConnectionCount;

        public long ConnectionsAccepted => _accepted;

        public void Listen(int port, string? host, Action<int> listening, Action<Exception> failed)
        {
            _proxy.Server.Error += (_, e) => failed(e);
            _proxy.Listen(port, host, () => listening(_proxy.Port));
        }

        public void Stop() => _proxy.Close();

        public void Abort() => _proxy.Dispose();
    }

    /// <summary>Writes the access log line of each exchange at RequestFinished, when its status and size are known.</summary>
    private sealed class AccessLogFilter(AccessLog log) : ProxyFilter
    {
        public override HookResult OnRequestFinished(ProxyExchange exchange)
        {
            if (exchange.Request is { } req && exchange.Response is { } res)
                log.Write(new AccessLogEntry(exchange.Connection.Socket.RemoteAddress, DateTimeOffset.Now, req.Method, req.Url, req.HttpVersion, res.StatusCode, res.BodyBytesWritten));
            return HookResult.Continue;
        }
    }
}

using Uvnet.Http;
using Uvnet.Http.Server;
using Uvnet.Server.Hosting;
using Uvnet.Server.Logging;
using Uvnet.Tls;

namespace Uvnet.Server.Commands;

/// <summary>One loop's HTTP server for <c>serve</c> and <c>hello</c>: one listening socket shared by the loops, graceful stop, access log, handler failures on stderr.</summary>
internal sealed class HttpLoopService : ILoopService
{
    /// <summary>
    /// The largest request body taken: no endpoint of <c>serve</c> or <c>hello</c> reads one, so a larger one is
    /// refused (413, then close) rather than read and thrown away for as long as the client cares to send.
    /// </summary>
    internal const long MaxRequestBodySize = 1 << 20;

    private readonly HttpServer _server;
    private long _accepted;

    /// <summary>
    /// Creates the service on <paramref name="loop"/>; each request goes to <paramref name="handler"/>, and is logged
    /// with the body bytes its response put on the wire (none for HEAD, whatever the handler wrote). A handler that
    /// throws gets its request a 500 and is told on <paramref name="errors"/> (stderr unless given).
    /// </summary>
    internal HttpLoopService(Loop loop, Action<IncomingMessage, ServerResponse> handler, AccessLog? log, TextWriter? errors = null, TlsServerOptions? tls = null, bool http2 = true)
    {
        Action<IncomingMessage, ServerResponse> logged = (req, res) =>
        {
            handler(req, res);
            log?.Write(new AccessLogEntry(req.Socket.RemoteAddress, DateTimeOffset.Now, req.Method, req.Url, req.HttpVersion, res.StatusCode, res.BodyBytesWritten));
        };
        var options = new HttpServerOptions { SharePort = true, MaxRequestBodySize = MaxRequestBodySize, Http2 = http2 }; // Server: uvnet by default
        _server = tls is null ? Http.Http.CreateServer(loop, logged, options) : Https.CreateServer(loop, tls, logged, options);
        _server.Connection += _ => _accepted++;
        TextWriter errorOutput = errors ?? Console.Error;
        _server.HandlerError += (e, req) => errorOutput.WriteLine(HandlerErrorLog.Format(e, req));
    }

    /// <inheritdoc/>
    public int ConnectionCount => _server.ConnectionCount;

    /// <inheritdoc/>
    public long ConnectionsAccepted => _accepted;

    /// <inheritdoc/>
    public void Listen(int port, string? host, Action<int> listening, Action<Exception> failed)
    {
        _server.Error += (s, e) => failed(e);
        _server.Listen(port, host, callback: () => listening(_server.Port));
    }

    /// <inheritdoc/>
    public void Stop() => _server.Close();

    /// <inheritdoc/>
    public void Abort() => _server.CloseAllConnections();
}

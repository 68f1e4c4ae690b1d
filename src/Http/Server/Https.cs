using Uvnet.Http.Server;
using Uvnet.Tls;

namespace Uvnet.Http;

/// <summary>Node's <c>https</c> module: the HTTP server over TLS.</summary>
public static class Https
{
    /// <summary>
    /// An HTTPS server, as Node's <c>https.createServer(options, handler)</c>: the HTTP server of
    /// <see cref="Http.CreateServer(Loop, Action{IncomingMessage, ServerResponse}?, HttpServerOptions?)"/> with TLS
    /// under each connection (certificate, SNI, ALPN and handshake timeout from <paramref name="tlsOptions"/>). A
    /// connection whose handshake fails closes without reaching the HTTP layer.
    /// </summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public static HttpServer CreateServer(Loop loop, TlsServerOptions tlsOptions, Action<IncomingMessage, ServerResponse>? handler = null, HttpServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentNullException.ThrowIfNull(tlsOptions);
        tlsOptions.Validate();
        return Http.Create(loop, handler, options, tlsOptions);
    }

    /// <summary>An HTTPS server with an async handler (as <see cref="Http.CreateServer(Loop, Func{IncomingMessage, ServerResponse, Task}, HttpServerOptions?)"/>).</summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public static HttpServer CreateServer(Loop loop, TlsServerOptions tlsOptions, Func<IncomingMessage, ServerResponse, Task> handler, HttpServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Http.WithAsyncHandler(CreateServer(loop, tlsOptions, (Action<IncomingMessage, ServerResponse>?)null, options), handler);
    }
}

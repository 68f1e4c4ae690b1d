using Uvnet.Http.Client;
using Uvnet.Http.Server;
using Uvnet.Tls;

namespace Uvnet.Http;

/// <summary>Entry points, as Node's <c>http</c> module.</summary>
public static class Http
{
    /// <summary>Creates a server on <paramref name="loop"/>; <paramref name="handler"/> handles each request.</summary>
    /// <exception cref="ArgumentException"><see cref="HttpServerOptions.ServerHeader"/> is not a valid field value (ERR_INVALID_CHAR).</exception>
    public static HttpServer CreateServer(Loop loop, Action<IncomingMessage, ServerResponse>? handler = null, HttpServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(loop);
        return Create(loop, handler, options, null);
    }

    /// <summary>A server, HTTP or (with <paramref name="tls"/>) HTTPS.</summary>
    internal static HttpServer Create(Loop loop, Action<IncomingMessage, ServerResponse>? handler, HttpServerOptions? options, TlsServerOptions? tls)
    {
        options ??= new HttpServerOptions();
        var server = new HttpServer(loop, options, tls is not null && options.Http2 ? WithH2(tls) : tls);
        if (handler is not null)
            server.Request += handler;
        return server;
    }

    /// <summary>
    /// The TLS options with <c>h2</c> first in the ALPN list (a client that offers it gets HTTP/2), unless the list
    /// names it already (the caller's order then stands). The caller's options are not changed; every other setting,
    /// client certificates and ticket keys included, is theirs.
    /// </summary>
    internal static TlsServerOptions WithH2(TlsServerOptions tls)
    {
        if (tls.AlpnProtocols.Contains("h2"))
            return tls;
        TlsServerOptions withH2 = tls.WithAlpnFirst("h2");
        withH2.Validate();
        return withH2;
    }

    /// <summary>
    /// Creates a server with an async handler. A handler whose task faults is treated as one that threw (500, or
    /// the connection destroyed if the head was sent) and reported through <see cref="HttpServer.HandlerError"/>; a
    /// fault after its response has finished is reported and changes nothing else. Its awaits resume on the loop thread.
    /// The request and response are not reused before the task completes.
    /// </summary>
    /// <exception cref="ArgumentException"><see cref="HttpServerOptions.ServerHeader"/> is not a valid field value (ERR_INVALID_CHAR).</exception>
    public static HttpServer CreateServer(Loop loop, Func<IncomingMessage, ServerResponse, Task> handler, HttpServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return WithAsyncHandler(CreateServer(loop, (Action<IncomingMessage, ServerResponse>?)null, options), handler);
    }

    /// <summary>Adds an async request handler (see <see cref="CreateServer(Loop, Func{IncomingMessage, ServerResponse, Task}, HttpServerOptions?)"/>).</summary>
    internal static HttpServer WithAsyncHandler(HttpServer server, Func<IncomingMessage, ServerResponse, Task> handler)
    {
        server.Request += (request, response) =>
        {
            Task task = handler(request, response);
            if (!task.IsCompletedSuccessfully)
                response.HoldUntil(task); // the pair is not reused while the task can still use it
        };
        return server;
    }
    /// <summary>
    /// Makes a request, as Node's <c>http.request</c>: it takes a connection from its agent once the calling code has returned to the loop, and
    /// sends nothing before <see cref="ClientRequest.Write(ReadOnlySpan{byte})"/>, <see cref="ClientRequest.End(ReadOnlySpan{byte})"/>
    /// or <see cref="ClientRequest.FlushHeaders"/>. <paramref name="callback"/> is a <see cref="ClientRequest.Response"/> handler.
    /// </summary>
    /// <exception cref="ArgumentException">The method, path, host or a header is invalid (Node's ERR_INVALID_HTTP_TOKEN,
    /// ERR_UNESCAPED_CHARACTERS, ERR_INVALID_CHAR), or the agent is another loop's: nothing is sent.</exception>
    /// <exception cref="InvalidOperationException">Called off the loop's thread.</exception>
    public static ClientRequest Request(Loop loop, RequestOptions options, Action<ClientResponse>? callback = null) =>
        Request(loop, options, callback, method: null, recyclable: true);

    /// <summary>
    /// <see cref="Request(Loop, RequestOptions, Action{ClientResponse}?)"/> with the options' method replaced by
    /// <paramref name="method"/> when given, and a request its agent may recycle when <paramref name="recyclable"/>.
    /// </summary>
    internal static ClientRequest Request(Loop loop, RequestOptions options, Action<ClientResponse>? callback, string? method, bool recyclable)
    {
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentNullException.ThrowIfNull(options);
        LoopThread.Verify(loop, nameof(Http), unstarted: true);
        Agent? agent = options.NoAgent ? null : options.Agent ?? Agent.GetGlobal(loop);
        // Its connections are another loop's handles: using them from this loop's thread would race that loop.
        if (agent is not null && agent.Loop != loop)
            throw new ArgumentException("The agent belongs to another loop.", nameof(options));
        ClientRequest request = ClientRequest.Make(loop, options, agent, method, callback, recyclable);
        // Later in the loop's iteration: the caller subscribes its handlers first. Deferred rather than posted, which from
        // the loop's thread would cost a wakeup (a write, a poll and a read) per request.
        loop.Defer(s_start, request);
        return request;
    }

    private static readonly Action<ClientRequest> s_start = static r => r.Start();

    /// <summary>Makes a request to an absolute <c>http:</c> URL (see <see cref="Request(Loop, RequestOptions, Action{ClientResponse}?)"/>).</summary>
    public static ClientRequest Request(Loop loop, string url, Action<ClientResponse>? callback = null) =>
        Request(loop, RequestOptions.FromUrl(url), callback);

    /// <summary>A GET, ended at once, as Node's <c>http.get</c>.</summary>
    public static ClientRequest Get(Loop loop, RequestOptions options, Action<ClientResponse>? callback = null)
    {
        ClientRequest request = Request(loop, options, callback, "GET", recyclable: true);
        request.End();
        return request;
    }

    /// <summary>A GET of an absolute <c>http:</c> URL, ended at once.</summary>
    public static ClientRequest Get(Loop loop, string url, Action<ClientResponse>? callback = null) =>
        Get(loop, RequestOptions.FromUrl(url), callback);
}

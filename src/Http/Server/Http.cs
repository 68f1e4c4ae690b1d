using Uvnet.Http.Server;

namespace Uvnet.Http;

/// <summary>Entry points, as Node's <c>http</c> module.</summary>
public static class Http
{
    /// <summary>Creates a server on <paramref name="loop"/>; <paramref name="handler"/> handles each request.</summary>
    /// <exception cref="ArgumentException"><see cref="HttpServerOptions.ServerHeader"/> is not a valid field value (ERR_INVALID_CHAR).</exception>
    public static HttpServer CreateServer(Loop loop, Action<IncomingMessage, ServerResponse>? handler = null, HttpServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(loop);
        var server = new HttpServer(loop, options ?? new HttpServerOptions());
        if (handler is not null)
            server.Request += handler;
        return server;
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
        HttpServer server = CreateServer(loop, (Action<IncomingMessage, ServerResponse>?)null, options);
        server.Request += (request, response) =>
        {
            Task task = handler(request, response);
            if (!task.IsCompletedSuccessfully)
                response.HoldUntil(task); // the pair is not reused while the task can still use it
        };
        return server;
    }
}

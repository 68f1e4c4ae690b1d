using Uvnet.Http.Server;

namespace Uvnet.Http;

/// <summary>Entry points, as Node's <c>http</c> module.</summary>
public static class Http
{
    /// <summary>Creates a server on <paramref name="loop"/>; <paramref name="handler"/> handles each request.</summary>
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
    /// the connection destroyed if the head was sent); a fault after its response has finished changes nothing.
    /// Its awaits resume on the loop thread.
    /// </summary>
    public static HttpServer CreateServer(Loop loop, Func<IncomingMessage, ServerResponse, Task> handler, HttpServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return CreateServer(loop, (request, response) =>
        {
            Task task = handler(request, response);
            if (task.IsCompletedSuccessfully)
                return;
            // The response object is pooled: by the time the task faults it may answer a later request.
            int generation = response.Generation;
            task.ContinueWith(t =>
            {
                if (t.IsFaulted && response.Generation == generation)
                    HttpServer.FailHandler(response);
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.FromCurrentSynchronizationContext());
        }, options);
    }
}

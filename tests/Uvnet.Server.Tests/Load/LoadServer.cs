using Uvnet.Http.Server;

namespace Uvnet.Server.Tests.Load;

/// <summary>Uvnet's HTTP server on its own loop and thread, counting the requests it gets, for <c>uvnet load</c> to load.</summary>
internal sealed class LoadServer : IDisposable
{
    private readonly Thread _thread;
    private Loop? _loop;
    private HttpServer? _server;
    private long _requests;

    /// <summary>Starts a server whose <paramref name="handler"/> answers each request (given the loop and the request's index from 0).</summary>
    internal LoadServer(Action<Loop, long, IncomingMessage, ServerResponse> handler)
    {
        using var listening = new ManualResetEventSlim();
        _thread = new Thread(() =>
        {
            var loop = new Loop();
            _loop = loop;
            _server = Uvnet.Http.Http.CreateServer(loop, (req, res) => handler(loop, Interlocked.Increment(ref _requests) - 1, req, res));
            _server.Listen(0, "127.0.0.1", () => listening.Set());
            loop.Run();
            loop.Close();
        }) { IsBackground = true, Name = "load test server" };
        _thread.Start();
        Assert.True(listening.Wait(TimeSpan.FromSeconds(20)), "the server did not listen");
        Port = _server!.Port;
    }

    internal int Port { get; }

    /// <summary>The server, for a handler that closes it (on the server's loop only).</summary>
    internal HttpServer Server => _server!;

    /// <summary>The requests the server has received.</summary>
    internal long Requests => Interlocked.Read(ref _requests);

    public void Dispose()
    {
        try
        {
            _loop!.Post(() =>
            {
                _server!.CloseAllConnections();
                _server.Close();
            });
        }
        catch (ObjectDisposedException)
        {
            // The server was closed by its handler, and its loop has ended.
        }
        Assert.True(_thread.Join(TimeSpan.FromSeconds(20)), "the server's loop did not end");
    }
}

using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Hardening;

/// <summary>
/// A server for misuse tests: its handler answers <c>/next</c> normally and gives every other request to the test's
/// misbehaving code. It remembers the sockets it accepted and its loop's handles at the start, so a test can assert
/// that after the misuse the server serves the next request and holds nothing more than before.
/// </summary>
internal sealed class MisuseServer : IDisposable
{
    private readonly int _handles;
    private readonly List<string> _sockets = [];

    private MisuseServer(ServerFixture fixture)
    {
        Fixture = fixture;
        fixture.Loop.Run(RunMode.NoWait); // closes already under way finish before the count
        _handles = fixture.Loop.HandleCount;
        fixture.Server.Connection += s => _sockets.Add(SocketDescriptors.Identify(s.Handle!.FileDescriptor));
    }

    internal ServerFixture Fixture { get; }

    internal HttpServer Server => Fixture.Server;

    internal Loop Loop => Fixture.Loop;

    // No keep-alive timeout: a connection left open by a misuse stays open, and a test reading to its close fails.
    private static readonly HttpServerOptions s_options = new() { KeepAliveTimeout = 0 };

    internal static MisuseServer Start(Action<IncomingMessage, ServerResponse> misuse) =>
        new(ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/next")
                res.End("next");
            else
                misuse(req, res);
        }, s_options));

    internal static MisuseServer Start(Func<IncomingMessage, ServerResponse, Task> misuse) =>
        new(ServerFixture.Start((req, res) =>
        {
            if (req.Url != "/next")
                return misuse(req, res);
            res.End("next");
            return Task.CompletedTask;
        }, s_options));

    /// <summary>Sends <paramref name="request"/> on a new connection and reads until the server closes it.</summary>
    internal string Exchange(string request) => Fixture.Exchange(request);

    /// <summary>
    /// A new connection is served normally; then every connection has closed and released its socket, and the loop
    /// holds the handles it held at the start.
    /// </summary>
    internal void AssertServesNextAndHoldsNothing()
    {
        string raw = Exchange("GET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK", raw);
        Assert.EndsWith("next", raw);
        LoopDriver.RunUntil(Loop, () => Server.ConnectionCount == 0);
        Loop.Run(RunMode.NoWait); // the close of RunUntil's own timer
        Assert.Equal(_handles, Loop.HandleCount);
        Assert.All(_sockets, s => Assert.False(SocketDescriptors.IsOpen(s), $"{s} is still open"));
    }

    public void Dispose() => Fixture.Dispose();
}

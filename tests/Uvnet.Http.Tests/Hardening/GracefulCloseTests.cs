using System.Net.Sockets;
using System.Text;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;
using NetSocket = Uvnet.Net.Socket;

namespace Uvnet.Http.Tests.Hardening;

/// <summary>
/// <see cref="HttpServer.Close"/> while requests are in flight: every request the server has received, or is
/// receiving, is answered in full; the last response says <c>Connection: close</c>; the connection then closes
/// cleanly (no reset), and the server's Closed event follows.
/// </summary>
public class GracefulCloseTests
{
    private static string Get(string path) => $"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n";

    private static Socket Send(ServerFixture fixture, string request) => fixture.Run(async () =>
    {
        var socket = await RawClient.ConnectAsync(fixture.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        return socket;
    });

    private static string[] Responses(string raw) =>
        raw.Split("HTTP/1.1 ", StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Every_pipelined_request_already_dispatched_is_answered_and_only_the_last_says_close()
    {
        var pending = new List<ServerResponse>();
        using var fixture = ServerFixture.Start((req, res) => pending.Add(res));
        bool closed = false;
        using var socket = Send(fixture, Get("/1") + Get("/2") + Get("/3"));
        LoopDriver.RunUntil(fixture.Loop, () => pending.Count == 3);

        fixture.Server.Close(() => closed = true);
        for (int i = pending.Count - 1; i >= 0; i--)
            pending[i].End($"body{i + 1}"); // out of order: they still leave in request order
        string raw = fixture.Run(() => RawClient.ReadToCloseAsync(socket));

        string[] responses = Responses(raw);
        Assert.Equal(3, responses.Length);
        for (int i = 0; i < 3; i++)
            Assert.EndsWith($"body{i + 1}", responses[i]);
        Assert.DoesNotContain("Connection: close", responses[0]);
        Assert.DoesNotContain("Connection: close", responses[1]);
        Assert.Contains("Connection: close\r\n", responses[2]);
        LoopDriver.RunUntil(fixture.Loop, () => closed);
    }

    /// <summary>
    /// Sends <paramref name="first"/>, closes the server once it has read those bytes, sends <paramref name="rest"/>
    /// and reads to the close; the server's Closed event must follow. Returns what the client received.
    /// </summary>
    private static string CloseWhileArriving(ServerFixture fixture, string first, string rest)
    {
        NetSocket? serverSide = null;
        fixture.Server.Connection += s => serverSide = s;
        bool closed = false;
        using var socket = Send(fixture, first);
        LoopDriver.RunUntil(fixture.Loop, () => serverSide?.BytesRead == first.Length);

        fixture.Server.Close(() => closed = true);
        string raw = fixture.Run(async () =>
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(rest));
            return await RawClient.ReadToCloseAsync(socket);
        });
        LoopDriver.RunUntil(fixture.Loop, () => closed);
        return raw;
    }

    [Fact]
    public void A_body_still_arriving_is_read_to_its_end_and_its_handler_answers()
    {
        using var fixture = ServerFixture.Start(async (req, res) => res.End((await req.ReadBodyAsync()).Length.ToString()));
        string raw = CloseWhileArriving(fixture, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234", "56789");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw);
        Assert.Contains("Connection: close\r\n", raw);
        Assert.EndsWith("\r\n\r\n10", raw);
    }

    [Fact]
    public void A_request_head_still_arriving_is_answered_with_connection_close()
    {
        using var fixture = ServerFixture.Start((req, res) => res.End(req.Url));
        string raw = CloseWhileArriving(fixture, "GET /late HTTP/1.1\r\nHo", "st: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw);
        Assert.Contains("Connection: close\r\n", raw);
        Assert.EndsWith("/late", raw);
    }

    [Fact]
    public void Requests_the_server_has_not_read_do_not_reset_the_connection_and_it_closes_once_the_client_does()
    {
        // One request at a time: the rest of the client's pipeline stays unread (held, then in the kernel).
        var options = new HttpServerOptions { MaxPipelinedRequests = 1, KeepAliveTimeout = 0 };
        ServerResponse? first = null;
        using var fixture = ServerFixture.Start((req, res) => first ??= res, options);
        bool closed = false;
        string pipeline = string.Concat(Enumerable.Range(0, 20_000).Select(i => Get($"/{i}")));
        Socket socket = fixture.Run(async () =>
        {
            var s = await RawClient.ConnectAsync(fixture.Port);
            _ = s.SendAsync(Encoding.ASCII.GetBytes(pipeline)); // completes only as far as the kernels buffer it
            return s;
        });
        LoopDriver.RunUntil(fixture.Loop, () => first is not null);

        fixture.Server.Close(() => closed = true);
        first!.End("only");
        string raw = fixture.Run(() => RawClient.ReadToCloseAsync(socket));
        Assert.Single(Responses(raw));
        Assert.Contains("Connection: close\r\n", raw);
        Assert.EndsWith("only", raw);

        // The server reads on (discarding) until the client's FIN, then closes; no keep-alive timeout is needed.
        socket.Shutdown(SocketShutdown.Send);
        LoopDriver.RunUntil(fixture.Loop, () => closed);
        socket.Dispose();
    }

    [Fact]
    public void A_client_that_keeps_its_socket_open_after_connection_close_is_let_go_after_a_short_linger()
    {
        // No keep-alive timeout: only the linger bound can close a connection whose client never closes.
        using var fixture = ServerFixture.Start((req, res) => res.End("bye"), new HttpServerOptions { KeepAliveTimeout = 0 });
        using var socket = Send(fixture, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        string raw = fixture.Run(() => RawClient.ReadToCloseAsync(socket)); // our FIN: the response is whole
        Assert.EndsWith("bye", raw);
        Assert.Equal(1, fixture.Server.ConnectionCount); // half-closed, waiting for the client's FIN

        LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.ConnectionCount == 0);
    }
}

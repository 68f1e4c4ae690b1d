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
    public void Requests_the_server_had_not_read_at_the_close_are_all_answered_the_last_with_close()
    {
        // One request at a time: at the close, most of the client's pipeline is unread (held, then in the kernel).
        const int count = 2_000;
        var options = new HttpServerOptions { MaxPipelinedRequests = 1, KeepAliveTimeout = 0 };
        ServerResponse? first = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (first is null)
                first = res;
            else
                res.End(req.Url);
        }, options);
        bool closed = false;
        string pipeline = string.Concat(Enumerable.Range(0, count).Select(i => Get($"/{i}")));
        using Socket socket = fixture.Run(async () =>
        {
            var s = await RawClient.ConnectAsync(fixture.Port);
            _ = s.SendAsync(Encoding.ASCII.GetBytes(pipeline)); // completes only as far as the kernels buffer it
            return s;
        });
        LoopDriver.RunUntil(fixture.Loop, () => first is not null);

        fixture.Server.Close(() => closed = true);
        first!.End("first");
        string raw = fixture.Run(() => RawClient.ReadToCloseAsync(socket));
        string[] responses = Responses(raw);
        Assert.Equal(count, responses.Length);
        Assert.EndsWith("first", responses[0]);
        Assert.EndsWith($"/{count - 1}", responses[^1]);
        Assert.Equal(1, RawClient.Count(raw, "Connection: close\r\n"));
        Assert.Contains("Connection: close\r\n", responses[^1]);
        LoopDriver.RunUntil(fixture.Loop, () => closed);
    }

    [Fact]
    public void Close_with_more_pipelined_requests_than_the_pipeline_limit_answers_them_all_the_last_with_close()
    {
        // Default options: 128 requests are parsed and wait for their handlers; the other 2 are held unparsed.
        const int count = 130;
        var pending = new List<ServerResponse>();
        bool closing = false;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (closing)
                res.End(req.Url);
            else
                pending.Add(res);
        });
        bool closed = false;
        using var socket = Send(fixture, string.Concat(Enumerable.Range(0, count).Select(i => Get($"/{i}"))));
        LoopDriver.RunUntil(fixture.Loop, () => pending.Count == 128);

        closing = true;
        fixture.Server.Close(() => closed = true);
        foreach (ServerResponse res in pending)
            res.End(res.Request.Url);
        string raw = fixture.Run(() => RawClient.ReadToCloseAsync(socket));
        string[] responses = Responses(raw);
        Assert.Equal(count, responses.Length);
        for (int i = 0; i < count; i++)
            Assert.EndsWith($"/{i}", responses[i]);
        Assert.Equal(1, RawClient.Count(raw, "Connection: close\r\n"));
        Assert.Contains("Connection: close\r\n", responses[^1]);
        LoopDriver.RunUntil(fixture.Loop, () => closed);
    }

    [Fact]
    public void Requests_pipelined_behind_a_large_download_during_the_close_are_answered()
    {
        // The download backs the socket up, so the server stops reading: the requests behind it wait in the kernel.
        byte[] large = new byte[8 * 1024 * 1024];
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/large")
                res.End(large);
            else
                res.End(req.Url);
        });
        NetSocket? serverSide = null;
        fixture.Server.Connection += s => serverSide = s;
        bool closed = false;
        using var socket = fixture.Run(() => RawClient.ConnectAsync(fixture.Port, receiveBuffer: 64 * 1024));
        fixture.Run(() => socket.SendAsync(Encoding.ASCII.GetBytes(Get("/large"))));
        LoopDriver.RunUntil(fixture.Loop, () => serverSide is { WritableLength: > 0 });

        fixture.Server.Close(() => closed = true);
        string raw = fixture.Run(async () =>
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(Get("/a") + Get("/b")));
            return await RawClient.ReadToCloseAsync(socket);
        });
        string[] responses = Responses(raw);
        Assert.Equal(3, responses.Length);
        Assert.EndsWith("/a", responses[1]);
        Assert.EndsWith("/b", responses[2]);
        Assert.Contains("Connection: close\r\n", responses[2]);
        LoopDriver.RunUntil(fixture.Loop, () => closed);
    }

    [Fact]
    public void A_connection_whose_last_response_began_as_keep_alive_before_the_close_ends_once_idle()
    {
        // No keep-alive timeout: only the stop itself can end the connection.
        ServerResponse? pending = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.Write("begun "); // the head goes out as keep-alive: the close comes later
            pending = res;
        }, new HttpServerOptions { KeepAliveTimeout = 0 });
        bool closed = false;
        using var socket = Send(fixture, Get("/"));
        LoopDriver.RunUntil(fixture.Loop, () => pending is not null);

        fixture.Server.Close(() => closed = true);
        pending!.End("ended");
        string raw = fixture.Run(() => RawClient.ReadToCloseAsync(socket));
        Assert.Single(Responses(raw));
        Assert.EndsWith("0\r\n\r\n", raw);
        LoopDriver.RunUntil(fixture.Loop, () => closed);
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

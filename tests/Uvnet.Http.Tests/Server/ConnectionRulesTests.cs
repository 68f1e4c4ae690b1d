using System.Text;
using Uvnet.Http.Server;

namespace Uvnet.Http.Tests.Server;

/// <summary>Keep-alive, Connection: close, Expect, Upgrade and Host, as RFC 9112 and Node's http server have them.</summary>
public class ConnectionRulesTests
{
    private static void Ok(IncomingMessage req, ServerResponse res) => res.End("ok");

    [Fact]
    public void Http10_without_keep_alive_closes_after_the_response()
    {
        using var fixture = ServerFixture.Start(Ok);
        string raw = fixture.Exchange("GET / HTTP/1.0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw);
        Assert.Contains("Connection: close\r\n", raw);
        Assert.EndsWith("ok", raw);
    }

    [Fact]
    public void Http10_with_keep_alive_stays_open_for_the_next_request()
    {
        using var fixture = ServerFixture.Start(Ok);
        string raw = fixture.Exchange("GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.0\r\n\r\n");
        Assert.Equal(2, RawClient.Count(raw, "HTTP/1.1 200 OK"));
        Assert.Contains("Connection: keep-alive\r\n", raw);
        Assert.EndsWith("Connection: close\r\n\r\nok", raw[raw.LastIndexOf("Content-Length", StringComparison.Ordinal)..][19..]);
    }

    [Fact]
    public void Connection_close_from_the_client_ends_after_that_response_and_ignores_what_follows()
    {
        int requests = 0;
        using var fixture = ServerFixture.Start((req, res) => { requests++; res.End("ok"); });
        string raw = fixture.Exchange("GET /1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(1, requests);
        Assert.Equal(1, RawClient.Count(raw, "HTTP/1.1 200 OK"));
        Assert.Contains("Connection: close\r\n", raw);
    }

    [Fact]
    public void Connection_close_from_the_handler_ends_the_connection_after_everything_before_it()
    {
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/2")
                res.SetHeader("Connection", "close");
            res.End(req.Url);
        });
        string raw = fixture.Exchange("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(2, RawClient.Count(raw, "HTTP/1.1 200 OK"));
        Assert.EndsWith("/2", raw);
    }

    [Fact]
    public void Max_requests_per_socket_closes_after_that_many()
    {
        using var fixture = ServerFixture.Start(Ok, new HttpServerOptions { MaxRequestsPerSocket = 2 });
        string raw = fixture.Exchange("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(2, RawClient.Count(raw, "HTTP/1.1 200 OK"));
        Assert.EndsWith("Connection: close\r\n\r\nok", raw);
    }

    [Fact]
    public void Expect_100_continue_is_answered_before_the_body_is_sent()
    {
        using var fixture = ServerFixture.Start(async (req, res) => res.End($"got {(await req.ReadBodyAsync()).Length}"));
        string raw = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
            string interim = await RawClient.ReadUntilAsync(socket, t => t.EndsWith("\r\n\r\n"));
            Assert.Equal("HTTP/1.1 100 Continue\r\n\r\n", interim);
            await socket.SendAsync("hello"u8.ToArray());
            return await RawClient.ReadUntilAsync(socket, t => t.EndsWith("got 5"));
        });
        Assert.StartsWith("HTTP/1.1 200 OK", raw);
    }

    [Fact]
    public void Check_continue_handler_decides_instead_of_the_automatic_answer()
    {
        using var fixture = ServerFixture.Start(Ok);
        fixture.Server.CheckContinue += (req, res) =>
        {
            res.StatusCode = 413;
            res.SetHeader("Connection", "close");
            res.End("too big");
        };
        string raw = fixture.Exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 999999\r\nExpect: 100-continue\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 413 Content Too Large\r\n", raw);
        Assert.DoesNotContain("100 Continue", raw);
    }

    [Fact]
    public void Other_expectations_get_417()
    {
        int handled = 0;
        using var fixture = ServerFixture.Start((req, res) => { handled++; res.End(); });
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 417 Expectation Failed\r\n", raw);
        Assert.Equal(0, handled);
    }

    [Fact]
    public void Missing_host_on_http11_gets_400_and_a_close()
    {
        int handled = 0;
        using var fixture = ServerFixture.Start((req, res) => { handled++; res.End(); });
        string raw = fixture.Exchange("GET / HTTP/1.1\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", raw);
        Assert.Contains("Connection: close\r\n", raw);
        Assert.Equal(0, handled);
    }

    [Fact]
    public void Upgrade_hands_the_socket_and_the_bytes_read_past_the_head_to_the_handler()
    {
        string? upgradedTo = null;
        byte[]? head = null;
        using var fixture = ServerFixture.Start(Ok);
        fixture.Server.Upgrade += (req, socket, rest) =>
        {
            upgradedTo = req.Headers["upgrade"];
            head = rest;
            socket.Write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n");
            socket.Write(rest);
            socket.Data += (s, data) => s.Write(data.ToArray());
        };
        string raw = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes("GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nearly"));
            string first = await RawClient.ReadUntilAsync(socket, t => t.EndsWith("early"));
            await socket.SendAsync("late"u8.ToArray());
            return first + await RawClient.ReadUntilAsync(socket, t => t.EndsWith("late"));
        });
        Assert.StartsWith("HTTP/1.1 101 Switching Protocols\r\n", raw);
        Assert.Equal("echo", upgradedTo);
        Assert.Equal("early"u8.ToArray(), head);
        Assert.EndsWith("earlylate", raw);
    }

    [Theory]
    [InlineData("CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n")]
    [InlineData("GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")]
    public void A_response_given_before_a_pipelined_upgrade_reaches_the_client_before_the_new_protocol(string upgrade)
    {
        using var fixture = ServerFixture.Start((req, res) => res.End("first"));
        fixture.Server.Connect += (_, socket, _) => socket.End("TUNNEL"u8.ToArray());
        fixture.Server.Upgrade += (_, socket, _) => socket.End("TUNNEL"u8.ToArray());
        string raw = fixture.Exchange("GET /a HTTP/1.1\r\nHost: x\r\n\r\n" + upgrade);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw);
        Assert.EndsWith("\r\n\r\nfirstTUNNEL", raw);
    }

    [Fact]
    public void Upgrade_request_without_an_upgrade_handler_is_served_as_a_normal_request()
    {
        using var fixture = ServerFixture.Start(Ok);
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, close\r\nUpgrade: h2c\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw);
    }

    [Fact]
    public void Declined_upgrade_keeps_the_connection_for_the_next_request_and_closes_on_the_client_fin()
    {
        using var fixture = ServerFixture.Start((req, res) => res.End(req.Url));
        string raw = fixture.Exchange("GET /up HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
            + "GET /next HTTP/1.1\r\nHost: x\r\n\r\n", endAfterSending: true);
        Assert.Equal(2, RawClient.Count(raw, "HTTP/1.1 200 OK"));
        Assert.EndsWith("/next", raw);
        LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.ConnectionCount == 0);
    }

    [Fact]
    public void A_client_that_ends_right_after_its_request_still_gets_the_response()
    {
        using var fixture = ServerFixture.Start(Ok);
        string raw = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
            socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            return await RawClient.ReadToCloseAsync(socket);
        });
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw);
        Assert.EndsWith("ok", raw);
    }
}

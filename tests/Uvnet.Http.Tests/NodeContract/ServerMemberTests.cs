using System.Text;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.NodeContract;

/// <summary>Node's http.Server members: checkExpectation, setTimeout and the timeout event, ref/unref, maxHeadersCount.</summary>
public class ServerMemberTests
{
    // test-http-expect-handling.js: without a handler 417; with checkExpectation, the handler answers and the
    // request event is never raised.
    [Fact]
    public void An_expectation_other_than_100_continue_goes_to_CheckExpectation()
    {
        int requests = 0, expectations = 0;
        using var fixture = ServerFixture.Start((req, res) => { requests++; res.End(); });
        const string request = "GET / HTTP/1.1\r\nHost: x\r\nExpect: meoww\r\nConnection: close\r\n\r\n";
        Assert.StartsWith("HTTP/1.1 417 Expectation Failed\r\n", fixture.Exchange(request));
        fixture.Server.CheckExpectation += (req, res) =>
        {
            expectations++;
            Assert.Equal("meoww", req.Headers["expect"]);
            res.StatusCode = 417;
            res.End("from the handler");
        };
        string raw = fixture.Exchange(request);
        Assert.StartsWith("HTTP/1.1 417 Expectation Failed\r\n", raw);
        Assert.EndsWith("from the handler", raw);
        Assert.Equal(1, expectations);
        Assert.Equal(0, requests);
    }

    [Fact]
    public void A_throwing_CheckExpectation_handler_gets_500_and_is_reported()
    {
        using var fixture = ServerFixture.Start((req, res) => res.End());
        Exception? reported = null;
        fixture.Server.HandlerError += (e, _) => reported = e;
        fixture.Server.CheckExpectation += (_, _) => throw new InvalidOperationException("boom");
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\nExpect: meoww\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 500 ", raw);
        Assert.Equal("boom", reported!.Message);
    }

    // test-http-set-timeout-server.js, serverTimeout: setTimeout returns the server, and its callback gets the idle
    // socket, which is left to it.
    [Fact]
    public void SetTimeout_raises_Timeout_for_an_idle_connection_and_leaves_the_socket_to_the_handler()
    {
        using var fixture = ServerFixture.Start((req, res) => { }); // never answers
        int timeouts = 0;
        Net.Socket? timedOut = null;
        HttpServer returned = fixture.Server.SetTimeout(50, socket =>
        {
            timeouts++;
            timedOut = socket;
        });
        Assert.Same(fixture.Server, returned);
        Assert.Equal(50, fixture.Server.SocketTimeout);
        using var client = fixture.Run(async () =>
        {
            var s = await RawClient.ConnectAsync(fixture.Port);
            await s.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
            return s;
        });
        LoopDriver.RunUntil(fixture.Loop, () => timeouts > 0);
        Assert.False(timedOut!.Destroyed); // a handler exists: the socket is its to close
        timedOut.Destroy();
        string rest = fixture.Run(() => RawClient.ReadToCloseAsync(client));
        Assert.Equal("", rest);
    }

    // Node's socketOnTimeout: nobody listening for the timeout, the socket is destroyed.
    [Fact]
    public void Without_a_Timeout_handler_an_idle_connection_is_destroyed()
    {
        using var fixture = ServerFixture.Start((req, res) => { }); // never answers
        fixture.Server.SetTimeout(50);
        string raw = fixture.Run(async () =>
        {
            using var s = await RawClient.ConnectAsync(fixture.Port);
            await s.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
            return await RawClient.ReadToCloseAsync(s);
        });
        Assert.Equal("", raw);
    }

    // test-http-set-timeout-server.js, serverRequestTimeout: req.setTimeout while its body still arrives.
    [Fact]
    public void Request_SetTimeout_raises_the_requests_Timeout_while_it_still_arrives()
    {
        int timeouts = 0;
        IncomingMessage? returned = null, request = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            request = req;
            returned = req.SetTimeout(50, r =>
            {
                timeouts++;
                r.Socket.Destroy();
            });
        });
        string raw = fixture.Exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nHello");
        LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.ConnectionCount == 0);
        Assert.Equal("", raw);
        Assert.Equal(1, timeouts);
        Assert.Same(request, returned);
    }

    // test-http-set-timeout-server.js, serverResponseTimeout: res.setTimeout while the response is unanswered.
    [Fact]
    public void Response_SetTimeout_raises_the_responses_Timeout_while_it_is_unanswered()
    {
        int timeouts = 0;
        ServerResponse? returned = null, response = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            response = res;
            returned = res.SetTimeout(50, r =>
            {
                timeouts++;
                r.Socket.Destroy();
            });
        });
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.ConnectionCount == 0);
        Assert.Equal("", raw);
        Assert.Equal(1, timeouts);
        Assert.Same(response, returned);
    }

    // A response's Timeout handler takes the timeout, as Node's: the socket is not destroyed, and it may still answer.
    [Fact]
    public void A_responses_Timeout_handler_keeps_the_socket_and_may_still_answer()
    {
        using var fixture = ServerFixture.Start((req, res) => res.SetTimeout(50, r => r.End("late")));
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw);
        Assert.EndsWith("\r\n\r\nlate", raw);
    }

    [Fact]
    public void Response_SetTimeout_refuses_a_negative_time_and_changes_nothing()
    {
        Exception? refused = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            refused = Record.Exception(() => res.SetTimeout(-1, _ => res.End("timed out")));
            res.End("ok");
        });
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.IsType<ArgumentOutOfRangeException>(refused);
        Assert.EndsWith("\r\n\r\nok", raw);
    }

    // test-http-set-timeout-server.js, serverRequestNotTimeoutAfterEnd: a request that has arrived whole gets no
    // timeout; the server's handler does.
    [Fact]
    public void A_complete_request_gets_no_Timeout_the_server_does()
    {
        int requestTimeouts = 0, serverTimeouts = 0;
        using var fixture = ServerFixture.Start((req, res) => req.SetTimeout(50, _ => requestTimeouts++));
        fixture.Server.Timeout += socket =>
        {
            serverTimeouts++;
            socket.Destroy();
        };
        string raw = fixture.Run(async () =>
        {
            using var s = await RawClient.ConnectAsync(fixture.Port);
            await s.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
            return await RawClient.ReadToCloseAsync(s);
        });
        LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.ConnectionCount == 0);
        Assert.Equal("", raw);
        Assert.Equal(0, requestTimeouts);
        Assert.Equal(1, serverTimeouts);
    }

    [Fact]
    public void SetTimeout_refuses_a_negative_time_and_changes_nothing()
    {
        using var fixture = ServerFixture.Start((req, res) => res.End());
        fixture.Server.SetTimeout(100);
        Assert.Throws<ArgumentOutOfRangeException>(() => fixture.Server.SetTimeout(-1, _ => { }));
        Assert.Equal(100, fixture.Server.SocketTimeout);
    }

    // test-net-server-unref.js, for the http server: an unref'd listening server lets the loop end.
    [Fact]
    public void Unref_lets_the_loop_end_while_the_server_listens_and_Ref_keeps_it_alive_again()
    {
        var loop = new Loop();
        var server = Http.CreateServer(loop, (req, res) => res.End());
        bool listening = false;
        server.Listen(0, "127.0.0.1", callback: () => listening = true);
        LoopDriver.RunUntil(loop, () => listening);
        Assert.Same(server, server.Unref());
        LoopDriver.RunUntil(loop, () => !loop.IsAlive); // nothing else keeps it alive: Run would return
        Assert.Same(server, server.Ref());
        Assert.True(loop.IsAlive);
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
    }

    // test-http-max-headers-count.js (server side): the first N fields, 0 for all.
    [Fact]
    public void MaxHeadersCount_truncates_the_requests_headers_as_Node()
    {
        var counts = new List<int>();
        using var fixture = ServerFixture.Start((req, res) =>
        {
            counts.Add(req.Headers.Count);
            res.End();
        });
        Assert.Equal(2000, fixture.Server.MaxHeadersCount);
        string fields = string.Concat(Enumerable.Range(0, 50).Select(i => $"key{i}: {i}\r\n"));
        string request = $"GET / HTTP/1.1\r\nHost: x\r\n{fields}Connection: close\r\n\r\n";
        fixture.Server.MaxHeadersCount = 20;
        fixture.Exchange(request);
        fixture.Server.MaxHeadersCount = 0;
        fixture.Exchange(request);
        Assert.Equal([20, 52], counts);
    }

    [Fact]
    public void MaxHeadersCount_refuses_a_negative_count_and_keeps_the_old_one()
    {
        using var fixture = ServerFixture.Start((req, res) => res.End());
        fixture.Server.MaxHeadersCount = 7;
        Assert.Throws<ArgumentOutOfRangeException>(() => fixture.Server.MaxHeadersCount = -1);
        Assert.Equal(7, fixture.Server.MaxHeadersCount);
    }

    [Fact]
    public void Truncated_headers_still_let_the_server_see_the_Host_fields_past_the_limit()
    {
        // A second Host past the limit is still a 400: truncation is what the handler sees, not what the server checks.
        int handled = 0;
        using var fixture = ServerFixture.Start((req, res) => { handled++; res.End(); });
        fixture.Server.MaxHeadersCount = 1;
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nHost: y\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400 ", raw);
        Assert.Equal(0, handled);
    }

    // test-http-set-timeout-server.js, fastTimeout and idleTimeout: a kept-alive connection idle after its response
    // times out once; the handler destroys it.
    [Fact]
    public void An_idle_kept_alive_connection_raises_Timeout_once_and_the_handler_closes_it()
    {
        int timeouts = 0;
        using var fixture = ServerFixture.Start((req, res) => res.End("ok"));
        // The idle clock runs from the accept: the timeout must outlast the client thread's request on a loaded
        // machine (30 ms did not), or the connection is destroyed before it is answered.
        fixture.Server.SetTimeout(1_000, socket =>
        {
            timeouts++;
            socket.Destroy();
        });
        string raw = fixture.Run(async () =>
        {
            using var s = await RawClient.ConnectAsync(fixture.Port);
            await s.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
            return await RawClient.ReadToCloseAsync(s);
        });
        Assert.StartsWith("HTTP/1.1 200 OK", raw);
        LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.ConnectionCount == 0);
        Assert.Equal(1, timeouts);
    }

    [Fact]
    public void A_Timeout_handler_that_throws_is_reported_and_its_socket_destroyed()
    {
        Exception? reported = null;
        using var fixture = ServerFixture.Start((req, res) => { });
        fixture.Server.HandlerError += (e, _) => reported = e;
        fixture.Server.SetTimeout(30, _ => throw new InvalidOperationException("timeout handler"));
        string raw = fixture.Run(async () =>
        {
            using var s = await RawClient.ConnectAsync(fixture.Port);
            await s.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
            return await RawClient.ReadToCloseAsync(s);
        });
        Assert.Equal("", raw);
        Assert.Equal("timeout handler", reported!.Message);
    }

    // Every test-http-* starts with server.listen(0, callback) or server.listen(0, host, callback).
    [Fact]
    public void Listen_takes_Nodes_argument_order()
    {
        var loop = new Loop();
        var first = Http.CreateServer(loop, (req, res) => res.End());
        var second = Http.CreateServer(loop, (req, res) => res.End());
        int listening = 0;
        Assert.Same(first, first.Listen(0, () => listening++));
        Assert.Same(second, second.Listen(0, "127.0.0.1", () => listening++));
        LoopDriver.RunUntil(loop, () => listening == 2);
        Assert.NotEqual(0, first.Port);
        Assert.NotEqual(0, second.Port);
        first.Close();
        second.Close();
        LoopDriver.AssertNothingLeft(loop);
    }
}

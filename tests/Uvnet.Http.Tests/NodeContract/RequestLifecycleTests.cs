using System.Text;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;
using Uvnet.Net;

namespace Uvnet.Http.Tests.NodeContract;

/// <summary>Node's IncomingMessage lifecycle: close, aborted, complete and destroy.</summary>
public class RequestLifecycleTests
{
    // test-http-req-res-close.js: a request nobody reads closes once its response has finished, complete.
    [Fact]
    public void A_requests_Close_follows_its_responses_Finish_once()
    {
        var order = new List<string>();
        bool completeAtClose = false;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.End();
            res.Finish += _ => order.Add("finish");
            req.Close += r =>
            {
                order.Add("close");
                completeAtClose = r.Complete && !r.Aborted;
            };
        });
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK", raw);
        LoopDriver.RunUntil(fixture.Loop, () => order.Contains("close"));
        Assert.Equal(["finish", "close"], order);
        Assert.True(completeAtClose);
    }

    [Fact]
    public void A_request_read_to_its_end_closes_after_End_before_its_response()
    {
        var order = new List<string>();
        using var fixture = ServerFixture.Start((req, res) =>
        {
            req.Data += (_, data) => order.Add("data:" + Encoding.ASCII.GetString(data));
            req.End += _ => order.Add("end");
            req.Close += _ => order.Add("close");
            res.Finish += _ => order.Add("finish");
            req.End += _ => res.End("ok");
        });
        string raw = fixture.Exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
        Assert.EndsWith("ok", raw);
        LoopDriver.RunUntil(fixture.Loop, () => order.Contains("finish"));
        Assert.Equal(["data:hello", "end", "close", "finish"], order);
    }

    // test-http-aborted.js: the client goes away while the response is still being written.
    [Fact]
    public void A_connection_closed_before_the_response_aborts_the_request_with_ECONNRESET_aborted()
    {
        IncomingMessage? request = null;
        bool abortedBefore = true, abortedAtError = false, abortedAtClose = false;
        Exception? error = null;
        int closes = 0;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            request = req;
            abortedBefore = req.Aborted;
            req.Error += (r, e) => { error = e; abortedAtError = r.Aborted; };
            req.Close += r => { closes++; abortedAtClose = r.Aborted; };
            res.Write("hello");
        });
        ResetOnceSeen(fixture, "hello");
        LoopDriver.RunUntil(fixture.Loop, () => closes > 0);
        Assert.False(abortedBefore);
        Assert.True(abortedAtError);
        Assert.True(abortedAtClose);
        var reset = Assert.IsType<NetException>(error);
        Assert.Equal("ECONNRESET", reset.Code);
        Assert.StartsWith("aborted", reset.Message); // NetException appends the code: "aborted (ECONNRESET)"
        Assert.Equal(1, closes);
    }

    [Fact]
    public void A_body_cut_short_leaves_the_request_incomplete_and_aborted()
    {
        bool complete = true, aborted = false;
        int closes = 0;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            req.Data += (_, _) => { };
            req.Close += r => { closes++; complete = r.Complete; aborted = r.Aborted; };
        });
        fixture.Run(async () =>
        {
            using var s = await RawClient.ConnectAsync(fixture.Port);
            await s.SendAsync(Encoding.ASCII.GetBytes("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
        });
        LoopDriver.RunUntil(fixture.Loop, () => closes > 0);
        Assert.False(complete);
        Assert.True(aborted);
        Assert.Equal(1, closes);
    }

    [Fact]
    public void Complete_is_true_once_the_whole_body_has_arrived()
    {
        bool atHead = true, atEnd = false;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            atHead = req.Complete;
            req.End += r => { atEnd = r.Complete; res.End(); };
        });
        fixture.Exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");
        Assert.False(atHead);
        Assert.True(atEnd);
    }

    // test-http-server-incomingmessage-destroy.js: req.destroy(error) destroys the socket (the client sees a hang-up)
    // and raises the error on the request, never as an uncaught exception.
    [Fact]
    public void Destroy_with_an_error_destroys_the_socket_then_raises_Error_and_Close()
    {
        var order = new List<string>();
        Exception? raised = null;
        var given = new InvalidOperationException("Destroy test");
        using var fixture = ServerFixture.Start((req, res) =>
        {
            req.Error += (_, e) => { raised = e; order.Add("error"); };
            req.Close += r => order.Add(r.Aborted ? "close aborted" : "close");
            req.Destroy(given);
            req.Destroy(); // a second call does nothing
        });
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal("", raw); // no response: the socket was destroyed
        LoopDriver.RunUntil(fixture.Loop, () => order.Count == 2);
        Assert.Equal(["error", "close aborted"], order);
        Assert.Same(given, raised);
    }

    [Fact]
    public void Destroy_without_an_error_raises_no_Error()
    {
        int errors = 0, closes = 0;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            req.Error += (_, _) => errors++;
            req.Close += _ => closes++;
            req.Destroy();
        });
        Assert.Equal("", fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        LoopDriver.RunUntil(fixture.Loop, () => closes > 0);
        Assert.Equal(0, errors);
        Assert.Equal(1, closes);
    }

    [Fact]
    public void Destroy_after_the_body_was_read_to_its_end_leaves_the_response_free_to_go()
    {
        // Node: a request already ended (readableEnded) is destroyed without its socket.
        bool aborted = true;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            req.End += r =>
            {
                r.Destroy();
                aborted = r.Aborted;
                res.End("still sent");
            };
        });
        string raw = fixture.Exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
        Assert.EndsWith("still sent", raw);
        Assert.False(aborted);
    }

    [Fact]
    public void Destroy_off_the_loop_thread_is_refused_before_it_touches_anything()
    {
        IncomingMessage? request = null;
        ServerResponse? response = null;
        using var fixture = ServerFixture.Start((req, res) => { request = req; response = res; });
        using var client = fixture.Run(async () =>
        {
            var s = await RawClient.ConnectAsync(fixture.Port);
            await s.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
            return s;
        });
        LoopDriver.RunUntil(fixture.Loop, () => request is not null);
        Exception? refused = fixture.Run(() => Task.Run(() => Record.Exception(() => request!.Destroy())));
        Assert.IsType<InvalidOperationException>(refused);
        Assert.False(request!.Socket.Destroyed);
        Assert.False(request.Aborted);
        response!.End("ok");
        string raw = fixture.Run(() => RawClient.ReadUntilAsync(client, t => t.EndsWith("ok", StringComparison.Ordinal)));
        Assert.EndsWith("ok", raw);
    }

    [Fact]
    public void Every_pipelined_request_closes_once_in_order()
    {
        var closed = new List<string>();
        using var fixture = ServerFixture.Start((req, res) =>
        {
            string url = req.Url;
            req.Close += _ => closed.Add(url);
            res.End(url);
        });
        fixture.Exchange("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        LoopDriver.RunUntil(fixture.Loop, () => closed.Count == 3);
        LoopDriver.RunFor(fixture.Loop, 50); // nothing more comes
        Assert.Equal(["/1", "/2", "/3"], closed);
    }

    [Fact]
    public void A_Close_handler_that_throws_is_reported_and_the_server_serves_on()
    {
        var reported = new List<Exception>();
        using var fixture = ServerFixture.Start((req, res) =>
        {
            req.Close += _ => throw new InvalidOperationException("close handler");
            res.End("ok");
        });
        fixture.Server.HandlerError += (e, _) => reported.Add(e);
        string first = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        string second = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.EndsWith("ok", first);
        Assert.EndsWith("ok", second);
        LoopDriver.RunUntil(fixture.Loop, () => reported.Count == 2);
        Assert.All(reported, e => Assert.Equal("close handler", e.Message));
    }

    [Fact]
    public void Destroy_inside_a_Data_handler_aborts_once_and_raises_no_more_body_events()
    {
        var events = new List<string>();
        bool complete = true;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            req.Data += (r, _) => { events.Add("data"); r.Destroy(new InvalidOperationException("enough")); };
            req.End += _ => events.Add("end");
            req.Error += (_, e) => events.Add("error:" + e.Message);
            req.Close += r => { events.Add("close"); complete = r.Complete; };
        });
        fixture.Run(async () =>
        {
            using var s = await RawClient.ConnectAsync(fixture.Port);
            // Half the body: the handler destroys the request on its first piece.
            await s.SendAsync(Encoding.ASCII.GetBytes("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabc"));
            await RawClient.ReadToCloseAsync(s);
        });
        LoopDriver.RunUntil(fixture.Loop, () => events.Contains("close"));
        LoopDriver.RunFor(fixture.Loop, 50);
        Assert.Equal(["data", "error:enough", "close"], events);
        Assert.False(complete);
    }

    [Fact]
    public void Destroy_inside_Close_and_Error_handlers_does_nothing_more()
    {
        int errors = 0, closes = 0;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            req.Error += (r, _) => { errors++; r.Destroy(); };
            req.Close += r => { closes++; r.Destroy(new InvalidOperationException("again")); };
            res.Write("partial");
        });
        ResetOnceSeen(fixture, "partial");
        LoopDriver.RunUntil(fixture.Loop, () => closes > 0 && fixture.Server.ConnectionCount == 0);
        LoopDriver.RunFor(fixture.Loop, 50);
        Assert.Equal(1, errors);
        Assert.Equal(1, closes);
    }

    /// <summary>
    /// Sends a GET and resets the connection once <paramref name="seen"/> has arrived: Node's client req.abort()
    /// destroys its socket; here a reset, since a FIN alone is a client done sending, whose response is still owed
    /// (RFC 9112 §9.6: see FinAfterRequestTests).
    /// </summary>
    private static void ResetOnceSeen(ServerFixture fixture, string seen) => fixture.Run(async () =>
    {
        using var s = await RawClient.ConnectAsync(fixture.Port);
        await s.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        await RawClient.ReadUntilAsync(s, t => t.Contains(seen, StringComparison.Ordinal));
        s.LingerState = new System.Net.Sockets.LingerOption(true, 0);
    });
}

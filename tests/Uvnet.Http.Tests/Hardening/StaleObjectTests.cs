using System.Text;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Hardening;

/// <summary>
/// Requests and responses are pooled per connection: code that still holds one after its response ended (a second
/// End, a late read, a Drain handler that throws) acts on its own request or on nothing, never on the next one.
/// </summary>
public class StaleObjectTests
{
    private static string Get(string path, bool close = false) =>
        $"GET {path} HTTP/1.1\r\nHost: x\r\n{(close ? "Connection: close\r\n" : "")}\r\n";

    [Fact]
    public void A_second_End_from_an_async_handler_does_not_answer_the_next_request()
    {
        var firstAnsweredTwice = new TaskCompletionSource();
        using var fixture = ServerFixture.Start(async (req, res) =>
        {
            if (req.Url == "/1")
            {
                res.StatusCode = 504;
                res.End("watchdog"); // a watchdog answers first...
                await Task.Yield();
                if (!res.HeadersSent)
                    res.SetHeader("X-Late", "yes");
                res.End("late"); // ...then the slow path answers again: ignored (Node), never the next request's answer
                firstAnsweredTwice.SetResult();
                return;
            }
            await firstAnsweredTwice.Task;
            res.End("two");
        });
        string raw = fixture.Exchange(Get("/1") + Get("/2", close: true));
        Assert.Equal(2, RawClient.Count(raw, "HTTP/1.1 "));
        Assert.StartsWith("HTTP/1.1 504 ", raw);
        Assert.DoesNotContain("late", raw);
        Assert.DoesNotContain("X-Late", raw);
        Assert.EndsWith("two", raw);
    }

    [Fact]
    public void A_handler_still_running_after_its_response_sees_its_own_request()
    {
        var secondDispatched = new TaskCompletionSource();
        string? urlAfter = null, hostAfter = null;
        byte[]? bodyAfter = null;
        using var fixture = ServerFixture.Start(async (req, res) =>
        {
            if (req.Url == "/1")
            {
                res.End("one");
                await secondDispatched.Task; // the next request on the connection has its handler by now
                urlAfter = req.Url;
                hostAfter = req.Headers["host"];
                bodyAfter = await req.ReadBodyAsync();
                return;
            }
            secondDispatched.SetResult();
            byte[] body = await req.ReadBodyAsync();
            res.End(Encoding.ASCII.GetString(body));
        });
        string raw = fixture.Exchange(
            "POST /1 HTTP/1.1\r\nHost: one\r\nContent-Length: 0\r\n\r\n" +
            "POST /2 HTTP/1.1\r\nHost: two\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecret");
        Assert.EndsWith("secret", raw); // the owner of the body read all of it
        LoopDriver.RunUntil(fixture.Loop, () => bodyAfter is not null);
        Assert.Equal("/1", urlAfter);
        Assert.Equal("one", hostAfter);
        Assert.Empty(bodyAfter!);
    }

    [Fact]
    public void End_outside_a_read_returns_before_the_next_request_is_dispatched()
    {
        // One request at a time: the second waits, unparsed, until the first's response has ended.
        var options = new HttpServerOptions { MaxPipelinedRequests = 1 };
        int dispatched = 0, dispatchedDuringEnd = -1;
        string? urlAfterEnd = null;
        bool writeAfterEndRefused = false;
        using var fixture = ServerFixture.Start(async (req, res) =>
        {
            dispatched++;
            if (req.Url != "/1")
            {
                res.End("two");
                return;
            }
            await Task.Yield(); // End from the loop, outside any read
            int before = dispatched;
            res.End("one");
            dispatchedDuringEnd = dispatched - before;
            urlAfterEnd = req.Url;
            res.Error += (_, _) => { };
            writeAfterEndRefused = !res.Write("more"); // raises Error, as Node's write after end
        }, options);
        string raw = fixture.Exchange(Get("/1") + Get("/2", close: true));
        Assert.Equal(0, dispatchedDuringEnd);
        Assert.Equal("/1", urlAfterEnd);
        Assert.True(writeAfterEndRefused);
        Assert.Equal(2, RawClient.Count(raw, "HTTP/1.1 200 OK"));
        Assert.DoesNotContain("more", raw);
        Assert.EndsWith("two", raw);
    }

    [Fact]
    public void A_Drain_handler_that_ends_then_throws_does_not_fail_the_next_request()
    {
        var options = new HttpServerOptions { MaxPipelinedRequests = 1 };
        byte[] large = new byte[1024 * 1024];
        Loop? loop = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/1")
            {
                if (!res.Write(large))
                {
                    res.Drain += r =>
                    {
                        r.End();
                        throw new CallbackException();
                    };
                }
                return;
            }
            loop!.Post(() => res.End("two")); // answered a moment later: a 500 in between would be the wrong one
        }, options);
        loop = fixture.Loop;
        string raw = fixture.Exchange(Get("/1") + Get("/2", close: true));
        Assert.DoesNotContain("500 Internal Server Error", raw);
        Assert.EndsWith("two", raw);
    }

    [Fact]
    public void A_request_and_response_kept_past_their_use_refuse_their_members_as_disposed()
    {
        IncomingMessage? kept = null;
        ServerResponse? keptResponse = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            kept = req;
            keptResponse = res;
            res.End("one");
        });
        string raw = fixture.Exchange(Get("/1", close: true));
        LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.ConnectionCount == 0);
        Assert.EndsWith("one", raw);
        // Recycled with its connection: a member reached through the stale reference names the misuse (it threw
        // NullReferenceException from inside the request).
        Assert.Throws<ObjectDisposedException>(() => kept!.Destroy());
        Assert.Throws<ObjectDisposedException>(() => kept!.SetTimeout(10));
        Assert.Throws<ObjectDisposedException>(() => kept!.Close += _ => { });
        Assert.Throws<ObjectDisposedException>(() => _ = kept!.Socket);
        // Its response likewise: Request returned null (the next request once reused), Socket the last connection.
        Assert.Throws<ObjectDisposedException>(() => keptResponse!.Request);
        Assert.Throws<ObjectDisposedException>(() => keptResponse!.Socket);
    }

    /// <summary>Sends /1 (answered "one"), waits for the stale call made after its recycling, then sends <paramref name="second"/>.</summary>
    private static string ExchangeAroundStaleCall(ServerFixture fixture, Task staleCalled, string second) => fixture.Run(async () =>
    {
        using var s = await RawClient.ConnectAsync(fixture.Port);
        await s.SendAsync(Encoding.ASCII.GetBytes(Get("/1")));
        string first = await RawClient.ReadUntilAsync(s, text => text.EndsWith("one"));
        await staleCalled;
        await s.SendAsync(Encoding.ASCII.GetBytes(second));
        return first + await RawClient.ReadToCloseAsync(s);
    });

    [Fact]
    public void A_response_kept_past_its_use_cannot_subscribe_a_handler_for_the_next_request()
    {
        // The pooled response is the next request's once it begins again: a handler added through the stale
        // reference in between (res.SetTimeout's callback, an event) was raised for the next request's response,
        // and a Timeout handler there took that request's timeout (in Node, the old res is left alone).
        ServerResponse? kept = null;
        Exception? staleSetTimeout = null, staleFinish = null;
        int staleTimeouts = 0, staleFinishes = 0;
        var staleCalled = new TaskCompletionSource();
        Loop? loop = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/1")
            {
                kept = res;
                res.Finish += _ => loop!.Post(() =>
                {
                    // A loop turn after Finish: the response has been recycled.
                    staleSetTimeout = Record.Exception(() => kept!.SetTimeout(0, r =>
                    {
                        staleTimeouts++;
                        r.Socket.Destroy();
                    }));
                    staleFinish = Record.Exception(() => kept!.Finish += _ => staleFinishes++);
                    staleCalled.SetResult();
                });
                res.End("one");
                return;
            }
            res.SetTimeout(50); // no handler: the timeout destroys the socket
        });
        loop = fixture.Loop;
        string raw = ExchangeAroundStaleCall(fixture, staleCalled.Task, Get("/2"));
        LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.ConnectionCount == 0);
        Assert.EndsWith("one", raw);
        Assert.Equal(1, RawClient.Count(raw, "HTTP/1.1 "));
        Assert.IsType<ObjectDisposedException>(staleSetTimeout);
        Assert.IsType<ObjectDisposedException>(staleFinish);
        Assert.Equal(0, staleTimeouts);
        Assert.Equal(0, staleFinishes);
    }

    [Fact]
    public void A_write_through_a_response_kept_past_its_use_is_refused_and_the_connection_serves_on()
    {
        // Once recycled, a write with a callback held the idle pair for its report and let it go after: the let-go
        // reached the connection with no request (NullReferenceException on the loop), the pair not even in use.
        ServerResponse? kept = null;
        Exception? staleWrite = null;
        int staleCallbacks = 0;
        var staleCalled = new TaskCompletionSource();
        Loop? loop = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/1")
            {
                kept = res;
                res.Finish += _ => loop!.Post(() =>
                {
                    // A loop turn after Finish: the response has been recycled.
                    staleWrite = Record.Exception(() => kept!.Write("late", _ => staleCallbacks++));
                    staleCalled.SetResult();
                });
                res.End("one");
                return;
            }
            res.End("two");
        });
        loop = fixture.Loop;
        string raw = ExchangeAroundStaleCall(fixture, staleCalled.Task, Get("/2", close: true));
        Assert.IsType<ObjectDisposedException>(staleWrite);
        Assert.Equal(0, staleCallbacks);
        Assert.Equal(2, RawClient.Count(raw, "HTTP/1.1 "));
        Assert.EndsWith("two", raw);
    }
}

using System.Text;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.NodeContract;

/// <summary>
/// An outside review of the request/server contracts, with raw clients: what a request's timeout, close and the
/// pooled pair must not do to the requests after it on the same connection.
/// </summary>
public class ServerReviewTests
{
    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    // Node's resOnFinish/resetSocketTimeout: req.setTimeout lasts while its response is pending; once the connection
    // has nothing left to send the keep-alive timeout replaces it, and the next request gets server.timeout (0).
    [Fact]
    public void A_requests_SetTimeout_does_not_cut_a_later_request_on_the_kept_alive_connection()
    {
        Loop? loop = null;
        int requestTimeouts = 0;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/1")
            {
                req.SetTimeout(50, _ => requestTimeouts++);
                res.End("one");
                return;
            }
            // Busy for several of the first request's timeouts before it answers (a loop timer, as a database call).
            var work = new TimerHandle(loop!);
            work.Start(t => { res.End("two"); t.Close(); }, 400);
        });
        loop = fixture.Loop;
        string second = fixture.Run(async () =>
        {
            using var s = await RawClient.ConnectAsync(fixture.Port);
            await s.SendAsync(Ascii("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"));
            await RawClient.ReadUntilAsync(s, t => t.EndsWith("one", StringComparison.Ordinal));
            await s.SendAsync(Ascii("GET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
            return await RawClient.ReadToCloseAsync(s);
        });
        Assert.StartsWith("HTTP/1.1 200 OK", second);
        Assert.EndsWith("two", second);
        Assert.Equal(0, requestTimeouts);
    }

    [Fact]
    public void A_requests_SetTimeout_still_applies_while_its_own_body_arrives()
    {
        int requestTimeouts = 0;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            req.Data += (_, _) => { };
            req.SetTimeout(50, r =>
            {
                requestTimeouts++;
                r.Destroy();
            });
        });
        string raw = fixture.Run(async () =>
        {
            using var s = await RawClient.ConnectAsync(fixture.Port);
            await s.SendAsync(Ascii("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab"));
            return await RawClient.ReadToCloseAsync(s);
        });
        Assert.Equal("", raw);
        Assert.Equal(1, requestTimeouts);
    }

    // A request whose response finished first has its body dropped as it arrives; a timeout or a parse error in that
    // body cuts it short. Its Close (raised once for every request) must still come.
    [Theory]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab")]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nZZ\r\n")]
    public void A_body_cut_after_its_response_finished_still_closes_the_request_once_aborted(string request)
    {
        int closes = 0;
        bool aborted = false;
        var options = new HttpServerOptions { RequestTimeout = 200, ConnectionsCheckingInterval = 50 };
        using var fixture = ServerFixture.Start((req, res) =>
        {
            req.Close += r =>
            {
                closes++;
                aborted = r.Aborted;
            };
            res.End("early");
        }, options);
        string raw = fixture.Run(async () =>
        {
            using var s = await RawClient.ConnectAsync(fixture.Port);
            await s.SendAsync(Ascii(request));
            return await RawClient.ReadToCloseAsync(s);
        });
        Assert.EndsWith("early", raw);
        LoopDriver.RunUntil(fixture.Loop, () => closes > 0 && fixture.Server.ConnectionCount == 0);
        Assert.Equal(1, closes);
        Assert.True(aborted);
    }

    // The response finished, then a Data handler destroys the connection while the rest of the body is in the same
    // read: the parser completes the request after the destroy, when it is neither parsed nor queued any more.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Destroyed_in_a_Data_handler_after_its_response_finished_the_request_still_closes_once(bool destroyRequest)
    {
        int closes = 0;
        bool aborted = false;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            req.Close += r =>
            {
                closes++;
                aborted = r.Aborted;
            };
            req.Data += (r, _) =>
            {
                if (destroyRequest)
                    r.Destroy();
                else
                    r.Socket.Destroy();
            };
            res.End("early");
        });
        fixture.Exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
        LoopDriver.RunUntil(fixture.Loop, () => closes > 0 && fixture.Server.ConnectionCount == 0);
        Assert.Equal(1, closes);
        Assert.True(aborted);
    }
}

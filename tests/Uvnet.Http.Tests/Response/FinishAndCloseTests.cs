using System.Text;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Response;

/// <summary>
/// Finish comes once the write carrying the response's last bytes completed (Node's 'finish', from the socket's write
/// callback), and Close follows for every response (Node's test-http-response-close.js, test-http-server-res-close*).
/// </summary>
public class FinishAndCloseTests
{
    private const string KeepAliveGet = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    private const string ClosingGet = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

    [Fact]
    public void Close_follows_Finish_for_every_response_on_a_kept_alive_connection()
    {
        var log = new List<string>();
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.Finish += r => log.Add($"finish {r.Finished} {r.Closed}");
            res.Close += r => log.Add($"close {r.Finished} {r.Closed}");
            res.End("ok");
        });
        string raw = fixture.Exchange(KeepAliveGet + ClosingGet);
        LoopDriver.RunUntil(fixture.Loop, () => log.Count == 4);
        Assert.Equal(2, RawClient.Count(raw, "HTTP/1.1 200 OK"));
        Assert.Equal(["finish True False", "close True True", "finish True False", "close True True"], log);
    }

    [Fact]
    public void Finish_comes_once_the_socket_has_taken_the_whole_response()
    {
        byte[] large = new byte[4 * 1024 * 1024];
        long? queuedAtFinish = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.Finish += r => queuedAtFinish = r.Socket.WritableLength;
            res.End(large);
        });
        long body = fixture.Run(async () =>
        {
            // A small receive buffer: the kernel cannot take 4 MiB before the client reads.
            using var socket = await RawClient.ConnectAsync(fixture.Port, receiveBuffer: 64 * 1024);
            await socket.SendAsync(Encoding.ASCII.GetBytes(ClosingGet));
            return await RawClient.CountBodyToCloseAsync(socket);
        });
        LoopDriver.RunUntil(fixture.Loop, () => queuedAtFinish is not null);
        Assert.Equal(large.Length, body);
        Assert.Equal(0, queuedAtFinish);
    }

    [Fact]
    public void Finish_is_never_raised_inside_End_and_a_handler_subscribed_after_it_still_hears_it()
    {
        bool finishedInsideEnd = true, heard = false;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            // From the loop, outside the read that dispatched the request.
            req.Socket.Loop.Post(() =>
            {
                res.End("ok");
                finishedInsideEnd = res.Finished;
                res.Finish += _ => heard = true;
            });
        });
        fixture.Exchange(ClosingGet);
        LoopDriver.RunUntil(fixture.Loop, () => heard);
        Assert.False(finishedInsideEnd);
    }

    [Fact]
    public void A_response_cut_off_by_the_connection_hears_Close_without_Finish()
    {
        var log = new List<string>();
        ServerResponse? first = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.Finish += r => log.Add($"finish {r.Request.Url}");
            res.Close += r => log.Add($"close {r.Request.Url} finished={r.Finished} closed={r.Closed}");
            if (req.Url == "/1")
            {
                first = res; // never ended: /2 waits behind it
                return;
            }
            res.End("two");
            req.Socket.Destroy();
        });
        fixture.Exchange("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
        LoopDriver.RunUntil(fixture.Loop, () => log.Count == 2);
        Assert.Equal(["close /1 finished=False closed=True", "close /2 finished=False closed=True"], log);
        Assert.False(first!.WritableFinished);
    }
}

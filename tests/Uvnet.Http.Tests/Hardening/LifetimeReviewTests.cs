using System.Text;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Hardening;

/// <summary>
/// A second look at request/response lifetimes on one keep-alive connection (a proxy's upstream): a queued response
/// that backed up on its own buffer still hears Drain, and a body the server dropped is never read as complete.
/// </summary>
public class LifetimeReviewTests
{
    private static string Get(string path) => $"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n";

    [Fact]
    public void A_queued_response_backed_up_by_its_own_buffer_gets_Drain_once_its_bytes_leave()
    {
        // The first response waits; the second writes more than the high-water mark in one call while queued, so its
        // Write returns false on its own buffer. When its turn comes the socket takes the bytes at once (the client
        // reads), and the socket itself never backs up: the Drain it was promised must still come.
        ServerResponse? first = null;
        var secondWaited = new TaskCompletionSource();
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/1")
            {
                first = res;
                return;
            }
            res.SetHeader("Connection", "close");
            if (res.Write(new byte[64 * 1024]))
            {
                res.End();
                return;
            }
            secondWaited.SetResult();
            res.Drain += r => r.End();
        });
        string raw = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes(Get("/1") + Get("/2")));
            await secondWaited.Task;
            fixture.Loop.Post(() => first!.End("one"));
            return await RawClient.ReadToCloseAsync(socket);
        }, TimeSpan.FromSeconds(10));
        Assert.EndsWith("0\r\n\r\n", raw); // the second response's last chunk: its Drain handler ended it
    }

    [Fact]
    public void ReadBodyAsync_after_the_server_dropped_the_body_fails_instead_of_returning_it_short()
    {
        // A handler answers early (202) and only later, after its response finished, asks for the body: the server
        // dumped it when the response finished (nobody was reading, as Node). The late reader must not be told that
        // the body was empty (or whatever arrived after the dump) as if that were the upload.
        var answered = new TaskCompletionSource();
        var late = new TaskCompletionSource<Task<byte[]>>();
        using var fixture = ServerFixture.Start(async (req, res) =>
        {
            res.StatusCode = 202;
            res.End("accepted");
            await answered.Task; // the response has finished and the body has been dropped meanwhile
            late.SetResult(req.ReadBodyAsync());
        });
        Task<byte[]> read = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes("POST /u HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello"));
            await RawClient.ReadUntilAsync(socket, t => t.EndsWith("accepted", StringComparison.Ordinal));
            fixture.Loop.Post(answered.SetResult);
            Task<byte[]> read = await late.Task;
            await socket.SendAsync("world"u8.ToArray());
            await Task.WhenAny(read);
            return read;
        }, TimeSpan.FromSeconds(10));
        Assert.True(read.IsFaulted, read.IsCompletedSuccessfully ? "the dropped body was read as complete" : "not completed");
    }
}

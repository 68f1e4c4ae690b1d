using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Review;

/// <summary>Outside review of the ServerResponse contracts of issue 17: each a defect found with a raw client.</summary>
public class ResponseReviewTests
{
    [Fact]
    public void A_response_ended_after_the_user_ended_the_socket_closes_without_finish()
    {
        bool finished = false, closed = false;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.Finish += _ => finished = true;
            res.Close += _ => closed = true;
            req.Socket.End();
            res.End("never sent"); // Node: a write after the socket's end fails it; 'finish' never comes
        });
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.DoesNotContain("never sent", raw);
        LoopDriver.RunUntil(fixture.Loop, () => closed);
        Assert.False(finished);
    }

    [Fact]
    public void EndAsync_after_the_user_ended_the_socket_fails()
    {
        Exception? failure = null;
        bool done = false;
        using var fixture = ServerFixture.Start(async (req, res) =>
        {
            req.Socket.End();
            try { await res.EndAsync("never sent"u8.ToArray()); }
            catch (Exception e) { failure = e; }
            done = true;
        });
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.DoesNotContain("never sent", raw);
        LoopDriver.RunUntil(fixture.Loop, () => done);
        Assert.NotNull(failure);
    }

    [Fact]
    public void A_write_callback_after_the_user_ended_the_socket_gets_an_error()
    {
        var results = new List<Uvnet.Net.NetException?>();
        using var fixture = ServerFixture.Start(async (req, res) =>
        {
            res.Write("sent");
            await Task.Yield(); // out of the read: the write leaves at once
            req.Socket.End();
            res.Write("never sent", e => results.Add(e));
            res.End();
        });
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.DoesNotContain("never sent", raw);
        LoopDriver.RunUntil(fixture.Loop, () => results.Count == 1);
        Assert.NotNull(results[0]);
    }
}

using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Response;

/// <summary>
/// <c>res.End(); req.Socket.End()</c> keeps the response, as in Node, where end() writes into the socket before
/// socket.end() queues the FIN: what the connection holds for its one write per pipelined batch leaves first.
/// </summary>
public class SocketEndTests
{
    [Fact]
    public void End_then_ending_the_socket_delivers_the_response_whole()
    {
        bool finished = false;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.Finish += _ => finished = true;
            res.End("bye");
            req.Socket.End();
        });
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw);
        Assert.EndsWith("\r\n\r\nbye", raw);
        LoopDriver.RunUntil(fixture.Loop, () => finished);
    }

    [Fact]
    public void Ending_the_socket_keeps_the_earlier_pipelined_responses_and_closes_the_later_ones()
    {
        var closedUnfinished = new List<string>();
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.Close += r => { if (!r.Finished) closedUnfinished.Add(req.Url); };
            res.End(req.Url);
            if (req.Url == "/2")
                req.Socket.End();
        });
        string raw = fixture.Exchange(
            "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(2, RawClient.Count(raw, "HTTP/1.1 200 OK"));
        Assert.EndsWith("\r\n\r\n/2", raw);
        Assert.DoesNotContain("/3", raw);
        Assert.Empty(closedUnfinished); // /3 came after the end: never parsed, never answered
    }
}

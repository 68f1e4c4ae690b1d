using Uvnet.Http.Client;

namespace Uvnet.Http.Tests.Client;

/// <summary>
/// An outside review of <see cref="AgentOptions.RecycleRequests"/> and <see cref="AgentOptions.Pipelining"/>: events and
/// calls queued for one use of a recycled pair that must not reach the next, and timeouts on a pipelined connection.
/// </summary>
public class RecyclingPipeliningReviewTests
{
    /// <summary>
    /// Destroy while the response is in progress aborts the response, which closes the request at once; the Error and
    /// Close that Destroy queued for a later turn must not run on the pair once it was recycled (they marked it closed
    /// and destroyed, so its next use refused End with ERR_STREAM_DESTROYED).
    /// </summary>
    [Theory]
    [InlineData("response")]
    [InlineData("data")]
    public void A_request_destroyed_while_its_response_is_in_progress_is_recycled_whole(string where)
    {
        using var kit = new ClientKit(new AgentOptions { RecycleRequests = true });
        int port = kit.StartCanned((s, _, _) => ClientKit.Canned(s, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello"));
        int closes = 0;
        ClientRequest first = Http.Request(kit.Loop, kit.To(port));
        first.Response += (req, res) =>
        {
            if (where == "response")
                req.Destroy();
            else
                res.Data += (_, _) => req.Destroy();
        };
        first.Close += _ => closes++;
        first.End();
        LoopDriver.RunUntil(kit.Loop, () => closes == 1 && kit.Agent.RecycledCount == 1);
        LoopDriver.RunFor(kit.Loop, 20); // the turns after the recycling, where Destroy's queued close ran
        Assert.Equal(1, closes);

        int port2 = kit.StartServer((_, res) => res.End("second"));
        ClientKit.Outcome second = kit.Exchange(kit.To(port2)); // ended by the kit: threw ERR_STREAM_DESTROYED
        Assert.Same(first, second.Request);
        Assert.Null(second.Error);
        Assert.Equal("second", second.Text);
        Assert.Equal(["socket", "response", "end", "close"], second.Events);
    }
}

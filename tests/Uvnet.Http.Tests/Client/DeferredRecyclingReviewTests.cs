using Uvnet.Http.Client;

namespace Uvnet.Http.Tests.Client;

/// <summary>
/// An outside review of the recycling deferred within the loop's iteration (<c>Loop.Defer</c>): work a request queued
/// for a later turn must not reach its pair once the pair was recycled, however soon that is.
/// </summary>
public class DeferredRecyclingReviewTests
{
    /// <summary>
    /// Destroy in the response's End handler finds the response complete, so it aborts nothing and queues the request's
    /// Close; the response's close that follows closes the request at once and defers its recycling, which runs within
    /// the iteration, before a posted call: the queued Close then ran on the recycled pair and left it closed and
    /// destroyed, so its next use refused End with ERR_STREAM_DESTROYED.
    /// </summary>
    [Fact]
    public void A_request_destroyed_in_its_responses_End_handler_is_recycled_whole()
    {
        using var kit = new ClientKit(new AgentOptions { RecycleRequests = true });
        int port = kit.StartServer((_, res) => res.End("hello"));
        int closes = 0;
        ClientRequest first = Http.Request(kit.Loop, kit.To(port));
        first.Response += (req, res) =>
        {
            res.Data += (_, _) => { };
            res.End += _ => req.Destroy();
        };
        first.Close += _ => closes++;
        first.End();
        LoopDriver.RunUntil(kit.Loop, () => closes == 1 && kit.Agent.RecycledCount == 1);
        LoopDriver.RunFor(kit.Loop, 20); // the turns after the recycling, where Destroy's queued close ran
        Assert.Equal(1, closes);

        ClientKit.Outcome second = kit.Exchange(kit.To(port));
        Assert.Same(first, second.Request);
        Assert.Null(second.Error);
        Assert.Equal("hello", second.Text);
        Assert.Equal(["socket", "response", "end", "close"], second.Events);
    }
}

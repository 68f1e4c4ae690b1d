using Uvnet.Http.Client;

namespace Uvnet.Http.Tests.Client;

/// <summary>
/// A request made, served and recycled on its loop's own thread never writes the loop's wakeup descriptor: its start
/// (once the caller subscribed) and its recycling (once every call that raised its events returned) are deferred within
/// the iteration, not posted as a thread off the loop would post. A wakeup costs a write, a poll's event and a read.
/// </summary>
public class ClientWakeupTests
{
    [Fact]
    public void Recycled_keep_alive_requests_write_no_wakeup()
    {
        using var kit = new ClientKit(new AgentOptions { RecycleRequests = true });
        int port = kit.StartServer((_, res) => res.End("hi"));
        kit.Exchange(kit.To(port)); // connects: the first exchange may wake the loop from a thread of the runtime's
        LoopDriver.RunUntil(kit.Loop, () => kit.Agent.RecycledCount == 1);
        long before = kit.Loop.WakeupWrites;

        for (int i = 0; i < 20; i++)
            Assert.Equal("hi", kit.Exchange(kit.To(port)).Text);
        LoopDriver.RunUntil(kit.Loop, () => kit.Agent.RecycledCount == 1);

        Assert.Equal(0, kit.Loop.WakeupWrites - before);
    }
}

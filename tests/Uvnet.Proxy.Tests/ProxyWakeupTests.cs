namespace Uvnet.Proxy.Tests;

/// <summary>
/// A proxied request wakes its loop through no descriptor: the work the client, the proxy and the servers leave for
/// later in the iteration (a request started once its caller subscribed, a request recycled once every call that raised
/// its events returned) stays on the loop's thread. A wakeup is a write, a poll's event and a read, the cost of a
/// whole extra send per request.
/// </summary>
[Collection(Sequential.Name)]
public class ProxyWakeupTests
{
    [Fact]
    public void Proxied_keep_alive_requests_write_no_wakeup() => AssertNoWakeup(pipelined: 1);

    [Fact]
    public void Pipelined_proxied_requests_write_no_wakeup() => AssertNoWakeup(pipelined: 8);

    private static void AssertNoWakeup(int pipelined)
    {
        using var load = new ProxiedLoad(filters: [], pipelined);
        load.Run(100); // the first requests connect and fill the pools
        long before = load.Loop.WakeupWrites;

        load.Run(1000);

        long writes = load.Loop.WakeupWrites - before;
        Assert.True(writes == 0, $"{writes / 1000.0} wakeups per request");
    }
}

using Uvnet.Proxy.Hooks;

namespace Uvnet.Proxy.Tests;

/// <summary>
/// The proxied keep-alive path allocates nothing per request once warm: client, proxy and upstream on one loop, the
/// client's and the upstream server's paths allocation-free already, so every byte counted is the proxy's.
/// </summary>
[Collection(Sequential.Name)]
public class ProxyAllocationTests
{
    /// <summary>Small GETs one after another on one kept-alive connection each side, no filter.</summary>
    [Fact]
    public void Proxied_keep_alive_requests_allocate_nothing() => AssertNoAllocationPerRequest(filters: [], pipelined: 1);

    /// <summary>The same with a filter that continues at every point: a filter call allocates nothing either.</summary>
    [Fact]
    public void Proxied_requests_through_a_continue_filter_allocate_nothing() =>
        AssertNoAllocationPerRequest(filters: [new ContinueFilter()], pipelined: 1);

    /// <summary>The client pipelines 8 GETs on one connection; the proxy answers them in order.</summary>
    [Fact]
    public void Pipelined_proxied_requests_allocate_nothing() => AssertNoAllocationPerRequest(filters: [], pipelined: 8);

    /// <summary>
    /// Keep-alive GETs on many client connections at once, one in flight on each, so many upstream connections too: a
    /// turn writes on every connection of a side, and no write's array may wait for its completion in the next turn
    /// (the shared pool keeps 32 a core and one a thread: the rest would be allocated anew every turn).
    /// </summary>
    [Fact]
    public void Proxied_requests_on_many_connections_at_once_allocate_nothing() =>
        AssertNoAllocationPerRequest(filters: [], pipelined: 1, ManyConnections.MoreThanPooled);

    private static void AssertNoAllocationPerRequest(ProxyFilter[] filters, int pipelined, int connections = 1)
    {
        using var load = new ProxiedLoad(filters, pipelined, connections);
        load.Run(Math.Max(3000, 20 * connections)); // warm up: pools, JIT tiers, buffers; 20 requests a connection at least
        int measured = Math.Max(5000, 20 * connections);
        long allocated = LoopDriver.LeastAllocated(load.Loop, () => load.Completed, measured);
        Assert.True(allocated == 0, $"{allocated / (double)measured} bytes per request");
    }

    /// <summary>A filter that lets every point go on: it overrides nothing, and each point still calls it (virtual calls, as any filter's).</summary>
    private sealed class ContinueFilter : ProxyFilter;
}

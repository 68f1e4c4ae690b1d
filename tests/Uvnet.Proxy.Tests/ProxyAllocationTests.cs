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
    /// 64 client connections at once, each with its own upstream connection: each turn holds an output array per
    /// connection and leg (a corked response, an upstream request's write and its replay copy), more than the shared
    /// pool keeps of a size, so they come from the loop thread's own stash (OutputArrays) instead of being allocated.
    /// </summary>
    [Fact]
    public void Proxied_requests_on_many_connections_at_once_allocate_nothing() =>
        AssertNoAllocationPerRequest(filters: [], pipelined: 1, connections: 64);

    private static void AssertNoAllocationPerRequest(ProxyFilter[] filters, int pipelined, int connections = 1)
    {
        using var load = new ProxiedLoad(filters, pipelined, connections);
        load.Run(3000); // warm up: pools, JIT tiers, buffers
        long allocated = LoopDriver.LeastAllocated(load.Loop, () => load.Completed, 5000);
        Assert.True(allocated == 0, $"{allocated / 5000.0} bytes per request");
    }

    /// <summary>A filter that lets every point go on: it overrides nothing, and each point still calls it (virtual calls, as any filter's).</summary>
    private sealed class ContinueFilter : ProxyFilter;
}

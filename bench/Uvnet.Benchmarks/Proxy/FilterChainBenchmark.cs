using BenchmarkDotNet.Attributes;
using Uvnet.Proxy;
using Uvnet.Proxy.Clusters;
using Uvnet.Proxy.Hooks;
using Uvnet.Proxy.Routing;

namespace Uvnet.Benchmarks.Proxy;

/// <summary>
/// What one no-op filter costs at a hook point (issue 20's target: under 20 ns): a point's run through a chain
/// holding one filter that returns Continue, against the same point's run through a chain with none.
/// </summary>
[MemoryDiagnoser]
public class FilterChainBenchmark
{
    private sealed class NoopFilter : ProxyFilter
    {
    }

    private Uvnet.Loop _loop = null!;
    private ProxyServer _proxy = null!;
    private ProxyExchange _exchange = null!;
    private FilterChain _none = null!;
    private FilterChain _one = null!;

    [GlobalSetup]
    public void Setup()
    {
        _loop = new Uvnet.Loop();
        _proxy = new ProxyServer(_loop, new ProxyOptions
        {
            Clusters = [new ProxyCluster { Name = "app", Destinations = ["127.0.0.1:9"] }],
            Routes = [new ProxyRoute { Cluster = "app" }],
        });
        // A connection's exchange as the proxy makes one; the chains below only mark its filter state.
        _exchange = new ProxyExchange(_proxy, connection: null!);
        _none = FilterChain.Empty;
        _one = new FilterChain([new NoopFilter()]);
    }

    /// <summary>The point with no filter.</summary>
    [Benchmark(Baseline = true)]
    public HookAction NoFilter() => _none.Run(_exchange, HookPoint.RouteFound, 0).Action;

    /// <summary>The point with one filter returning Continue.</summary>
    [Benchmark]
    public HookAction OneNoopFilter() => _one.Run(_exchange, HookPoint.RouteFound, 0).Action;

    [GlobalCleanup]
    public void Cleanup()
    {
        _proxy.Close();
        _loop.Run();
        _loop.Close();
    }
}

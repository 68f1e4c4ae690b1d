using Uvnet.Http;
using Uvnet.Http.Client;
using Uvnet.Http.Server;
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

    private static void AssertNoAllocationPerRequest(ProxyFilter[] filters, int pipelined)
    {
        var loop = new Loop();
        // Uvnet's server as the upstream, and the proxy, without the kit's recorders (they allocate per request). The
        // upstream sends no Date: its value changes once a second, and each pooled upstream response makes that new
        // value's string once (per second, not per request), which a window of these would count.
        HttpServer upstream = Http.Http.CreateServer(loop, static (_, res) =>
        {
            res.SendDate = false;
            res.End("Hello, World!"u8);
        });
        int listening = 0;
        upstream.Listen(0, "127.0.0.1", () => listening++);
        LoopDriver.RunUntil(loop, () => listening == 1);
        var proxy = new ProxyServer(loop, ProxyKit.Simple(filters, null, upstream.Port));
        proxy.Listen(0, "127.0.0.1", () => listening++);
        LoopDriver.RunUntil(loop, () => listening == 2);
        var client = new Agent(loop, new AgentOptions { RecycleRequests = true, Pipelining = pipelined, MaxSockets = 1 });
        var options = new RequestOptions { Host = "127.0.0.1", Port = proxy.Port, Path = "/plaintext", Agent = client, Headers = [new("Accept", "text/plain")] };
        var driver = new Driver(loop, options);
        try
        {
            for (int i = 0; i < pipelined; i++)
                driver.Next();
            LoopDriver.RunUntil(loop, () => driver.Completed >= 3000); // warm up: pools, JIT tiers, buffers
            long allocated = LoopDriver.LeastAllocated(loop, () => driver.Completed, 5000);
            Assert.True(allocated == 0, $"{allocated / 5000.0} bytes per request");
            Assert.Equal(0, driver.Failed);
            Assert.Equal(1, client.GetStats("127.0.0.1", proxy.Port).Created);
            // The proxy forwards a connection's pipelined requests one at a time, over one upstream connection kept alive.
            Assert.Equal(1, proxy.Clusters[0].Agent.GetStats("127.0.0.1", upstream.Port).Created);
        }
        finally
        {
            driver.Stop();
            LoopDriver.RunUntil(loop, () => driver.InFlight == 0);
            client.Destroy();
            proxy.Dispose();
            upstream.CloseAllConnections();
            upstream.Close();
            LoopDriver.CloseLoop(loop);
        }
    }

    /// <summary>A filter that lets every point go on: it overrides nothing, and each point still calls it (virtual calls, as any filter's).</summary>
    private sealed class ContinueFilter : ProxyFilter;

    /// <summary>One GET after another: the next is made in the previous one's Close, its body taken by Data/End.</summary>
    private sealed class Driver(Loop loop, RequestOptions options)
    {
        private static readonly Action<ClientRequest, ClientResponse> s_onResponse = static (_, res) =>
        {
            res.Data += s_onData;
            res.End += s_onEnd;
        };
        private static readonly ResponseDataHandler s_onData = static (_, _) => { };
        private static readonly Action<ClientResponse> s_onEnd = static _ => { };

        private Action<ClientRequest>? _onClose;
        private Action<ClientRequest, Exception>? _onError;
        private bool _stopped;

        internal int Completed { get; private set; }

        internal int Failed { get; private set; }

        internal int InFlight { get; private set; }

        internal void Next()
        {
            InFlight++;
            ClientRequest request = Http.Http.Request(loop, options);
            request.Response += s_onResponse;
            request.Error += _onError ??= (_, _) => Failed++;
            request.Close += _onClose ??= OnClose;
            request.End();
        }

        private void OnClose(ClientRequest request)
        {
            InFlight--;
            Completed++;
            if (!_stopped)
                Next();
        }

        internal void Stop() => _stopped = true;
    }
}

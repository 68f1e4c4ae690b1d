using Uvnet.Http.Client;
using Uvnet.Http.Server;

namespace Uvnet.Http.Tests.Client;

/// <summary>The client's keep-alive path allocates nothing per request once warm (pooled requests, responses and buffers).</summary>
[Collection(Sequential.Name)]
public class ClientAllocationTests
{
    /// <summary>
    /// GETs one after another on one kept-alive connection to Uvnet's server on the same loop, bodies taken by Data and
    /// End handlers: with <see cref="AgentOptions.RecycleRequests"/> each request reuses a recycled pair, the response's
    /// head is parsed into a head the pair owns, and no header becomes a string since nobody reads one.
    /// </summary>
    [Fact]
    public void Keep_alive_requests_allocate_nothing_on_the_loop_thread() => AssertNoAllocationPerRequest(withGet: false);

    /// <summary>Http.Get with a callback: the callback is kept by the request, not wrapped in a closure per request.</summary>
    [Fact]
    public void Keep_alive_Get_with_a_callback_allocates_nothing_on_the_loop_thread() => AssertNoAllocationPerRequest(withGet: true);

    private static void AssertNoAllocationPerRequest(bool withGet)
    {
        using var kit = new ClientKit(new AgentOptions { RecycleRequests = true });
        int port = kit.StartServer(static (_, res) => res.End("Hello, World!"u8));
        var driver = new Driver(kit.Loop, kit.To(port, "/plaintext"), withGet);
        driver.Next();
        LoopDriver.RunUntil(kit.Loop, () => driver.Completed >= 3000); // warm up: the recycled pairs, JIT tiers, buffers
        long allocated = LoopDriver.LeastAllocated(kit.Loop, () => driver.Completed, 5000);
        Assert.True(allocated == 0, $"{allocated / 5000.0} bytes per request");
        Assert.Equal(1, kit.Agent.GetStats("127.0.0.1", port).Created);
        driver.Stop();
        LoopDriver.RunUntil(kit.Loop, () => driver.Idle);
    }

    /// <summary>One GET after another: the next is made in the previous one's Close, its body taken by Data/End.</summary>
    private sealed class Driver(Loop loop, RequestOptions options, bool withGet)
    {
        private static readonly Action<ClientRequest, ClientResponse> s_onResponse = static (req, res) => s_callback!(res);
        private static readonly Action<ClientResponse> s_callback = static res =>
        {
            res.Data += s_onData;
            res.End += s_onEnd;
        };
        private static readonly ResponseDataHandler s_onData = static (res, data) => { };
        private static readonly Action<ClientResponse> s_onEnd = static res => { };
        private static readonly Action<ClientRequest> s_onClose = static req => { };

        private bool _stopped;

        internal int Completed { get; private set; }

        internal bool Idle { get; private set; }

        internal void Next()
        {
            if (withGet)
                Http.Get(loop, options, s_callback).Close += _onClose ??= OnClose;
            else
            {
                ClientRequest request = Http.Request(loop, options);
                request.Response += s_onResponse;
                request.Close += _onClose ??= OnClose;
                request.End();
            }
        }

        private Action<ClientRequest>? _onClose;

        private void OnClose(ClientRequest request)
        {
            Completed++;
            if (_stopped)
                Idle = true;
            else
                Next();
        }

        internal void Stop() => _stopped = true;
    }
}

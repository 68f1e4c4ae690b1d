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

    /// <summary>
    /// Keep-alive GETs on many connections at once, one in flight on each: the turn that reads their responses sends
    /// every connection its next request, and the array of each request's write must not wait for the write's
    /// completion in the next turn (the shared pool keeps 32 a core and one a thread: the rest would be allocated anew
    /// every turn). The server on the loop allocates nothing at this load (see the server's AllocationTests).
    /// </summary>
    [Fact]
    public void Keep_alive_requests_on_many_connections_at_once_allocate_nothing_on_the_loop_thread() =>
        AssertNoAllocationPerRequest(withGet: false, connections: ManyConnections.MoreThanPooled);

    private static void AssertNoAllocationPerRequest(bool withGet, int connections = 1)
    {
        using var kit = new ClientKit(new AgentOptions { RecycleRequests = true, MaxFreeSockets = connections });
        int port = kit.StartServer(static (_, res) => res.End("Hello, World!"u8));
        var driver = new Driver(kit.Loop, kit.To(port, "/plaintext"), withGet);
        for (int i = 0; i < connections; i++)
            driver.Next(); // made in one turn: each opens a connection of its own
        // Warm up (the recycled pairs, JIT tiers, buffers), then measure, over at least 20 requests a connection.
        LoopDriver.RunUntil(kit.Loop, () => driver.Completed >= Math.Max(3000, 20 * connections));
        int measured = Math.Max(5000, 20 * connections);
        long allocated = LoopDriver.LeastAllocated(kit.Loop, () => driver.Completed, measured);
        Assert.True(allocated == 0, $"{allocated / (double)measured} bytes per request");
        Assert.Equal(connections, kit.Agent.GetStats("127.0.0.1", port).Created);
        driver.Stop();
        LoopDriver.RunUntil(kit.Loop, () => driver.InFlight == 0);
    }

    /// <summary>
    /// One GET after another on each chain started by <see cref="Next"/>: the next is made in the previous one's Close,
    /// its body taken by Data/End.
    /// </summary>
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

        internal int InFlight { get; private set; }

        internal void Next()
        {
            InFlight++;
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
            InFlight--;
            Completed++;
            if (!_stopped)
                Next();
        }

        internal void Stop() => _stopped = true;
    }
}

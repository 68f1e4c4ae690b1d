using System.Net.Sockets;
using System.Text;

namespace Uvnet.Http.Tests.Server;

/// <summary>The plaintext path allocates nothing per request once warm (pooled requests, responses and buffers).</summary>
[Collection(Sequential.Name)]
public class AllocationTests
{
    [Fact]
    public void Keep_alive_plaintext_requests_allocate_nothing_on_the_loop_thread() =>
        AssertNoAllocationPerRequest(batch: 1);

    /// <summary>
    /// wrk's pipelined plaintext load (16 a write, Host with a port): each request is dispatched between parser
    /// steps and its pair reused once the handler let go, and none of that (a post to the loop, a closure) allocates.
    /// </summary>
    [Fact]
    public void Pipelined_plaintext_requests_allocate_nothing_on_the_loop_thread() =>
        AssertNoAllocationPerRequest(batch: 16);

    /// <summary>
    /// Keep-alive requests on many connections at once, all read in one poll: the turn answers every connection, and
    /// the output arrays of its writes must not each wait for the write's completion in the next turn (the shared pool
    /// keeps 32 a core and one a thread: the rest would be allocated anew every turn). The clients run on this thread,
    /// in lockstep with the loop, so that every turn answers every connection.
    /// </summary>
    [Fact]
    public void Keep_alive_requests_on_many_connections_at_once_allocate_nothing_on_the_loop_thread()
    {
        using var fixture = LockstepClients.StartPlaintextServer();
        using var clients = new LockstepHttp1Clients(fixture, ManyConnections.MoreThanPooled);
        clients.AssertNoAllocationPerRequest(fixture.Loop);
    }

    private static void AssertNoAllocationPerRequest(int batch)
    {
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/plaintext")
            {
                res.SetHeader("Content-Type", "text/plain");
                res.End("Hello, World!"u8);
            }
        });
        byte[] requests = Encoding.ASCII.GetBytes(string.Concat(
            Enumerable.Repeat($"GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:{fixture.Port}\r\n\r\n", batch)));

        Task Client(int count) => Task.Run(async () =>
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(System.Net.IPAddress.Loopback, fixture.Port);
            var buffer = new byte[64 * 1024];
            for (int i = 0; i < count; i += batch)
            {
                await socket.SendAsync(requests);
                // Every body ends with '!': the batch is answered once as many have come.
                int got = 0, answered = 0;
                while (answered < batch)
                {
                    int n = await socket.ReceiveAsync(buffer.AsMemory(got));
                    Assert.True(n > 0, "the server closed the connection");
                    answered += buffer.AsSpan(got, n).Count((byte)'!');
                    got += n;
                }
            }
        });

        void Drive(Task client)
        {
            while (!client.IsCompleted)
                fixture.Loop.Run(RunMode.Once);
            client.GetAwaiter().GetResult();
        }

        Drive(Client(3008)); // warm up: pools, JIT tiers, the connection's buffers
        // The least of three windows: a one-off runtime allocation (a tier-up on a busy machine) can land in one,
        // an allocation per request lands in all. Each connection's setup is spread over its requests.
        long perRequest = long.MaxValue;
        for (int window = 0; window < 3 && perRequest > 0; window++)
        {
            const int Measured = 5008; // a whole number of batches
            var measured = Client(Measured);
            long before = GC.GetAllocatedBytesForCurrentThread();
            Drive(measured);
            perRequest = Math.Min(perRequest, (GC.GetAllocatedBytesForCurrentThread() - before) / Measured);
        }
        Assert.True(perRequest == 0, $"{perRequest} bytes per request");
    }
}

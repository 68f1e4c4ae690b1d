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
        int connections = Math.Max(256, 32 * Environment.ProcessorCount + 64);
        using var fixture = ServerFixture.Start(static (_, res) =>
        {
            res.SendDate = false; // a new Date string once a second would be counted in a window
            res.SetHeader("Content-Type", "text/plain");
            res.End("Hello, World!"u8);
        });
        using var clients = new LockstepClients(fixture, connections);
        int measured = 20 * connections;
        clients.SendAll();
        LoopDriver.RunUntil(fixture.Loop, () => clients.Exchange() >= measured); // warm up: pools, JIT tiers
        long allocated = LoopDriver.LeastAllocated(fixture.Loop, clients.Exchange, measured);
        Assert.True(allocated == 0, $"{allocated / (double)measured} bytes per request");
    }

    /// <summary>
    /// Blocking sockets driven from the loop's thread between turns: each connection's next request is sent once its
    /// response has come, so the next poll finds every connection readable. Their calls allocate nothing.
    /// </summary>
    private sealed class LockstepClients : IDisposable
    {
        // Connections made before the loop accepts them: no more than its listen queue holds (511).
        private const int AcceptedAtOnce = 128;

        private static readonly byte[] s_request = "GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray();
        private readonly List<Socket> _sockets = [];
        private readonly byte[] _buffer = new byte[4096];
        private int _answered;

        internal LockstepClients(ServerFixture fixture, int count)
        {
            while (_sockets.Count < count)
            {
                for (int i = 0; i < AcceptedAtOnce && _sockets.Count < count; i++)
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    _sockets.Add(socket);
                    socket.Connect(System.Net.IPAddress.Loopback, fixture.Port); // the listen queue holds it until accepted
                }
                LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.ConnectionCount == _sockets.Count);
            }
        }

        internal void SendAll()
        {
            foreach (Socket socket in _sockets)
                socket.Send(s_request);
        }

        /// <summary>Takes the responses that came, sends each answered connection its next request, and returns the responses so far.</summary>
        internal int Exchange()
        {
            foreach (Socket socket in _sockets)
            {
                if (socket.Available == 0)
                    continue;
                // Every body ends with '!', and a response comes whole (the next request waits for it).
                int n = socket.Receive(_buffer);
                if (_buffer.AsSpan(0, n).Contains((byte)'!'))
                {
                    _answered++;
                    socket.Send(s_request);
                }
            }
            return _answered;
        }

        public void Dispose()
        {
            foreach (Socket socket in _sockets)
                socket.Dispose();
        }
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

namespace Uvnet.Tests.Streams;

/// <summary>The hot path allocates nothing: reads into the loop's buffer, pooled write requests, no per-event delegates.</summary>
[Collection(Sequential.Name)]
public class TcpAllocationTests
{
    private sealed class PingPong
    {
        private readonly byte[] _message = "PING\n"u8.ToArray();
        public int RoundTrips;

        public readonly ReadCallback Echo;
        public readonly ReadCallback Bounce;

        public PingPong()
        {
            Echo = (s, n, b) =>
            {
                if (n > 0)
                    s.Write(_message);
            };
            Bounce = (s, n, b) =>
            {
                if (n <= 0)
                    return;
                RoundTrips++;
                s.Write(_message);
            };
        }

        public void Start(StreamHandle client) => client.Write(_message);
    }

    [Fact]
    public void Steady_state_reads_and_writes_allocate_nothing()
    {
        var loop = new Loop();
        var game = new PingPong();
        var server = StreamTestKit.Listen(loop, peer => peer.ReadStart(game.Echo));
        var client = new TcpHandle(loop);
        Assert.Equal(0, client.SetNoDelay(true));
        client.Connect(server.LocalEndPoint!, (_, _) =>
        {
            client.ReadStart(game.Bounce);
            game.Start(client);
        });
        LoopDriver.RunUntil(loop, () => game.RoundTrips >= 2000); // warm up: pools, tiered JIT

        long allocated = LoopDriver.LeastAllocated(loop, () => game.RoundTrips, 5000);

        Assert.Equal(0, allocated);
        LoopDriver.CloseLoop(loop);
    }
}

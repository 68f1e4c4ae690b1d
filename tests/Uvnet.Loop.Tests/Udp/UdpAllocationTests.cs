namespace Uvnet.Tests.Udp;

/// <summary>The datagram hot path allocates nothing: pooled send requests, the loop's receive buffer, the sender's endpoint reused.</summary>
[Collection(Sequential.Name)]
public sealed class UdpAllocationTests
{
    private sealed class PingPong
    {
        private readonly byte[] _message = new byte[64];
        public int RoundTrips;
        public readonly UdpRecvCallback Echo;
        public readonly UdpRecvCallback Bounce;

        public PingPong()
        {
            Echo = (h, n, _, sender, _) =>
            {
                if (sender is not null)
                    h.Send(_message, sender);
            };
            Bounce = (h, n, _, sender, _) =>
            {
                if (sender is null)
                    return;
                RoundTrips++;
                h.Send(_message, sender);
            };
        }
    }

    [Fact]
    public void Steady_state_sends_and_receives_allocate_nothing()
    {
        var loop = new Loop();
        var game = new PingPong();
        var server = UdpTestKit.Bound(loop);
        var client = UdpTestKit.Bound(loop);
        Assert.Equal(0, server.ReceiveStart(game.Echo));
        Assert.Equal(0, client.ReceiveStart(game.Bounce));
        Assert.Equal(0, client.Send(new byte[64], server.LocalEndPoint));
        LoopDriver.RunUntil(loop, () => game.RoundTrips >= 2000); // warm up: pools, tiered JIT

        long allocated = LoopDriver.LeastAllocated(loop, () => game.RoundTrips, 5000);

        Assert.Equal(0, allocated);
        LoopDriver.CloseLoop(loop);
    }

    // A server answering many peers: each sender's endpoint is handed out again, not made anew per datagram.
    [Theory]
    [InlineData(16)]
    [InlineData(300)]
    public void A_server_echoing_many_peers_allocates_nothing(int peers)
    {
        var loop = new Loop();
        var game = new PingPong();
        var server = UdpTestKit.Bound(loop);
        Assert.Equal(0, server.ReceiveStart(game.Echo));
        for (int i = 0; i < peers; i++)
        {
            var client = UdpTestKit.Bound(loop);
            Assert.Equal(0, client.ReceiveStart(game.Bounce));
            Assert.Equal(0, client.Send(new byte[64], server.LocalEndPoint));
        }
        LoopDriver.RunUntil(loop, () => game.RoundTrips >= 4000);
        Assert.Equal(0, LoopDriver.LeastAllocated(loop, () => game.RoundTrips, 10000));
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void TrySend_allocates_nothing()
    {
        var loop = new Loop();
        var server = UdpTestKit.Bound(loop);
        var client = new UdpHandle(loop);
        var to = server.LocalEndPoint;
        byte[] data = new byte[64];
        for (int i = 0; i < 1000; i++)
            client.TrySend(data, to);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
            client.TrySend(data, to);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        LoopDriver.CloseLoop(loop);
    }
}

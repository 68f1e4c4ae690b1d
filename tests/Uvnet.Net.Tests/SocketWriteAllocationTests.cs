namespace Uvnet.Net.Tests;

/// <summary>The socket's callback write path allocates nothing per write: plain, and one held by a cork.</summary>
public class SocketWriteAllocationTests
{
    [Fact]
    public void Writes_with_a_callback_plain_or_corked_allocate_nothing_in_steady_state()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        long received = 0;
        peer.Data += (_, d) => received += d.Length;
        ReadOnlyMemory<byte> message = "PING\n"u8.ToArray();
        int written = 0;
        Action<NetException?> onWritten = _ => written++;

        void Round()
        {
            int target = written + 2;
            client.Write(message, onWritten);
            client.Cork();
            client.Write(message, onWritten);
            client.Uncork();
            while (written < target)
                loop.Run(RunMode.Once);
        }

        for (int i = 0; i < 2000; i++)
            Round(); // warm up: pools, tiered JIT
        long least = long.MaxValue;
        for (int window = 0; window < 3 && least > 0; window++) // a one-off runtime allocation can land in one window
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
                Round();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, least);
        LoopDriver.RunUntil(loop, () => received == client.BytesWritten);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }
}

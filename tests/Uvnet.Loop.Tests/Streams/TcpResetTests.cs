namespace Uvnet.Tests.Streams;

/// <summary>A peer that resets: errors as statuses, never a crash or SIGPIPE.</summary>
public class TcpResetTests
{
    [Fact]
    public void Peer_reset_during_a_large_write_fails_the_writes_with_ECONNRESET_or_EPIPE()
    {
        var loop = new Loop();
        var (client, peer) = StreamTestKit.Connected(loop);

        var statuses = new List<int>();
        for (int i = 0; i < 64; i++)
            client.Write(new byte[1024 * 1024], (_, s) => statuses.Add(s));
        // The peer reads a little, then resets the connection with most of the data in flight.
        long read = 0;
        peer.ReadStart((p, n, _) =>
        {
            read += Math.Max(0, n);
            if (read > 256 * 1024 && !p.IsClosing)
                ((TcpHandle)p).CloseReset();
        });
        LoopDriver.RunUntil(loop, () => statuses.Count == 64, seconds: 30);
        int failed = statuses.Count(s => s != 0);
        Assert.True(failed > 0);
        Assert.All(statuses.Where(s => s != 0), s => Assert.True(s == UvError.ECONNRESET || s == UvError.EPIPE, UvError.Name(s)));
        LoopDriver.CloseLoop(loop);
    }
}

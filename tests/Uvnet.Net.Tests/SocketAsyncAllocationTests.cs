namespace Uvnet.Net.Tests;

/// <summary>
/// The async side's steady state allocates nothing, as the callback paths' (tests/Uvnet.Loop.Tests/AllocationTests.cs):
/// after a warm-up (the async methods' state machines boxed at their first await, the socket's operations created),
/// round trips of awaited ReadAsync/WriteAsync on the loop thread allocate no byte.
/// </summary>
public class SocketAsyncAllocationTests
{
    private const int WarmUp = 500;
    private const int Measured = 2_000;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadAsync_and_WriteAsync_ping_pong_on_the_loop_thread_allocates_nothing(bool throughStreams)
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        var game = new PingPong(client, peer, throughStreams);
        loop.Post(game.Start); // under the loop's context, as code the loop runs
        var deadline = new TimerHandle(loop);

        long least = long.MaxValue;
        for (int i = 0; i < WarmUp; i++)
            game.RoundTrip(loop, deadline);
        for (int window = 0; window < 3 && least > 0; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Measured; i++)
                game.RoundTrip(loop, deadline);
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, least);
        Assert.Null(game.Failure);
        deadline.Close();
        game.Stop();
        LoopDriver.RunUntil(loop, () => game.Stopped);
        Assert.Null(game.Failure);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    /// <summary>One byte back and forth: the client writes and reads, the peer echoes, each an async method awaiting the socket.</summary>
    private sealed class PingPong(Socket client, Socket peer, bool throughStreams)
    {
        // GetStream's Stream, when asked: its Memory overloads are the socket's, with nothing between.
        private readonly Stream? _clientStream = throughStreams ? client.GetStream() : null;
        private readonly Stream? _peerStream = throughStreams ? peer.GetStream() : null;

        private static readonly Action<TimerHandle> s_expired = static timer => ((PingPong)timer.Data!).Failure ??= new TimeoutException("no round trip within 20 s");

        private readonly byte[] _ping = [42];
        private readonly byte[] _clientBuffer = new byte[16];
        private readonly byte[] _peerBuffer = new byte[16];
        private bool _stop;

        internal int RoundTrips { get; private set; }

        internal Exception? Failure { get; private set; }

        internal bool Stopped { get; private set; }

        internal void Start()
        {
            _ = Echo();
            _ = Ping();
        }

        internal void Stop() => _stop = true;

        /// <summary>Runs the loop until one more round trip completed (a loop timer, restarted without allocating, bounds the wait).</summary>
        internal void RoundTrip(Loop loop, TimerHandle deadline)
        {
            deadline.Data = this;
            deadline.Start(s_expired, 20_000);
            int before = RoundTrips;
            while (RoundTrips == before && Failure is null)
                loop.Run(RunMode.Once);
            deadline.Stop();
            Assert.Null(Failure);
        }

        private async Task Ping()
        {
            try
            {
                while (!_stop)
                {
                    await (_clientStream?.WriteAsync(_ping) ?? client.WriteAsync(_ping));
                    if (await (_clientStream?.ReadAsync(_clientBuffer) ?? client.ReadAsync(_clientBuffer)) != 1 || _clientBuffer[0] != 42)
                        throw new InvalidOperationException("the echo is not the ping");
                    RoundTrips++;
                }
                client.End();
                while (await client.ReadAsync(_clientBuffer) > 0)
                {
                }
                Stopped = true;
            }
            catch (Exception e)
            {
                Failure ??= e;
            }
        }

        private async Task Echo()
        {
            try
            {
                int n;
                while ((n = await (_peerStream?.ReadAsync(_peerBuffer) ?? peer.ReadAsync(_peerBuffer))) > 0)
                {
                    await (_peerStream?.WriteAsync(_peerBuffer.AsMemory(0, n)) ?? peer.WriteAsync(_peerBuffer.AsMemory(0, n)));
                }
            }
            catch (Exception e)
            {
                Failure ??= e;
            }
        }
    }
}

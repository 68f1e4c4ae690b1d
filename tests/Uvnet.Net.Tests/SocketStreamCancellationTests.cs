using System.Text;

namespace Uvnet.Net.Tests;

/// <summary>
/// SocketStream honours cancellation as Stream code expects (StreamReader, SslStream and pipelines cancel reads on
/// timeouts): a cancelled read completes cancelled, its buffer is never written after, and no byte is lost.
/// </summary>
public class SocketStreamCancellationTests
{
    [Fact]
    public void A_read_cancelled_while_it_waits_completes_cancelled_its_buffer_stays_untouched_and_the_next_read_gets_the_bytes()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        var lent = new byte[16];
        async Task<string> CancelThenRead()
        {
            using var stream = client.GetStream();
            using var cancellation = new CancellationTokenSource();
            ValueTask<int> read = stream.ReadAsync(lent, cancellation.Token);
            cancellation.Cancel();
            try
            {
                await read;
                Assert.Fail("the read was not cancelled");
            }
            catch (OperationCanceledException)
            {
            }
            peer.Write("late"u8.ToArray());
            var buffer = new byte[16];
            int n = await stream.ReadAsync(buffer);
            return Encoding.ASCII.GetString(buffer, 0, n);
        }
        Assert.Equal("late", loop.RunUntil(() => CancelThenRead().WaitAsync(TimeSpan.FromSeconds(20))));
        Assert.All(lent, b => Assert.Equal(0, b));
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void A_read_with_a_token_already_cancelled_completes_cancelled_and_takes_nothing()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        async Task<string> Read()
        {
            var stream = client.GetStream();
            loop.Post(() => peer.Write("kept"u8.ToArray()));
            var one = new byte[1];
            Assert.Equal(1, await stream.ReadAsync(one)); // "ept" is kept
            ValueTask<int> cancelled = stream.ReadAsync(new byte[16], new CancellationToken(true));
            Assert.True(cancelled.IsCanceled);
            var rest = new byte[16];
            int n = await stream.ReadAsync(rest);
            return Encoding.ASCII.GetString(one) + Encoding.ASCII.GetString(rest, 0, n);
        }
        Assert.Equal("kept", loop.RunUntil(Read));
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void A_read_from_another_thread_cancelled_there_completes_cancelled()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        var lent = new byte[16];
        Task<int> read = Task.Run(async () =>
        {
            using var cancellation = new CancellationTokenSource();
            Task<int> pending = client.GetStream().ReadAsync(lent, 0, lent.Length, cancellation.Token);
            cancellation.Cancel();
            return await pending;
        });
        Assert.ThrowsAny<OperationCanceledException>(() => loop.RunUntil(read.WaitAsync(TimeSpan.FromSeconds(20))));
        peer.Write("after"u8.ToArray());
        var buffer = new byte[16];
        int n = loop.RunUntil(() => client.ReadAsync(buffer).AsTask());
        Assert.Equal("after", Encoding.ASCII.GetString(buffer, 0, n));
        Assert.All(lent, b => Assert.Equal(0, b));
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void A_write_with_a_token_already_cancelled_completes_cancelled_and_sends_nothing()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        var got = NetTestKit.Collect(peer);
        var stream = client.GetStream();
        Task cancelled = stream.WriteAsync("never"u8.ToArray(), 0, 5, new CancellationToken(true));
        Assert.True(cancelled.IsCanceled);
        loop.RunUntil(() => stream.WriteAsync("sent"u8.ToArray()).AsTask());
        LoopDriver.RunUntil(loop, () => got.Length == 4);
        Assert.Equal("sent", got.ToString());
        Assert.Equal(4, client.BytesWritten);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }
}

namespace Uvnet.Tests.Streams;

/// <summary>
/// Queued writes and pinning on the readiness path (epoll, kqueue): the kernel copies during sendmsg/writev and
/// keeps no pointer, so a write waiting in the queue holds no GC handle, and the GC may move its arrays between
/// two flushes without the bytes changing on the wire.
/// </summary>
/// <remarks>
/// The pinned-object count is the GC's own (<see cref="GCMemoryInfo.PinnedObjectsCount"/>, what the last
/// collection found pinned): process-wide, hence the sequential collection and a margin of many queued writes.
/// </remarks>
[Collection(Sequential.Name)]
public class TcpWritePinningTests
{
    private const int ChunkSize = 64 * 1024;

    // 32 MiB: far more than a loopback connection whose peer does not read takes (a few MiB), so most stay queued.
    private const int Chunks = 512;

    [Fact]
    public void A_queued_write_of_a_plain_array_holds_no_gc_handle_and_arrives_intact()
    {
        var loop = new Loop();
        var (client, peer, connected) = ConnectingClient(loop);
        for (int i = 0; i < Chunks; i++)
            Assert.Equal(0, client.Write(Chunk(i * ChunkSize, ChunkSize))); // queued: the connect has not completed

        // The connect's flush sends until the socket is full (the peer does not read yet); the rest waits.
        LoopDriver.RunUntil(loop, () => connected() && client.BytesSent > 0);
        long queuedWrites = (Chunks * (long)ChunkSize - client.BytesSent) / ChunkSize;
        Assert.True(queuedWrites >= 100, $"only {queuedWrites} writes stayed queued");

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        long pinned = GC.GetGCMemoryInfo(GCKind.Any).PinnedObjectsCount;
        Assert.True(pinned < queuedWrites, $"{pinned} objects pinned with {queuedWrites} writes queued");

        ReadAllAndVerify(loop, peer(), Chunks * (long)ChunkSize, collectEvery: 0);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Partial_writes_across_many_iovecs_keep_their_order_while_the_gc_moves_the_queued_arrays()
    {
        var loop = new Loop();
        var (client, peer, connected) = ConnectingClient(loop);
        // Three buffers a request, of uneven sizes: a sendmsg gathers 64 of them across about 21 requests and
        // stops inside one buffer, so the next flush resumes mid-buffer and mid-request.
        int[] sizes = [40_000, 7, ChunkSize - 40_007];
        long offset = 0;
        var statuses = new List<int>();
        for (int i = 0; i < Chunks; i++)
        {
            var buffers = new ReadOnlyMemory<byte>[sizes.Length];
            for (int b = 0; b < sizes.Length; b++)
            {
                buffers[b] = Chunk(offset, sizes[b]);
                offset += sizes[b];
            }
            Assert.Equal(0, client.Write(new WriteRequest(), buffers, (_, s) => statuses.Add(s)));
        }
        LoopDriver.RunUntil(loop, () => connected() && client.BytesSent > 0);

        // A compacting collection every few reads moves whatever the queue still holds between two flushes.
        ReadAllAndVerify(loop, peer(), offset, collectEvery: 8);
        LoopDriver.RunUntil(loop, () => statuses.Count == Chunks);
        Assert.All(statuses, s => Assert.Equal(0, s));
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Pin_until_completion_holds_the_buffers_until_release()
    {
        // The rule a completion-based backend needs (the kernel keeps the pointer until the completion).
        var buffers = new ReadOnlyMemory<byte>[Chunks];
        for (int i = 0; i < Chunks; i++)
            buffers[i] = new byte[16];
        var request = new WriteRequest();
        request.SetBuffers(buffers);

        request.PinUntilCompletion();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        Assert.True(GC.GetGCMemoryInfo(GCKind.Any).PinnedObjectsCount >= Chunks);

        request.Release();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        Assert.True(GC.GetGCMemoryInfo(GCKind.Any).PinnedObjectsCount < Chunks);
        GC.KeepAlive(buffers);
    }

    /// <summary>A client whose connect is still in flight (writes queue behind it), the accepted peer once there, and whether the connect completed.</summary>
    private static (TcpHandle Client, Func<TcpHandle> Peer, Func<bool> Connected) ConnectingClient(Loop loop)
    {
        TcpHandle? peer = null;
        var server = StreamTestKit.Listen(loop, p => peer = p);
        var client = new TcpHandle(loop);
        bool connected = false;
        Assert.Equal(0, client.Connect(server.LocalEndPoint!, (_, s) => connected = s == 0));
        return (client, () => peer!, () => connected && peer is not null);
    }

    /// <summary>A fresh ordinary array holding the stream's bytes from <paramref name="offset"/>.</summary>
    private static byte[] Chunk(long offset, int length)
    {
        var chunk = new byte[length];
        for (int i = 0; i < length; i++)
            chunk[i] = Expected(offset + i);
        return chunk;
    }

    // Not a multiple of any buffer size: a buffer sent twice, skipped or reordered shows at once.
    private static byte Expected(long position) => (byte)(position % 251);

    private static void ReadAllAndVerify(Loop loop, TcpHandle peer, long total, int collectEvery)
    {
        long received = 0;
        long reads = 0;
        long mismatchAt = -1;
        Assert.Equal(0, peer.ReadStart((_, n, buffer) =>
        {
            if (n <= 0)
                return;
            foreach (byte b in buffer.Span[..n])
            {
                if (mismatchAt < 0 && b != Expected(received))
                    mismatchAt = received;
                received++;
            }
            if (collectEvery > 0 && ++reads % collectEvery == 0)
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        }));
        LoopDriver.RunUntil(loop, () => received >= total || mismatchAt >= 0);
        Assert.Equal(-1, mismatchAt);
        Assert.Equal(total, received);
    }
}

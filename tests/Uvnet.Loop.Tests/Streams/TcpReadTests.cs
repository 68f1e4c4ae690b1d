namespace Uvnet.Tests.Streams;

/// <summary>After libuv's tcp_read_stop, tcp_alloc_cb_fail, shutdown_eof and tcp_write_to_half_open_connection.</summary>
public class TcpReadTests
{
    [Fact]
    public void Read_stop_stops_read_callbacks_and_read_start_resumes_them()
    {
        var loop = new Loop();
        var (client, peer) = StreamTestKit.Connected(loop);
        int reads = 0;
        long bytes = 0;
        client.ReadStart((s, n, _) =>
        {
            if (n <= 0) return;
            reads++;
            bytes += n;
            s.ReadStop();
        });
        peer.Write(new byte[10]);
        LoopDriver.RunUntil(loop, () => reads == 1);
        peer.Write(new byte[10]);
        // Let the loop turn while stopped: a timer bounds it, and the data must stay unread.
        var idle = new TimerHandle(loop);
        bool waited = false;
        idle.Start(_ => waited = true, 50);
        LoopDriver.RunUntil(loop, () => waited);
        Assert.Equal(1, reads);
        Assert.False(client.IsReading);
        client.ReadStart((_, n, _) => { if (n > 0) bytes += n; });
        LoopDriver.RunUntil(loop, () => bytes == 20);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public unsafe void The_default_read_buffer_starts_on_a_cache_line()
    {
        // The kernel's copy into a read's destination costs more off a cache line (see Loop.SharedReadBuffer).
        var loop = new Loop();
        var (client, peer) = StreamTestKit.Connected(loop);
        nint address = -1;
        Assert.Equal(0, peer.ReadStart((_, n, buffer) =>
        {
            if (n > 0)
            {
                fixed (byte* p = buffer.Span)
                    address = (nint)p;
            }
        }));
        Assert.Equal(0, client.Write("x"u8.ToArray()));
        LoopDriver.RunUntil(loop, () => address != -1);
        Assert.Equal(0, address % 64);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Empty_buffer_from_alloc_reports_ENOBUFS()
    {
        var loop = new Loop();
        var (client, peer) = StreamTestKit.Connected(loop);
        int status = 0;
        client.ReadStart((_, _) => Memory<byte>.Empty, (s, n, _) =>
        {
            status = n;
            s.ReadStop();
        });
        peer.Write(new byte[1]);
        LoopDriver.RunUntil(loop, () => status != 0);
        Assert.Equal(UvError.ENOBUFS, status);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void User_alloc_buffer_receives_the_bytes()
    {
        var loop = new Loop();
        var (client, peer) = StreamTestKit.Connected(loop);
        var mine = new byte[3];
        var got = new List<byte>();
        client.ReadStart((_, size) =>
        {
            Assert.Equal(StreamHandle.SuggestedReadSize, size);
            return mine;
        }, (_, n, buffer) =>
        {
            if (n <= 0) return;
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray<byte>(buffer, out var segment));
            Assert.Same(mine, segment.Array);
            got.AddRange(buffer.Span[..n].ToArray());
        });
        peer.Write("abcdefg"u8.ToArray());
        LoopDriver.RunUntil(loop, () => got.Count == 7);
        Assert.Equal("abcdefg"u8.ToArray(), got.ToArray());
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Peer_shutdown_gives_EOF_and_the_stream_can_still_write()
    {
        var loop = new Loop();
        var (client, peer) = StreamTestKit.Connected(loop);
        int last = 1;
        var atPeer = new List<byte>();
        peer.ReadStart(StreamTestKit.Collect(atPeer));
        client.ReadStart((_, n, _) => last = n);
        peer.Shutdown();
        LoopDriver.RunUntil(loop, () => last == UvError.EOF);
        Assert.False(client.IsReadable);
        Assert.False(client.IsReading);
        Assert.True(client.IsWritable);
        int written = 1;
        Assert.Equal(0, client.Write("still here"u8.ToArray(), (_, s) => written = s));
        LoopDriver.RunUntil(loop, () => atPeer.Count == 10 && written == 0);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Close_reset_gives_the_peer_ECONNRESET()
    {
        var loop = new Loop();
        var (client, peer) = StreamTestKit.Connected(loop);
        int status = 0;
        peer.ReadStart((_, n, _) => { if (n < 0) status = n; });
        client.CloseReset();
        LoopDriver.RunUntil(loop, () => status != 0);
        Assert.Equal(UvError.ECONNRESET, status);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Read_start_on_an_unconnected_stream_is_ENOTCONN()
    {
        var loop = new Loop();
        var tcp = new TcpHandle(loop);
        Assert.Equal(UvError.ENOTCONN, tcp.ReadStart((_, _, _) => { }));
        LoopDriver.CloseLoop(loop);
    }
}

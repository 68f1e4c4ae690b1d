namespace Uvnet.Tests.Streams;

/// <summary>
/// A request passed again while still in flight is refused before anything changes: the operation it carries goes
/// on untouched (its bytes, its file, its stream's state), and the refused call starts nothing.
/// </summary>
public class RequestReuseTests
{
    // Far more than a loopback socket's buffers take at once: the write stays queued while the peer does not read.
    private const int QueuedWriteSize = 8 * 1024 * 1024;

    [Fact]
    public void Reusing_an_in_flight_write_request_leaves_the_queued_write_byte_exact()
    {
        var loop = new Loop();
        var (client, peer) = StreamTestKit.Connected(loop);
        byte[] queued = Pattern(QueuedWriteSize, seed: 1);
        var request = new WriteRequest();
        var statuses = new List<int>();
        Assert.Equal(0, client.Write(request, [queued], (_, s) => statuses.Add(s)));

        ReadOnlyMemory<byte> bigger = new byte[2 * QueuedWriteSize];
        Assert.Throws<InvalidOperationException>(() => client.Write(request, [bigger], (_, s) => statuses.Add(s)));
        Assert.Equal(QueuedWriteSize, client.WriteQueueSize);

        byte[] received = ReadToEnd(loop, client, peer);
        Assert.Equal([0], statuses);
        Assert.Equal(0, client.WriteQueueSize);
        Assert.Equal(queued.Length, received.Length);
        Assert.True(queued.AsSpan().SequenceEqual(received));
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Reusing_an_in_flight_write_request_for_a_file_leaves_the_write_and_keeps_no_file_reference()
    {
        if (!OperatingSystem.IsLinux())
            return; // sendfile is Linux-only
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, new byte[1000]);
            var loop = new Loop();
            var (client, peer) = StreamTestKit.Connected(loop);
            byte[] queued = Pattern(QueuedWriteSize, seed: 2);
            var request = new WriteRequest();
            int status = 1;
            Assert.Equal(0, client.Write(request, [queued], (_, s) => status = s));

            var file = File.OpenHandle(path);
            int fileFd = (int)file.DangerousGetHandle();
            Assert.Throws<InvalidOperationException>(() => client.SendFile(request, file, 0, 1000, null));
            Assert.Equal(QueuedWriteSize, client.WriteQueueSize);
            // With no reference left, disposing the handle closes its descriptor at once.
            file.Dispose();
            Assert.NotEqual(Path.GetFullPath(path), new FileInfo($"/proc/self/fd/{fileFd}").LinkTarget);

            byte[] received = ReadToEnd(loop, client, peer);
            Assert.Equal(0, status);
            Assert.True(queued.AsSpan().SequenceEqual(received));
            LoopDriver.CloseLoop(loop);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Reusing_an_in_flight_shutdown_request_leaves_the_other_stream_writable_and_its_own_shutdown_sends_FIN()
    {
        var loop = new Loop();
        var (first, _) = StreamTestKit.Connected(loop);
        var (second, secondPeer) = StreamTestKit.Connected(loop);
        var request = new ShutdownRequest();
        Assert.Equal(0, first.Shutdown(request, null));

        Assert.Throws<InvalidOperationException>(() => second.Shutdown(request, null));
        Assert.True(second.IsWritable);

        bool eof = false;
        secondPeer.ReadStart((_, n, _) => eof |= n == UvError.EOF);
        int status = 1;
        Assert.Equal(0, second.Shutdown((_, s) => status = s));
        LoopDriver.RunUntil(loop, () => eof && status == 0);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Reusing_an_in_flight_connect_request_issues_no_connect()
    {
        var loop = new Loop();
        int accepted = 0;
        var server = StreamTestKit.Listen(loop, _ => accepted++);
        var first = new TcpHandle(loop);
        var request = new ConnectRequest();
        int status = 1;
        Assert.Equal(0, first.Connect(request, server.LocalEndPoint!, (_, s) => status = s));

        var second = new TcpHandle(loop);
        Assert.Throws<InvalidOperationException>(() => second.Connect(request, server.LocalEndPoint!, null));
        Assert.Equal(-1, second.FileDescriptor); // no socket: no connect(2)

        LoopDriver.RunUntil(loop, () => status == 0 && accepted == 1);
        Assert.Equal(-1, second.FileDescriptor);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Connect_on_a_shut_down_stream_is_EISCONN_and_leaves_it_shut()
    {
        var loop = new Loop();
        var (client, _) = StreamTestKit.Connected(loop);
        int shutdown = 1;
        Assert.Equal(0, client.Shutdown((_, s) => shutdown = s));
        LoopDriver.RunUntil(loop, () => shutdown == 0);

        Assert.Equal(UvError.EISCONN, client.Connect(StreamTestKit.AnyLoopback, null));
        Assert.False(client.IsWritable);
        Assert.Equal(UvError.EPIPE, client.Write(new byte[1]));
        LoopDriver.CloseLoop(loop);
    }

    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Lets <paramref name="peer"/> read what <paramref name="client"/> sends until its shutdown's FIN.</summary>
    private static byte[] ReadToEnd(Loop loop, TcpHandle client, TcpHandle peer)
    {
        var read = new StreamReadLog(peer);
        Assert.Equal(0, client.Shutdown());
        LoopDriver.RunUntil(loop, () => read.End == UvError.EOF, seconds: 60);
        return read.Bytes.ToArray();
    }
}

namespace Uvnet.Tests.Streams;

/// <summary>
/// A stream closed from inside each of its callbacks: the close completes once (requests still in flight get
/// ECANCELED first), no other callback of the stream runs after it, its socket is released and the other side
/// sees the connection end.
/// </summary>
public class StreamCloseInCallbackTests
{
    [Fact]
    public void Close_inside_alloc_makes_no_read_and_runs_no_read_callback()
    {
        var loop = new Loop();
        var (client, peer) = StreamTestKit.Connected(loop);
        string socket = SocketDescriptors.Identify(peer.FileDescriptor);
        var reads = new List<int>();
        int closes = 0;
        peer.ReadStart((s, _) =>
        {
            s.Close(_ => closes++);
            return new byte[16];
        }, (_, n, _) => reads.Add(n));
        client.Write("x"u8.ToArray());
        LoopDriver.RunUntil(loop, () => closes == 1);

        Assert.Empty(reads); // no read on the closed descriptor, so no EBADF either
        AssertConnectionEnded(loop, socket, client);
        LoopDriver.CloseLoop(loop);
        Assert.Equal(1, closes);
    }

    [Fact]
    public void Close_inside_a_read_with_more_data_waiting_runs_no_further_read_callback()
    {
        var loop = new Loop();
        var (client, peer) = StreamTestKit.Connected(loop);
        string socket = SocketDescriptors.Identify(peer.FileDescriptor);
        int reads = 0;
        bool closed = false;
        // 256 KiB waiting: without the close, one wakeup reads it in several 64 KiB reads.
        client.Write(new byte[256 * 1024]);
        LoopDriver.RunUntil(loop, () => client.WriteQueueSize == 0);
        peer.ReadStart((s, _, _) =>
        {
            reads++;
            s.Close(_ => closed = true);
        });
        LoopDriver.RunUntil(loop, () => closed);

        Assert.Equal(1, reads);
        AssertConnectionEnded(loop, socket, client);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Close_inside_the_EOF_read_cancels_a_queued_shutdown_then_closes()
    {
        var loop = new Loop();
        var (client, peer) = StreamTestKit.Connected(loop);
        string socket = SocketDescriptors.Identify(peer.FileDescriptor);
        var log = new CallbackLog();
        peer.ReadStart((s, n, _) =>
        {
            log.Add($"read {UvError.Name(n)}");
            // A write the peer does not read, and a shutdown behind it, are in flight when the stream closes.
            s.Write(new byte[8 * 1024 * 1024], (_, status) => log.Add($"write {UvError.Name(status)}"));
            s.Shutdown((_, status) => log.Add($"shutdown {UvError.Name(status)}"));
            s.Close(log.Closed);
        });
        client.Shutdown();
        LoopDriver.RunUntil(loop, () => log.Events.Contains("close"));

        Assert.Equal(["read EOF", "write ECANCELED", "shutdown ECANCELED", "close"], log.Events);
        Assert.False(SocketDescriptors.IsOpen(socket));
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Close_inside_a_read_error_closes_once()
    {
        var loop = new Loop();
        var (client, peer) = StreamTestKit.Connected(loop);
        string socket = SocketDescriptors.Identify(client.FileDescriptor);
        var log = new CallbackLog();
        client.ReadStart((s, n, _) =>
        {
            log.Add($"read {UvError.Name(n)}");
            s.Close(log.Closed);
        });
        peer.CloseReset();
        LoopDriver.RunUntil(loop, () => log.Events.Contains("close"));

        Assert.Equal(["read ECONNRESET", "close"], log.Events);
        Assert.False(SocketDescriptors.IsOpen(socket));
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Close_inside_a_write_callback_cancels_the_writes_behind_it()
    {
        var loop = new Loop();
        var (client, peer) = StreamTestKit.Connected(loop);
        string socket = SocketDescriptors.Identify(client.FileDescriptor);
        var log = new CallbackLog();
        // The first completes at once; the second (the peer reads nothing) and the third wait in the queue.
        client.Write(new byte[10], (r, s) =>
        {
            log.Add($"first {UvError.Name(s)}");
            r.Stream!.Close(log.Closed);
        });
        client.Write(new byte[8 * 1024 * 1024], log.Write("second"));
        client.Write(new byte[10], log.Write("third"));
        LoopDriver.RunUntil(loop, () => log.Events.Contains("close"));

        Assert.Equal(["first OK", "second ECANCELED", "third ECANCELED", "close"], log.Events);
        AssertConnectionEnded(loop, socket, peer);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Close_inside_the_shutdown_callback_closes_once_after_the_written_data()
    {
        var loop = new Loop();
        var (client, peer) = StreamTestKit.Connected(loop);
        string socket = SocketDescriptors.Identify(client.FileDescriptor);
        var log = new CallbackLog();
        client.Write("data"u8.ToArray(), log.Write());
        client.Shutdown((r, s) =>
        {
            log.Add($"shutdown {UvError.Name(s)}");
            r.Stream!.Close(log.Closed);
        });
        var read = new StreamReadLog(peer);
        LoopDriver.RunUntil(loop, () => log.Events.Contains("close") && read.End != 0);

        Assert.Equal(["write OK", "shutdown OK", "close"], log.Events);
        Assert.Equal("data", read.Text);
        Assert.Equal(UvError.EOF, read.End);
        Assert.False(SocketDescriptors.IsOpen(socket));
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Close_inside_a_successful_connect_callback_completes_the_requests_queued_while_connecting()
    {
        var loop = new Loop();
        TcpHandle? peer = null;
        var listener = StreamTestKit.Listen(loop, p => peer = p);
        var client = new TcpHandle(loop);
        var log = new CallbackLog();
        client.Connect(listener.LocalEndPoint!, (r, s) =>
        {
            log.Add($"connect {UvError.Name(s)}");
            r.Stream!.Close(log.Closed);
        });
        string socket = SocketDescriptors.Identify(client.FileDescriptor);
        client.Write("sent"u8.ToArray(), log.Write());
        client.Shutdown(log.Shutdown());
        LoopDriver.RunUntil(loop, () => log.Events.Contains("close") && peer is not null);

        // The write left with the connect (so it succeeded); the shutdown had not started.
        Assert.Equal(["connect OK", "write OK", "shutdown ECANCELED", "close"], log.Events);
        Assert.False(SocketDescriptors.IsOpen(socket));
        var read = new StreamReadLog(peer!);
        LoopDriver.RunUntil(loop, () => read.End != 0);
        Assert.Equal("sent", read.Text);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Close_inside_a_failed_connect_callback_cancels_the_queued_write_once()
    {
        var loop = new Loop();
        var client = new TcpHandle(loop);
        var log = new CallbackLog();
        client.Connect(ClosedPorts.Next(), (r, s) =>
        {
            log.Add($"connect {UvError.Name(s)}");
            r.Stream!.Close(log.Closed);
        });
        string socket = SocketDescriptors.Identify(client.FileDescriptor);
        client.Write(new byte[10], log.Write());
        LoopDriver.RunUntil(loop, () => log.Events.Contains("close"));

        Assert.Equal(["connect ECONNREFUSED", "write ECANCELED", "close"], log.Events);
        Assert.False(SocketDescriptors.IsOpen(socket));
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Close_of_the_listener_inside_the_connection_callback_stops_accepting()
    {
        var loop = new Loop();
        int connections = 0;
        bool listenerClosed = false;
        TcpHandle? accepted = null;
        var listener = StreamTestKit.Listen(loop, (s, _) =>
        {
            connections++;
            accepted = new TcpHandle(loop);
            Assert.Equal(0, s.Accept(accepted));
            s.Close(_ => listenerClosed = true);
        });
        string socket = SocketDescriptors.Identify(listener.FileDescriptor);
        // Two clients wait in the backlog: the first callback closes the listener before the second is taken.
        var (first, firstRead) = StreamTestKit.ConnectReading(listener);
        var (_, secondRead) = StreamTestKit.ConnectReading(listener);
        LoopDriver.RunUntil(loop, () => listenerClosed && accepted is not null && secondRead.End != 0);

        Assert.Equal(1, connections);
        Assert.False(SocketDescriptors.IsOpen(socket));
        Assert.True(secondRead.End is UvError.ECONNRESET or UvError.EOF, UvError.Name(secondRead.End));
        // The connection accepted before the close works.
        StreamTestKit.Echo(accepted!);
        first.Write("ping"u8.ToArray());
        LoopDriver.RunUntil(loop, () => firstRead.Bytes.Count == 4);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Close_of_the_listener_inside_the_connection_callback_without_accepting_releases_the_waiting_connection()
    {
        var loop = new Loop();
        bool closed = false;
        var listener = StreamTestKit.Listen(loop, (s, _) => s.Close(_ => closed = true));
        var (_, read) = StreamTestKit.ConnectReading(listener);
        LoopDriver.RunUntil(loop, () => closed && read.End != 0);

        // The descriptor accepted for the callback was closed with the listener: the client sees its connection end.
        Assert.True(read.End is UvError.ECONNRESET or UvError.EOF, UvError.Name(read.End));
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Close_of_the_accepted_stream_inside_the_connection_callback_leaves_the_listener_accepting()
    {
        var loop = new Loop();
        var sockets = new List<string>();
        var listener = StreamTestKit.Listen(loop, (s, _) =>
        {
            var accepted = new TcpHandle(loop);
            Assert.Equal(0, s.Accept(accepted));
            sockets.Add(SocketDescriptors.Identify(accepted.FileDescriptor));
            if (sockets.Count == 1)
                accepted.Close();
            else
                StreamTestKit.Echo(accepted);
        });
        var (_, firstRead) = StreamTestKit.ConnectReading(listener);
        LoopDriver.RunUntil(loop, () => firstRead.End != 0);
        Assert.False(SocketDescriptors.IsOpen(sockets[0]));

        var (second, secondRead) = StreamTestKit.ConnectReading(listener);
        second.Write("ping"u8.ToArray());
        LoopDriver.RunUntil(loop, () => secondRead.Bytes.Count == 4);
        Assert.Equal(2, sockets.Count);
        LoopDriver.CloseLoop(loop);
    }

    /// <summary>The stream's socket is gone and <paramref name="other"/> sees the connection end (EOF, or a reset when bytes were left unread).</summary>
    private static void AssertConnectionEnded(Loop loop, string socket, StreamHandle other)
    {
        Assert.False(SocketDescriptors.IsOpen(socket));
        var read = new StreamReadLog(other);
        LoopDriver.RunUntil(loop, () => read.End != 0);
        Assert.True(read.End is UvError.EOF or UvError.ECONNRESET, UvError.Name(read.End));
    }
}

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
        var events = new List<string>();
        peer.ReadStart((s, n, _) =>
        {
            events.Add($"read {UvError.Name(n)}");
            // A write the peer does not read, and a shutdown behind it, are in flight when the stream closes.
            s.Write(new byte[8 * 1024 * 1024], (_, status) => events.Add($"write {UvError.Name(status)}"));
            s.Shutdown((_, status) => events.Add($"shutdown {UvError.Name(status)}"));
            s.Close(_ => events.Add("close"));
        });
        client.Shutdown();
        LoopDriver.RunUntil(loop, () => events.Contains("close"));

        Assert.Equal(["read EOF", "write ECANCELED", "shutdown ECANCELED", "close"], events);
        Assert.False(SocketDescriptors.IsOpen(socket));
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Close_inside_a_read_error_closes_once()
    {
        var loop = new Loop();
        var (client, peer) = StreamTestKit.Connected(loop);
        string socket = SocketDescriptors.Identify(client.FileDescriptor);
        var events = new List<string>();
        client.ReadStart((s, n, _) =>
        {
            events.Add($"read {UvError.Name(n)}");
            s.Close(_ => events.Add("close"));
        });
        peer.CloseReset();
        LoopDriver.RunUntil(loop, () => events.Contains("close"));

        Assert.Equal(["read ECONNRESET", "close"], events);
        Assert.False(SocketDescriptors.IsOpen(socket));
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Close_inside_a_write_callback_cancels_the_writes_behind_it()
    {
        var loop = new Loop();
        var (client, peer) = StreamTestKit.Connected(loop);
        string socket = SocketDescriptors.Identify(client.FileDescriptor);
        var events = new List<string>();
        // The first completes at once; the second (the peer reads nothing) and the third wait in the queue.
        client.Write(new byte[10], (r, s) =>
        {
            events.Add($"first {UvError.Name(s)}");
            r.Stream!.Close(_ => events.Add("close"));
        });
        client.Write(new byte[8 * 1024 * 1024], (_, s) => events.Add($"second {UvError.Name(s)}"));
        client.Write(new byte[10], (_, s) => events.Add($"third {UvError.Name(s)}"));
        LoopDriver.RunUntil(loop, () => events.Contains("close"));

        Assert.Equal(["first OK", "second ECANCELED", "third ECANCELED", "close"], events);
        AssertConnectionEnded(loop, socket, peer);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Close_inside_the_shutdown_callback_closes_once_after_the_written_data()
    {
        var loop = new Loop();
        var (client, peer) = StreamTestKit.Connected(loop);
        string socket = SocketDescriptors.Identify(client.FileDescriptor);
        var events = new List<string>();
        client.Write("data"u8.ToArray(), (_, s) => events.Add($"write {UvError.Name(s)}"));
        client.Shutdown((r, s) =>
        {
            events.Add($"shutdown {UvError.Name(s)}");
            r.Stream!.Close(_ => events.Add("close"));
        });
        var received = new List<byte>();
        int end = 0;
        peer.ReadStart((_, n, buffer) =>
        {
            if (n > 0)
                received.AddRange(buffer.Span[..n].ToArray());
            else if (n < 0)
                end = n;
        });
        LoopDriver.RunUntil(loop, () => events.Contains("close") && end != 0);

        Assert.Equal(["write OK", "shutdown OK", "close"], events);
        Assert.Equal("data"u8.ToArray(), received);
        Assert.Equal(UvError.EOF, end);
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
        var events = new List<string>();
        client.Connect(listener.LocalEndPoint!, (r, s) =>
        {
            events.Add($"connect {UvError.Name(s)}");
            r.Stream!.Close(_ => events.Add("close"));
        });
        string socket = SocketDescriptors.Identify(client.FileDescriptor);
        client.Write("sent"u8.ToArray(), (_, s) => events.Add($"write {UvError.Name(s)}"));
        client.Shutdown((_, s) => events.Add($"shutdown {UvError.Name(s)}"));
        LoopDriver.RunUntil(loop, () => events.Contains("close") && peer is not null);

        // The write left with the connect (so it succeeded); the shutdown had not started.
        Assert.Equal(["connect OK", "write OK", "shutdown ECANCELED", "close"], events);
        Assert.False(SocketDescriptors.IsOpen(socket));
        var received = new List<byte>();
        int end = 0;
        peer!.ReadStart((_, n, buffer) =>
        {
            if (n > 0)
                received.AddRange(buffer.Span[..n].ToArray());
            else if (n < 0)
                end = n;
        });
        LoopDriver.RunUntil(loop, () => end != 0);
        Assert.Equal("sent"u8.ToArray(), received);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Close_inside_a_failed_connect_callback_cancels_the_queued_write_once()
    {
        var loop = new Loop();
        var client = new TcpHandle(loop);
        var events = new List<string>();
        client.Connect(ClosedPorts.Next(), (r, s) =>
        {
            events.Add($"connect {UvError.Name(s)}");
            r.Stream!.Close(_ => events.Add("close"));
        });
        string socket = SocketDescriptors.Identify(client.FileDescriptor);
        client.Write(new byte[10], (_, s) => events.Add($"write {UvError.Name(s)}"));
        LoopDriver.RunUntil(loop, () => events.Contains("close"));

        Assert.Equal(["connect ECONNREFUSED", "write ECANCELED", "close"], events);
        Assert.False(SocketDescriptors.IsOpen(socket));
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Close_of_the_listener_inside_the_connection_callback_stops_accepting()
    {
        var loop = new Loop();
        var listener = new TcpHandle(loop);
        Assert.Equal(0, listener.Bind(StreamTestKit.AnyLoopback));
        string socket = SocketDescriptors.Identify(listener.FileDescriptor);
        int connections = 0;
        bool listenerClosed = false;
        TcpHandle? accepted = null;
        Assert.Equal(0, listener.Listen(16, (s, status) =>
        {
            connections++;
            accepted = new TcpHandle(loop);
            Assert.Equal(0, s.Accept(accepted));
            s.Close(_ => listenerClosed = true);
        }));
        // Two clients wait in the backlog: the first callback closes the listener before the second is taken.
        var first = new TcpHandle(loop);
        var second = new TcpHandle(loop);
        int firstStatus = 1, secondEnd = 0;
        first.Connect(listener.LocalEndPoint!, (_, s) => firstStatus = s);
        second.Connect(listener.LocalEndPoint!, (r, s) =>
        {
            if (s < 0)
                secondEnd = s;
            else
                r.Stream!.ReadStart((_, n, _) => secondEnd = n < 0 ? n : secondEnd);
        });
        LoopDriver.RunUntil(loop, () => listenerClosed && firstStatus != 1 && secondEnd != 0);

        Assert.Equal(1, connections);
        Assert.False(SocketDescriptors.IsOpen(socket));
        Assert.True(secondEnd is UvError.ECONNRESET or UvError.EOF or UvError.ECONNREFUSED, UvError.Name(secondEnd));
        // The connection accepted before the close works.
        StreamTestKit.Echo(accepted!);
        var echoed = new List<byte>();
        first.ReadStart(StreamTestKit.Collect(echoed));
        first.Write("ping"u8.ToArray());
        LoopDriver.RunUntil(loop, () => echoed.Count == 4);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Close_of_the_listener_inside_the_connection_callback_without_accepting_releases_the_waiting_connection()
    {
        var loop = new Loop();
        var listener = new TcpHandle(loop);
        Assert.Equal(0, listener.Bind(StreamTestKit.AnyLoopback));
        bool closed = false;
        Assert.Equal(0, listener.Listen(16, (s, _) => s.Close(_ => closed = true)));
        var client = new TcpHandle(loop);
        int end = 0;
        client.Connect(listener.LocalEndPoint!, (r, s) =>
        {
            if (s < 0)
                end = s;
            else
                r.Stream!.ReadStart((_, n, _) => end = n < 0 ? n : end);
        });
        LoopDriver.RunUntil(loop, () => closed && end != 0);

        // The descriptor accepted for the callback was closed with the listener: the client sees its connection end.
        Assert.True(end is UvError.ECONNRESET or UvError.EOF, UvError.Name(end));
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Close_of_the_accepted_stream_inside_the_connection_callback_leaves_the_listener_accepting()
    {
        var loop = new Loop();
        var listener = new TcpHandle(loop);
        Assert.Equal(0, listener.Bind(StreamTestKit.AnyLoopback));
        int connections = 0;
        var sockets = new List<string>();
        Assert.Equal(0, listener.Listen(16, (s, _) =>
        {
            var accepted = new TcpHandle(loop);
            Assert.Equal(0, s.Accept(accepted));
            sockets.Add(SocketDescriptors.Identify(accepted.FileDescriptor));
            connections++;
            if (connections == 1)
                accepted.Close();
            else
                StreamTestKit.Echo(accepted);
        }));
        var first = new TcpHandle(loop);
        int firstEnd = 0;
        first.Connect(listener.LocalEndPoint!, (r, _) => r.Stream!.ReadStart((_, n, _) => firstEnd = n < 0 ? n : firstEnd));
        LoopDriver.RunUntil(loop, () => firstEnd != 0);
        Assert.False(SocketDescriptors.IsOpen(sockets[0]));

        var second = new TcpHandle(loop);
        var echoed = new List<byte>();
        second.Connect(listener.LocalEndPoint!, (r, _) =>
        {
            r.Stream!.ReadStart(StreamTestKit.Collect(echoed));
            r.Stream.Write("ping"u8.ToArray());
        });
        LoopDriver.RunUntil(loop, () => echoed.Count == 4);
        Assert.Equal(2, connections);
        LoopDriver.CloseLoop(loop);
    }

    /// <summary>The stream's socket is gone and <paramref name="other"/> sees the connection end (EOF, or a reset when bytes were left unread).</summary>
    private static void AssertConnectionEnded(Loop loop, string socket, StreamHandle other)
    {
        Assert.False(SocketDescriptors.IsOpen(socket));
        int end = 0;
        Assert.Equal(0, other.ReadStart((_, n, _) => end = n < 0 ? n : end));
        LoopDriver.RunUntil(loop, () => end != 0);
        Assert.True(end is UvError.EOF or UvError.ECONNRESET, UvError.Name(end));
    }
}

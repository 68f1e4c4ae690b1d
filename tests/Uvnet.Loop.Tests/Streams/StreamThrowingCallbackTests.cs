namespace Uvnet.Tests.Streams;

/// <summary>
/// A stream callback that throws, of every kind: the exception leaves Run, the stream keeps a consistent state
/// (nothing it had in flight is lost: the requests behind the callback still complete), Run works again, and
/// closing releases everything.
/// </summary>
public class StreamThrowingCallbackTests
{
    [Fact]
    public void Alloc_that_throws_loses_no_data()
    {
        using var scope = new LoopScope();
        var (client, peer) = StreamTestKit.Connected(scope.Loop);
        int allocs = 0;
        var received = new List<byte>();
        peer.ReadStart((_, size) =>
        {
            if (++allocs == 1)
                throw new CallbackException();
            return new byte[size];
        }, StreamTestKit.Collect(received));
        client.Write("abc"u8.ToArray());

        Assert.Throws<CallbackException>(() => scope.RunUntil(() => false));
        Assert.True(peer.IsReading);
        scope.RunUntil(() => received.Count == 3); // the kernel kept the bytes; the next wakeup reads them
        Assert.Equal("abc"u8.ToArray(), received);
        scope.CloseAllAndFinish();
    }

    [Fact]
    public void Read_callback_that_throws_on_data_keeps_reading()
    {
        using var scope = new LoopScope();
        var (client, peer) = StreamTestKit.Connected(scope.Loop);
        var received = new List<byte>();
        peer.ReadStart((_, n, buffer) =>
        {
            if (n <= 0)
                return;
            received.AddRange(buffer.Span[..n].ToArray());
            if (received.Count == 3)
                throw new CallbackException();
        });
        client.Write("abc"u8.ToArray());

        Assert.Throws<CallbackException>(() => scope.RunUntil(() => false));
        Assert.True(peer.IsReading);
        client.Write("def"u8.ToArray());
        scope.RunUntil(() => received.Count == 6);
        Assert.Equal("abcdef"u8.ToArray(), received);
        scope.CloseAllAndFinish();
    }

    [Fact]
    public void Read_callback_that_throws_on_EOF_leaves_the_stream_half_open_and_writable()
    {
        using var scope = new LoopScope();
        var (client, peer) = StreamTestKit.Connected(scope.Loop);
        peer.ReadStart((_, n, _) =>
        {
            if (n == UvError.EOF)
                throw new CallbackException();
        });
        client.Shutdown();

        Assert.Throws<CallbackException>(() => scope.RunUntil(() => false));
        Assert.False(peer.IsReading);
        Assert.False(peer.IsReadable);
        Assert.True(peer.IsWritable);
        var received = new List<byte>();
        client.ReadStart(StreamTestKit.Collect(received));
        int written = 1;
        peer.Write("late"u8.ToArray(), (_, s) => written = s);
        scope.RunUntil(() => written == 0 && received.Count == 4);
        scope.CloseAllAndFinish();
    }

    [Fact]
    public void Read_callback_that_throws_on_a_reset_leaves_a_stream_that_closes_cleanly()
    {
        using var scope = new LoopScope();
        var (client, peer) = StreamTestKit.Connected(scope.Loop);
        string socket = SocketDescriptors.Identify(client.FileDescriptor);
        int status = 0;
        client.ReadStart((_, n, _) =>
        {
            status = n;
            throw new CallbackException();
        });
        peer.CloseReset();

        Assert.Throws<CallbackException>(() => scope.RunUntil(() => false));
        Assert.Equal(UvError.ECONNRESET, status);
        Assert.False(client.IsReading);
        bool closed = false;
        client.Close(_ => closed = true);
        scope.RunUntil(() => closed);
        Assert.False(SocketDescriptors.IsOpen(socket));
        scope.CloseAllAndFinish();
    }

    [Fact]
    public void Write_callback_that_throws_lets_the_later_callbacks_and_a_queued_shutdown_complete()
    {
        using var scope = new LoopScope();
        var (client, peer) = StreamTestKit.Connected(scope.Loop);
        var log = new CallbackLog();
        client.Write("a"u8.ToArray(), log.Write("first", thenThrow: true));
        client.Write("b"u8.ToArray(), log.Write("second"));
        client.Shutdown(log.Shutdown());

        Assert.Throws<CallbackException>(() => scope.RunUntil(() => false));
        Assert.Equal(["first OK"], log.Events);
        scope.RunUntil(() => log.Events.Count == 3);
        Assert.Equal(["first OK", "second OK", "shutdown OK"], log.Events);
        AssertPeerReads(scope, peer, "ab");
        scope.CloseAllAndFinish();
    }

    [Fact]
    public void Last_write_callback_that_throws_does_not_strand_the_shutdown_behind_it()
    {
        using var scope = new LoopScope();
        var (client, peer) = StreamTestKit.Connected(scope.Loop);
        var log = new CallbackLog();
        client.Write("a"u8.ToArray(), log.Write(thenThrow: true));
        client.Shutdown(log.Shutdown());

        Assert.Throws<CallbackException>(() => scope.RunUntil(() => false));
        scope.RunUntil(() => log.Events.Count == 2);
        Assert.Equal(["write OK", "shutdown OK"], log.Events);
        AssertPeerReads(scope, peer, "a");
        scope.CloseAllAndFinish();
    }

    [Fact]
    public void Shutdown_callback_that_throws_leaves_the_stream_shut_and_closable()
    {
        using var scope = new LoopScope();
        var (client, peer) = StreamTestKit.Connected(scope.Loop);
        client.Write("a"u8.ToArray());
        client.Shutdown((_, _) => throw new CallbackException());

        Assert.Throws<CallbackException>(() => scope.RunUntil(() => false));
        Assert.False(client.IsWritable);
        Assert.Equal(UvError.EPIPE, client.Write(new byte[1]));
        AssertPeerReads(scope, peer, "a");
        scope.CloseAllAndFinish();
    }

    [Fact]
    public void Connect_callback_that_throws_lets_the_writes_and_shutdown_queued_while_connecting_complete()
    {
        using var scope = new LoopScope();
        TcpHandle? peer = null;
        var listener = StreamTestKit.Listen(scope.Loop, p => peer = p);
        var client = new TcpHandle(scope.Loop);
        var log = new CallbackLog();
        client.Connect(listener.LocalEndPoint!, log.Connect(thenThrow: true));
        client.Write("queued"u8.ToArray(), log.Write());
        client.Shutdown(log.Shutdown());

        Assert.Throws<CallbackException>(() => scope.RunUntil(() => false));
        scope.RunUntil(() => log.Events.Count == 3 && peer is not null);
        Assert.Equal(["connect OK", "write OK", "shutdown OK"], log.Events);
        AssertPeerReads(scope, peer!, "queued");
        scope.CloseAllAndFinish();
    }

    [Fact]
    public void Unix_socket_connect_done_at_once_whose_callback_throws_lets_the_queued_requests_complete()
    {
        using var scope = new LoopScope();
        string path = Path.Combine(Path.GetTempPath(), $"uvnet-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
        try
        {
            StreamHandle? peer = null;
            var listener = new PipeHandle(scope.Loop);
            Assert.Equal(0, listener.Bind(path));
            Assert.Equal(0, listener.Listen(16, (s, _) =>
            {
                peer = new PipeHandle(s.Loop);
                Assert.Equal(0, s.Accept(peer));
            }));
            // A Unix socket connect succeeds inside connect(2): reported in the pending phase, a path of its own.
            var client = new PipeHandle(scope.Loop);
            var log = new CallbackLog();
            client.Connect(path, log.Connect(thenThrow: true));
            client.Write("queued"u8.ToArray(), log.Write());
            client.Shutdown(log.Shutdown());

            Assert.Throws<CallbackException>(() => scope.RunUntil(() => false));
            scope.RunUntil(() => log.Events.Count == 3 && peer is not null);
            Assert.Equal(["connect OK", "write OK", "shutdown OK"], log.Events);
            AssertPeerReads(scope, peer!, "queued");
            scope.CloseAllAndFinish();
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Failed_connect_callback_that_throws_still_cancels_the_queued_write()
    {
        using var scope = new LoopScope();
        var client = new TcpHandle(scope.Loop);
        var log = new CallbackLog();
        client.Connect(ClosedPorts.Next(), log.Connect(thenThrow: true));
        client.Write(new byte[1], log.Write());

        Assert.Throws<CallbackException>(() => scope.RunUntil(() => false));
        scope.RunUntil(() => log.Events.Count == 2);
        Assert.Equal(["connect ECONNREFUSED", "write ECANCELED"], log.Events);
        client.Close();
        Assert.False(scope.Loop.Run()); // no request left in flight keeps the loop alive
        scope.Finish();
    }

    /// <summary>
    /// A connection callback that throws: the listener goes on accepting. One that threw before accepting leaves
    /// its connection waiting for Accept, as documented.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Connection_callback_that_throws_keeps_the_listener_accepting(bool acceptsBeforeThrowing)
    {
        using var scope = new LoopScope();
        int callbacks = 0;
        var listener = StreamTestKit.Listen(scope.Loop, (s, _) =>
        {
            bool first = ++callbacks == 1;
            if (acceptsBeforeThrowing || !first)
                StreamTestKit.AcceptEcho(s);
            if (first)
                throw new CallbackException();
        });
        var firstClient = StreamTestKit.ConnectReading(listener);

        Assert.Throws<CallbackException>(() => scope.RunUntil(() => false));
        if (!acceptsBeforeThrowing)
            StreamTestKit.AcceptEcho(listener);
        AssertEchoes(scope, firstClient);

        // Accepting goes on: the next connection reaches the callback.
        AssertEchoes(scope, StreamTestKit.ConnectReading(listener));
        Assert.Equal(2, callbacks);
        scope.CloseAllAndFinish();
    }

    [Fact]
    public void Cancelled_write_callback_that_throws_lets_the_other_cancellations_and_the_close_callback_run()
    {
        using var scope = new LoopScope();
        var (client, _) = StreamTestKit.Connected(scope.Loop);
        var log = new CallbackLog();
        client.Write(new byte[8 * 1024 * 1024], log.Write("first", thenThrow: true));
        client.Write(new byte[1], log.Write("second"));
        client.Shutdown(log.Shutdown());
        client.Close(log.Closed);

        Assert.Throws<CallbackException>(() => scope.RunUntil(() => false));
        Assert.Equal(["first ECANCELED"], log.Events);
        Assert.Equal(1, Count(scope.Loop, client)); // not closed yet: the loop cannot be closed under its callbacks
        scope.RunUntil(() => log.Events.Contains("close"));
        Assert.Equal(["first ECANCELED", "second ECANCELED", "shutdown ECANCELED", "close"], log.Events);
        scope.CloseAllAndFinish();
    }

    private static int Count(Loop loop, Handle handle)
    {
        int count = 0;
        loop.Walk(h => count += h == handle ? 1 : 0);
        return count;
    }

    /// <summary>The peer reads <paramref name="expected"/> and then the end of the stream.</summary>
    private static void AssertPeerReads(LoopScope scope, StreamHandle peer, string expected)
    {
        var read = new StreamReadLog(peer);
        scope.RunUntil(() => read.End != 0);
        Assert.Equal(UvError.EOF, read.End);
        Assert.Equal(expected, read.Text);
    }

    /// <summary>A round trip through an echoing peer over a client (connecting or connected).</summary>
    private static void AssertEchoes(LoopScope scope, (TcpHandle Client, StreamReadLog Read) connection)
    {
        connection.Client.Write("ping"u8.ToArray());
        scope.RunUntil(() => connection.Read.Bytes.Count == 4);
    }
}

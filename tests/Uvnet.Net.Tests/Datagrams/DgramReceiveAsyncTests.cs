namespace Uvnet.Net.Tests.Datagrams;

/// <summary>ReceiveAsync: the C# way to take datagrams, on the loop, with no thread-pool hop and no allocation per datagram.</summary>
public sealed class DgramReceiveAsyncTests
{
    [Fact]
    public void ReceiveAsync_gets_the_datagram_in_the_callers_buffer_with_its_sender()
    {
        var loop = new Loop();
        var server = DgramTestKit.Bound(loop);
        var client = DgramTestKit.Bound(loop);
        var buffer = new byte[16];
        DgramReceiveResult? result = null;
        int messageEvents = 0;
        server.Message += (_, _, _) => messageEvents++;
        int loopThread = Environment.CurrentManagedThreadId, resumedOn = 0;
        loop.Post(async () =>
        {
            result = await server.ReceiveAsync(buffer);
            resumedOn = Environment.CurrentManagedThreadId;
        });
        loop.Run(RunMode.NoWait);
        client.Send("ping", server.Address().Port);
        LoopDriver.RunUntil(loop, () => result is not null);
        Assert.Equal(4, result!.Value.Size);
        Assert.Equal("ping", System.Text.Encoding.ASCII.GetString(buffer, 0, 4));
        Assert.Equal(client.Address().Port, result.Value.RemoteEndPoint.Port);
        Assert.False(result.Value.Truncated);
        Assert.Equal(1, messageEvents);
        Assert.Equal(loopThread, resumedOn);
        DgramTestKit.CloseAll(loop, server, client);
        LoopDriver.AssertNothingLeft(loop);
    }

    [Fact]
    public void A_datagram_larger_than_the_buffer_is_truncated()
    {
        var loop = new Loop();
        var server = DgramTestKit.Bound(loop);
        var client = DgramTestKit.Bound(loop);
        var buffer = new byte[3];
        var receive = server.ReceiveAsync(buffer);
        client.Send("abcdef", server.Address().Port);
        LoopDriver.RunUntil(loop, () => receive.IsCompleted);
        DgramReceiveResult result = DgramTestKit.ResultOf(receive);
        Assert.True(result.Truncated);
        Assert.Equal("abc", System.Text.Encoding.ASCII.GetString(buffer));
        DgramTestKit.CloseAll(loop, server, client);
        LoopDriver.AssertNothingLeft(loop);
    }

    [Fact]
    public void Close_cancel_and_misuse_end_a_receive()
    {
        var loop = new Loop();
        var unbound = Dgram.CreateSocket(loop, "udp4");
        Assert.Throws<InvalidOperationException>(() => unbound.ReceiveAsync(new byte[8]));
        var socket = DgramTestKit.Bound(loop);
        Assert.Throws<ArgumentException>(() => socket.ReceiveAsync(Memory<byte>.Empty));
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.True(socket.ReceiveAsync(new byte[8], cancel.Token).IsCanceled);
        var pending = socket.ReceiveAsync(new byte[8]);
        Assert.Throws<InvalidOperationException>(() => socket.ReceiveAsync(new byte[8]));

        DgramTestKit.CloseAll(loop, socket, unbound);
        Assert.True(pending.IsFaulted);
        var error = Assert.IsType<NetException>(pending.AsTask().Exception!.InnerException);
        Assert.Equal("ERR_SOCKET_DGRAM_NOT_RUNNING", error.Code);
        LoopDriver.AssertNothingLeft(loop);
    }

    [Fact]
    public void Cancelling_a_pending_receive_fails_it_and_frees_the_socket_for_the_next()
    {
        var loop = new Loop();
        var server = DgramTestKit.Bound(loop);
        var client = DgramTestKit.Bound(loop);
        using var cancel = new CancellationTokenSource();
        var first = server.ReceiveAsync(new byte[8], cancel.Token);
        cancel.Cancel();
        LoopDriver.RunUntil(loop, () => first.IsCompleted);
        Assert.True(first.IsCanceled);
        var buffer = new byte[8];
        var second = server.ReceiveAsync(buffer);
        client.Send("next", server.Address().Port);
        LoopDriver.RunUntil(loop, () => second.IsCompleted);
        Assert.Equal(4, DgramTestKit.ResultOf(second).Size);
        DgramTestKit.CloseAll(loop, server, client);
        LoopDriver.AssertNothingLeft(loop);
    }

    [Fact]
    public void A_cancellation_that_lost_the_race_to_a_datagram_does_not_cancel_the_next_receive()
    {
        // The datagram is in the socket before the token is cancelled: the receive takes it, its continuation starts
        // the next receive (on the same reused awaitable), and the cancellation posted meanwhile must leave that one be.
        var loop = new Loop();
        var server = DgramTestKit.Bound(loop);
        var client = DgramTestKit.Bound(loop);
        using var cancel = new CancellationTokenSource();
        bool firstSettled = false;
        ValueTask<DgramReceiveResult> second = default;
        loop.Post(async () =>
        {
            try
            {
                await server.ReceiveAsync(new byte[8], cancel.Token);
            }
            catch (OperationCanceledException)
            {
                // Cancelled before the datagram was read: as good, the next receive then gets it.
            }
            firstSettled = true;
            second = server.ReceiveAsync(new byte[8]);
        });
        loop.Run(RunMode.NoWait);
        // Once more with nothing to do, so that the poller reports the datagram before the cancellation's wakeup
        // (epoll keeps a descriptor it reported in its ready list until a later wait finds it idle).
        loop.Run(RunMode.NoWait);
        client.Send("one", server.Address().Port); // a bound socket sends at once: over loopback, it is in the server's queue
        cancel.Cancel();
        LoopDriver.RunUntil(loop, () => firstSettled);
        client.Send("two", server.Address().Port);
        LoopDriver.RunUntil(loop, () => second.IsCompleted);
        Assert.True(second.IsCompletedSuccessfully, "the next receive was cancelled by the previous one's token");
        DgramTestKit.CloseAll(loop, server, client);
        LoopDriver.AssertNothingLeft(loop);
    }

    [Fact]
    public void A_failed_bind_fails_the_pending_receive_with_the_bind_error()
    {
        // The socket is unbound again, where ReceiveAsync refuses to start: a receive left waiting would wait for good.
        var loop = new Loop();
        var taken = DgramTestKit.Bound(loop);
        var socket = Dgram.CreateSocket(loop, "udp4");
        NetException? raised = null;
        socket.Error += (_, e) => raised = e;
        socket.Bind(taken.Address().Port, "127.0.0.1");
        var receive = socket.ReceiveAsync(new byte[8]);
        LoopDriver.RunUntil(loop, () => raised is not null);
        Assert.True(receive.IsFaulted);
        Assert.Same(raised, receive.AsTask().Exception!.InnerException);
        Assert.Equal("EADDRINUSE", raised!.Code);
        DgramTestKit.CloseAll(loop, taken, socket);
        LoopDriver.AssertNothingLeft(loop);
    }

    [Fact]
    public void A_receive_error_fails_the_pending_receive()
    {
        var loop = new Loop();
        var client = Dgram.CreateSocket(loop, "udp4");
        bool connected = false;
        client.Connect(ClosedPorts.NextUdp().Port, "127.0.0.1", _ => connected = true);
        LoopDriver.RunUntil(loop, () => connected);
        var receive = client.ReceiveAsync(new byte[8]);
        client.Send("x");
        LoopDriver.RunUntil(loop, () => receive.IsCompleted);
        Assert.Equal("ECONNREFUSED", Assert.IsType<NetException>(receive.AsTask().Exception!.InnerException).Code);
        DgramTestKit.CloseAll(loop, client);
        LoopDriver.AssertNothingLeft(loop);
    }

    /// <summary>
    /// The README's echo loop: receive into one buffer, send a slice of it, receive into it again. Replies sent from a
    /// receive callback wait for the end of the wakeup's receives (to leave by one sendmmsg), so a receive into the
    /// caller's buffer must first send those still waiting on it, or each would carry the last datagram's bytes.
    /// </summary>
    [Fact]
    public void An_echo_loop_reusing_its_buffer_answers_each_of_a_burst_with_its_own_bytes()
    {
        var loop = new Loop();
        var server = DgramTestKit.Bound(loop);
        var buffer = new byte[64];
        loop.Post(async () =>
        {
            try
            {
                while (true)
                {
                    var r = await server.ReceiveAsync(buffer);
                    server.Send(buffer.AsMemory(0, r.Size), r.RemoteEndPoint);
                }
            }
            catch (NetException) { } // closed at the end
        });
        loop.Run(RunMode.NoWait);
        using (var burst = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp))
        {
            // All sent before the server's loop polls again: one wakeup reads them all.
            burst.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
            var to = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, server.Address().Port);
            string[] sent = ["one", "two", "three", "four"];
            foreach (string text in sent)
                burst.SendTo(DgramTestKit.Bytes(text), to);
            var received = new List<string>();
            var answer = new byte[64];
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (received.Count < sent.Length && DateTime.UtcNow < deadline)
            {
                loop.Run(RunMode.NoWait);
                if (burst.Available > 0)
                    received.Add(System.Text.Encoding.UTF8.GetString(answer, 0, burst.Receive(answer)));
            }
            Assert.Equal(sent, received);
        }
        DgramTestKit.CloseAll(loop, server);
        LoopDriver.AssertNothingLeft(loop);
    }
}

namespace Uvnet.Tests.Streams;

/// <summary>The write queue, after libuv's tcp_write_queue_order, tcp_write_after_connect and tcp_shutdown_after_write.</summary>
public class TcpWriteQueueTests
{
    [Fact]
    public void Ten_thousand_writes_then_close_complete_in_order_with_ok_then_canceled()
    {
        var loop = new Loop();
        var (client, _) = StreamTestKit.Connected(loop); // the peer never reads: the queue backs up
        var statuses = new List<int>();

        var chunk = new byte[16 * 1024];
        for (int i = 0; i < 10_000; i++)
        {
            int index = i;
            Assert.Equal(0, client.Write(chunk, (_, status) =>
            {
                Assert.Equal(index, statuses.Count); // callbacks run in write order
                statuses.Add(status);
            }));
        }
        Assert.Empty(statuses); // never inside Write
        Assert.True(client.WriteQueueSize > 0);
        bool closed = false;
        client.Close(_ =>
        {
            Assert.Equal(10_000, statuses.Count); // every write callback before the close callback
            closed = true;
        });
        LoopDriver.RunUntil(loop, () => closed);

        int ok = statuses.TakeWhile(s => s == 0).Count();
        Assert.True(ok < 10_000, "the peer never read: some writes must still have been queued");
        Assert.All(statuses.Skip(ok), s => Assert.Equal(UvError.ECANCELED, s));
        Assert.Equal(0, client.WriteQueueSize);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void A_write_callback_that_always_writes_again_runs_nine_times_an_iteration_at_most()
    {
        // As libuv's uv__write_callbacks, which takes the completed queue before it runs it: a write finished at
        // once inside a write callback is called back in a later pending pass (one before the poll, eight after
        // it), so a callback that always writes again cannot keep the loop from polling until the socket fills.
        var loop = new Loop();
        var (client, peer) = StreamTestKit.Connected(loop);
        long received = 0;
        Assert.Equal(0, peer.ReadStart((_, n, _) => received += Math.Max(n, 0)));
        long iteration = 0;
        var check = new CheckHandle(loop);
        check.Start(_ => iteration++);
        var callbackIterations = new List<long>();
        const int Writes = 200;
        byte[] one = [42];
        Action<WriteRequest, int>? again = null;
        again = (_, status) =>
        {
            Assert.Equal(0, status);
            callbackIterations.Add(iteration);
            if (callbackIterations.Count < Writes)
                Assert.Equal(0, client.Write(one, again)); // one byte: sent at once
        };
        Assert.Equal(0, client.Write(one, again));
        LoopDriver.RunUntil(loop, () => callbackIterations.Count == Writes && received == Writes);
        Assert.InRange(callbackIterations.GroupBy(i => i).Max(g => g.Count()), 1, 9);
        check.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void A_pending_pass_still_ends_when_a_callback_closes_the_last_handle_it_was_to_run()
    {
        // libuv's uv__run_pending moves the queue aside before it runs it, and uv_close unlinks a closed handle from
        // whichever list holds it: the pass ends where it would have, so a write callback that always writes again
        // (finished at once) runs nine times an iteration at most even when it closes the pass's last handle.
        var loop = new Loop();
        var (a, _) = StreamTestKit.Connected(loop);
        var (b, _) = StreamTestKit.Connected(loop);
        const int Writes = 1000;
        int calls = 0;
        Action<WriteRequest, int>? again = null;
        again = (_, status) =>
        {
            Assert.Equal(0, status);
            if (++calls == 1)
                b.Close(); // b's pending pass entry, the last of this pass, leaves the queue
            if (calls < Writes)
                Assert.Equal(0, a.Write(ReadOnlyMemory<byte>.Empty, again)); // nothing to send: finished at once
        };
        Assert.Equal(0, a.Write(ReadOnlyMemory<byte>.Empty, again)); // a, then b, wait in the pending queue
        Assert.Equal(0, b.Write("b"u8.ToArray()));

        loop.Run(RunMode.NoWait);
        Assert.Equal(9, calls); // one pass before the poll, eight after it

        LoopDriver.RunUntil(loop, () => calls == Writes);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void A_write_finished_inside_a_read_callback_is_called_back_before_the_check_phase()
    {
        // libuv's uv_run runs the pending passes after the poll, before the check handles (since libuv 1.44.2).
        var loop = new Loop();
        var (client, peer) = StreamTestKit.Connected(loop);
        var order = new List<string>();
        Assert.Equal(0, peer.ReadStart((stream, n, _) =>
        {
            if (n <= 0 || order.Count > 0)
                return;
            order.Add("read");
            Assert.Equal(0, stream.Write("pong"u8.ToArray(), (_, s) => order.Add($"write {s}")));
        }));
        var check = new CheckHandle(loop);
        check.Start(_ =>
        {
            if (order.Count > 0 && !order.Contains("check"))
                order.Add("check");
        });
        Assert.Equal(0, client.Write("ping"u8.ToArray()));
        LoopDriver.RunUntil(loop, () => order.Count == 3);
        Assert.Equal(["read", "write 0", "check"], order);
        check.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Every_write_callback_runs_before_the_shutdown_callback_when_the_callbacks_write_again()
    {
        var loop = new Loop();
        var (client, peer) = StreamTestKit.Connected(loop);
        Assert.Equal(0, peer.ReadStart((_, _, _) => { }));
        var order = new List<string>();
        int writes = 0;
        Action<WriteRequest, int>? again = null;
        again = (_, status) =>
        {
            order.Add($"write {status}");
            if (++writes == 1)
            {
                Assert.Equal(0, client.Write("b"u8.ToArray(), again)); // finishes at once: called back next iteration
                Assert.Equal(0, client.Shutdown((_, s) => order.Add($"shutdown {s}")));
            }
        };
        Assert.Equal(0, client.Write("a"u8.ToArray(), again));
        LoopDriver.RunUntil(loop, () => order.Count == 3);
        Assert.Equal(["write 0", "write 0", "shutdown 0"], order);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Write_queue_size_falls_only_when_write_callbacks_run()
    {
        var loop = new Loop();
        var (client, _) = StreamTestKit.Connected(loop);

        long sizeInCallback = -1;
        client.Write(new byte[100], (_, _) => sizeInCallback = client.WriteQueueSize);
        Assert.Equal(100, client.WriteQueueSize); // written at once, but the callback has not run
        LoopDriver.RunUntil(loop, () => sizeInCallback >= 0);
        Assert.Equal(0, sizeInCallback);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Write_before_connect_completes_is_sent_once_connected()
    {
        var loop = new Loop();
        var got = new List<byte>();
        var server = StreamTestKit.Listen(loop, p => p.ReadStart(StreamTestKit.Collect(got)));
        var client = new TcpHandle(loop);
        var order = new List<string>();
        Assert.Equal(0, client.Connect(server.LocalEndPoint!, (_, s) => order.Add($"connect {s}")));
        Assert.Equal(0, client.Write("hello"u8.ToArray(), (_, s) => order.Add($"write {s}")));
        LoopDriver.RunUntil(loop, () => got.Count == 5);
        Assert.Equal("hello"u8.ToArray(), got.ToArray());
        LoopDriver.RunUntil(loop, () => order.Count == 2);
        Assert.Equal(["connect 0", "write 0"], order);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Multiple_buffers_in_one_request_arrive_in_order()
    {
        var loop = new Loop();
        var got = new List<byte>();
        var server = StreamTestKit.Listen(loop, p => p.ReadStart(StreamTestKit.Collect(got)));
        var client = new TcpHandle(loop);
        int status = 1;
        client.Connect(server.LocalEndPoint!, (_, _) =>
        {
            ReadOnlyMemory<byte> a = "ab"u8.ToArray(), empty = Array.Empty<byte>(), c = "cde"u8.ToArray();
            client.Write(new WriteRequest(), [a, empty, c], (_, s) => status = s);
        });
        LoopDriver.RunUntil(loop, () => got.Count == 5 && status == 0);
        Assert.Equal("abcde"u8.ToArray(), got.ToArray());
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Shutdown_waits_for_queued_writes_then_the_peer_sees_eof()
    {
        var loop = new Loop();
        long received = 0;
        bool eof = false;
        var server = StreamTestKit.Listen(loop, p => p.ReadStart((_, n, _) =>
        {
            if (n > 0) received += n;
            else if (n == UvError.EOF) eof = true;
        }));
        var client = new TcpHandle(loop);
        var order = new List<string>();
        client.Connect(server.LocalEndPoint!, (_, _) =>
        {
            for (int i = 0; i < 64; i++)
                client.Write(new byte[64 * 1024], (_, s) => order.Add("write"));
            Assert.Equal(0, client.Shutdown((_, s) => order.Add($"shutdown {s}")));
        });
        LoopDriver.RunUntil(loop, () => eof);
        Assert.Equal(64L * 64 * 1024, received);
        Assert.Equal(65, order.Count);
        Assert.Equal("shutdown 0", order[^1]);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Second_shutdown_and_write_after_shutdown_are_refused()
    {
        var loop = new Loop();
        var (client, _) = StreamTestKit.Connected(loop);
        int first = 1;
        Assert.Equal(0, client.Shutdown((_, s) => first = s));
        Assert.Equal(UvError.ENOTCONN, client.Shutdown());
        Assert.Equal(UvError.EPIPE, client.Write(new byte[1]));
        LoopDriver.RunUntil(loop, () => first == 0);
        Assert.False(client.IsWritable);
        LoopDriver.CloseLoop(loop);
    }
}

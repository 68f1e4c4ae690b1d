using System.Text;

namespace Uvnet.Net.Tests;

/// <summary>
/// <see cref="Socket.Pipe"/> and <see cref="Socket.Unpipe"/>, after Node's test-stream-pipe-* cases on sockets
/// (test-net-pipe-with-long-write's flow, test-stream-pipe-await-drain, test-stream-pipe-unpipe-streams,
/// test-stream-pipe-without-listenerCount) and the echo server Node's docs write as <c>socket.pipe(socket)</c>.
/// </summary>
public class SocketPipeTests
{
    // Loopback's socket buffers hold a few MiB: more than that forces the pipe to wait for the slow reader.
    private const int Total = 16 * 1024 * 1024;
    private const int MaxRead = 64 * 1024; // the loop's read buffer: one Data chunk at most

    private static byte Pattern(long i) => (byte)(i % 251);

    /// <summary>Two connections: <c>Client</c> to <c>Peer</c> (the source side) and <c>Client2</c> to <c>Peer2</c>.</summary>
    private sealed record TwoPairs(Loop Loop, Server Server, Socket Client, Socket Peer, Server Server2, Socket Client2, Socket Peer2)
    {
        public static TwoPairs Open(ServerOptions? sourceOptions = null, ServerOptions? destinationOptions = null)
        {
            var loop = new Loop();
            var (server, client, peer) = NetTestKit.ConnectedPair(loop, sourceOptions);
            var (server2, client2, peer2) = NetTestKit.ConnectedPair(loop, destinationOptions);
            return new(loop, server, client, peer, server2, client2, peer2);
        }

        /// <summary>Destroys every socket, closes both servers once their connections are gone, and the loop.</summary>
        public void Close()
        {
            foreach (var s in new[] { Client, Peer, Client2, Peer2 })
                s.Destroy();
            Server.Close();
            Server2.Close();
            LoopDriver.RunUntil(Loop, () => Server.ConnectionCount == 0 && Server2.ConnectionCount == 0);
            LoopDriver.CloseLoop(Loop);
        }
    }

    [Fact]
    public void Pipe_forwards_everything_to_a_slow_reader_holding_at_most_a_read_past_the_high_water_mark()
    {
        var loop = new Loop();
        // writer -> inbound (piped) -> outbound -> sink, which reads one chunk per loop timer tick.
        Socket? sink = null;
        var sinkServer = NetTestKit.ListeningServer(loop, s => sink = s);
        Socket? inbound = null;
        var outbound = new Socket(loop);
        var proxy = NetTestKit.ListeningServer(loop, s => inbound = s);
        bool outboundConnected = false;
        outbound.Connect(sinkServer.Port, "127.0.0.1", () => outboundConnected = true);
        var writer = new Socket(loop);
        writer.Connect(proxy.Port, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => outboundConnected && inbound is not null && sink is not null);

        long maxQueued = 0;
        bool sourcePaused = false;
        // Subscribed before the pipe: these run before its own handlers (the Data one writes, the Drain one resumes).
        outbound.Drain += _ => sourcePaused |= inbound!.IsPaused;
        inbound!.Data += (_, _) => maxQueued = Math.Max(maxQueued, outbound.WritableLength);
        Assert.Same(outbound, inbound.Pipe(outbound));

        long received = 0;
        bool intact = true, sinkEnded = false;
        var tick = new TimerHandle(loop);
        sink!.Data += (s, data) =>
        {
            for (int i = 0; i < data.Length; i++)
                intact &= data[i] == Pattern(received + i);
            received += data.Length;
            s.Pause(); // slow: one read, then wait for the next timer tick
            tick.Start(_ => s.Resume(), 0);
        };
        sink.Ended += _ => sinkEnded = true;

        var payload = new byte[Total];
        for (int i = 0; i < payload.Length; i++)
            payload[i] = Pattern(i);
        writer.End(payload);
        LoopDriver.RunUntil(loop, () => sinkEnded, seconds: 60);
        maxQueued = Math.Max(maxQueued, outbound.WritableLength);

        Assert.Equal(Total, received);
        Assert.True(intact);
        Assert.True(sourcePaused); // the slow reader held the source back...
        Assert.InRange(maxQueued, 0, outbound.WritableHighWaterMark + MaxRead); // ...so the pipe never buffered more
        tick.Close();
        foreach (var s in new[] { writer, outbound, sink })
            s.Destroy();
        proxy.Close();
        sinkServer.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void A_socket_piped_to_itself_echoes_and_ends_when_the_peer_ends()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop, s => s.Pipe(s));
        var client = new Socket(loop);
        var got = NetTestKit.Collect(client);
        bool ended = false, closed = false;
        client.Ended += _ => ended = true;
        client.Closed += (_, _) => closed = true;
        client.Connect(server.Port, "127.0.0.1", () => client.Write("echo me"));
        LoopDriver.RunUntil(loop, () => got.ToString() == "echo me");
        client.End();
        LoopDriver.RunUntil(loop, () => ended && closed && server.ConnectionCount == 0);
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
    }

    [Fact]
    public void Pipes_chain_through_the_returned_destination()
    {
        var p = TwoPairs.Open();
        // client -> peer -> client2 -> peer2 -> back to client2 -> peer: peer2 answers what it gets
        p.Peer.Pipe(p.Client2).Pipe(p.Peer);
        p.Peer2.Pipe(p.Peer2);
        var got = NetTestKit.Collect(p.Client);
        p.Client.Write("round trip");
        LoopDriver.RunUntil(p.Loop, () => got.ToString() == "round trip");
        p.Close();
    }

    [Fact]
    public void End_false_leaves_the_destination_open_when_the_source_ends()
    {
        var p = TwoPairs.Open(sourceOptions: new ServerOptions { AllowHalfOpen = true });
        p.Peer.Pipe(p.Client2, end: false);
        var got = NetTestKit.Collect(p.Peer2);
        bool peerEnded = false;
        p.Peer.Ended += _ => peerEnded = true;
        p.Client.End(Encoding.UTF8.GetBytes("last words"));
        LoopDriver.RunUntil(p.Loop, () => peerEnded && got.ToString() == "last words");
        Assert.False(p.Client2.WritableEnded);
        p.Client2.Write(" and more");
        LoopDriver.RunUntil(p.Loop, () => got.ToString() == "last words and more");
        p.Close();
    }

    [Fact]
    public void The_source_ending_ends_the_destination()
    {
        var p = TwoPairs.Open(destinationOptions: new ServerOptions { AllowHalfOpen = true });
        p.Peer.Pipe(p.Client2);
        bool peer2Ended = false;
        p.Peer2.Ended += _ => peer2Ended = true;
        p.Client.End();
        LoopDriver.RunUntil(p.Loop, () => peer2Ended);
        Assert.True(p.Client2.WritableEnded);
        p.Close();
    }

    [Fact]
    public void A_destination_that_closes_is_unpiped_and_the_source_paused()
    {
        var p = TwoPairs.Open();
        p.Peer.Pipe(p.Client2);
        var got = NetTestKit.Collect(p.Peer2);
        p.Client.Write("before");
        LoopDriver.RunUntil(p.Loop, () => got.ToString() == "before");
        bool destinationClosed = false;
        p.Client2.Closed += (_, _) => destinationClosed = true;
        p.Client2.Destroy();
        LoopDriver.RunUntil(p.Loop, () => destinationClosed);
        Assert.True(p.Peer.IsPaused); // Node pauses a source left without pipes
        long written = p.Client2.BytesWritten;
        p.Peer.Resume();
        int after = 0;
        p.Peer.Data += (_, data) => after += data.Length;
        p.Client.Write("after");
        LoopDriver.RunUntil(p.Loop, () => after == 5);
        Assert.Equal(written, p.Client2.BytesWritten); // nothing more is written to the closed destination
        p.Close();
    }

    [Fact]
    public void Unpipe_stops_forwarding_and_pauses_the_source()
    {
        var p = TwoPairs.Open();
        p.Peer.Pipe(p.Client2);
        var got = NetTestKit.Collect(p.Peer2);
        p.Client.Write("piped");
        LoopDriver.RunUntil(p.Loop, () => got.ToString() == "piped");
        Assert.Same(p.Peer, p.Peer.Unpipe(p.Client2));
        Assert.True(p.Peer.IsPaused);
        Assert.Same(p.Peer, p.Peer.Unpipe(p.Client2)); // no longer piped: nothing happens
        var direct = NetTestKit.Collect(p.Peer);
        p.Peer.Resume();
        p.Client.Write(" then not");
        LoopDriver.RunUntil(p.Loop, () => direct.ToString() == " then not");
        LoopDriver.RunFor(p.Loop, 20);
        Assert.Equal("piped", got.ToString());
        p.Close();
    }

    // test-stream-pipe-await-drain: a source piped to two destinations waits for both to drain.
    [Fact]
    public void A_source_piped_to_two_destinations_flows_again_only_once_both_drained()
    {
        var p = TwoPairs.Open();
        var (server3, client3, peer3) = NetTestKit.ConnectedPair(p.Loop);
        p.Peer2.Pause(); // neither destination's reader reads yet
        peer3.Pause();
        p.Peer.Pipe(p.Client2);
        p.Peer.Pipe(client3);
        var payload = new byte[Total];
        p.Client.Write(payload);
        LoopDriver.RunUntil(p.Loop, () => p.Peer.IsPaused && p.Client2.WritableNeedDrain && client3.WritableNeedDrain);
        bool drained2 = false;
        p.Client2.Drain += _ => drained2 = true;
        p.Peer2.Resume();
        LoopDriver.RunUntil(p.Loop, () => drained2);
        Assert.True(p.Peer.IsPaused); // the other destination is still full
        long got3 = 0;
        peer3.Data += (_, data) => got3 += data.Length;
        peer3.Resume();
        LoopDriver.RunUntil(p.Loop, () => got3 == Total);
        client3.Destroy();
        server3.Close();
        p.Close();
    }

    [Fact]
    public void A_source_reconnected_from_its_closed_handler_is_not_paused_by_its_old_pipe()
    {
        var p = TwoPairs.Open();
        p.Client.Pipe(p.Client2);
        bool reconnected = false;
        p.Server.Connection += s => s.Resume(); // the new connection drops what it reads: unread bytes would hold its end
        p.Client.Closed += (s, _) =>
        {
            if (!reconnected)
                s.Connect(p.Server.Port, "127.0.0.1", () => reconnected = true);
        };
        p.Client.Destroy();
        LoopDriver.RunUntil(p.Loop, () => reconnected);
        Assert.False(p.Client.IsPaused);
        p.Client.Write("no longer piped");
        LoopDriver.RunFor(p.Loop, 20);
        Assert.Equal(0, p.Client2.BytesWritten);
        p.Close();
    }

    /// <summary>A socket that never connects: writes wait in it, so it is as full as <paramref name="bytes"/> makes it.</summary>
    private static Socket Unconnected(Loop loop, int bytes)
    {
        var socket = new Socket(loop);
        socket.Write(new byte[bytes]);
        return socket;
    }

    // Node's pipe cleanup calls ondrain for a destination the source awaits: a full destination that goes away must
    // not hold the source back from the others forever.
    [Fact]
    public void A_full_destination_that_closes_no_longer_holds_the_source_back_from_the_others()
    {
        var p = TwoPairs.Open();
        var full = Unconnected(p.Loop, p.Client2.WritableHighWaterMark);
        Assert.True(full.WritableNeedDrain);
        p.Peer.Pipe(p.Client2);
        p.Peer.Pipe(full);
        Assert.True(p.Peer.IsPaused);
        bool fullClosed = false;
        full.Closed += (_, _) => fullClosed = true;
        full.Destroy();
        LoopDriver.RunUntil(p.Loop, () => fullClosed);
        Assert.False(p.Peer.IsPaused); // the other destination is not full
        var got = NetTestKit.Collect(p.Peer2);
        p.Client.Write("still flows");
        LoopDriver.RunUntil(p.Loop, () => got.ToString() == "still flows", seconds: 5);
        p.Close();
    }

    // Node's pipe pause() does nothing once the pipe is cleaned up: a chunk already on its way to a pipe that an
    // earlier Data handler unpiped must not pause a source that handler resumed.
    [Fact]
    public void A_pipe_unpiped_by_an_earlier_data_handler_does_not_pause_the_source()
    {
        var p = TwoPairs.Open();
        var nearlyFull = Unconnected(p.Loop, p.Client2.WritableHighWaterMark - 1);
        p.Peer.Data += (s, _) =>
        {
            s.Unpipe(nearlyFull);
            s.Resume(); // reads on without the pipe
        };
        p.Peer.Pipe(nearlyFull);
        p.Client.Write("x");
        LoopDriver.RunUntil(p.Loop, () => p.Peer.BytesRead == 1);
        Assert.False(p.Peer.IsPaused);
        nearlyFull.Destroy();
        p.Close();
    }

    // The same for the pipe's Drain handler: once unpiped (here by an earlier Drain handler), it must not resume a
    // source left without pipes, whose reads would go to no one.
    [Fact]
    public void A_pipe_unpiped_by_an_earlier_drain_handler_does_not_resume_the_source()
    {
        var p = TwoPairs.Open();
        var full = Unconnected(p.Loop, p.Client2.WritableHighWaterMark);
        bool drained = false;
        full.Drain += _ =>
        {
            p.Peer.Unpipe(full);
            drained = true;
        };
        p.Peer.Pipe(full);
        Assert.True(p.Peer.IsPaused);
        p.Server2.Connection += s => s.Resume(); // drops what full sends: unread bytes would hold its end
        full.Connect(p.Server2.Port, "127.0.0.1"); // what it holds is sent once connected: Drain
        LoopDriver.RunUntil(p.Loop, () => drained);
        Assert.True(p.Peer.IsPaused);
        full.Destroy();
        p.Close();
    }

    // Node's writableNeedDrain is false once the destination is destroyed: a pipe to a destination destroyed while full
    // must not pause the source for a Drain that will never come (nor a Closed that already came).
    [Fact]
    public void Piping_to_a_destination_destroyed_while_full_does_not_hold_the_source_paused()
    {
        var p = TwoPairs.Open();
        var full = Unconnected(p.Loop, p.Client2.WritableHighWaterMark);
        bool closed = false;
        full.Closed += (_, _) => closed = true;
        full.Destroy();
        LoopDriver.RunUntil(p.Loop, () => closed);
        var got = NetTestKit.Collect(p.Peer);
        p.Peer.Pipe(full);
        Assert.False(p.Peer.IsPaused);
        p.Client.Write("read");
        LoopDriver.RunUntil(p.Loop, () => got.ToString() == "read", seconds: 5);
        p.Close();
    }

    // Node's pipe: a source whose end was already emitted ends the destination on the next tick.
    [Fact]
    public void Piping_a_source_whose_peer_already_ended_ends_the_destination()
    {
        var p = TwoPairs.Open(sourceOptions: new ServerOptions { AllowHalfOpen = true });
        p.Client.End();
        LoopDriver.RunUntil(p.Loop, () => p.Peer.ReadableEnded);
        p.Peer.Pipe(p.Client2);
        LoopDriver.RunUntil(p.Loop, () => p.Client2.WritableEnded, seconds: 5);
        p.Close();
    }

    [Fact]
    public void Pipe_refuses_another_loops_socket_and_a_second_pipe_to_the_same_destination()
    {
        var loop = new Loop();
        var other = new Loop();
        var a = new Socket(loop);
        var b = new Socket(loop);
        Assert.Throws<ArgumentException>(() => a.Pipe(new Socket(other)));
        a.Pipe(b);
        Assert.Throws<InvalidOperationException>(() => a.Pipe(b));
        a.Unpipe();
        LoopDriver.CloseLoop(loop);
        LoopDriver.CloseLoop(other);
    }
}

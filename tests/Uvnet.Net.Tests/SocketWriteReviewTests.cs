namespace Uvnet.Net.Tests;

/// <summary>
/// Findings of a review of the write and state contracts (Cork, DestroySoon, ResetAndDestroy, End's callback, Drain):
/// events raised once and in Node's order, callbacks never lost, in every state and from inside handlers.
/// </summary>
public class SocketWriteReviewTests
{
    // Node's afterWrite raises 'drain' only while the stream is neither ending nor destroyed, and writableNeedDrain
    // is false once it ends: a writer cannot write after end, so a Drain telling it to write on is wrong.
    [Fact]
    public void Drain_is_not_raised_once_the_socket_has_ended()
    {
        var loop = new Loop();
        var (server, client, _) = NetTestKit.ConnectedPair(loop);
        var log = new List<string>();
        client.Drain += _ => log.Add("drain");
        client.Finish += _ => log.Add("finish");
        Assert.False(client.Write(new byte[client.WritableHighWaterMark], _ => log.Add("written")));
        client.End();
        Assert.False(client.WritableNeedDrain); // Node's writableNeedDrain: false once ending
        LoopDriver.RunUntil(loop, () => log.Contains("finish"));
        LoopDriver.RunFor(loop, 20);
        Assert.Equal(["written", "finish"], log);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void WritableNeedDrain_is_false_once_destroyed()
    {
        var loop = new Loop();
        var (server, client, _) = NetTestKit.ConnectedPair(loop);
        Assert.False(client.Write(new byte[client.WritableHighWaterMark]));
        client.Destroy();
        Assert.False(client.WritableNeedDrain); // Node's writableNeedDrain: false once destroyed
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    // Node's end(cb) on a stream already ending queues cb for 'finish' (writable.js end: kOnFinished).
    [Fact]
    public void End_callback_given_to_a_second_End_runs_after_Finish()
    {
        var loop = new Loop();
        var (server, client, _) = NetTestKit.ConnectedPair(loop);
        var log = new List<string>();
        client.Finish += _ => log.Add("finish");
        client.End(() => log.Add("first"));
        client.End(() => log.Add("second"));
        LoopDriver.RunUntil(loop, () => log.Count == 3);
        Assert.Equal(["finish", "first", "second"], log);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void End_callback_given_after_Finish_runs_on_a_later_turn()
    {
        var loop = new Loop();
        var (server, client, _) = NetTestKit.ConnectedPair(loop);
        client.End();
        LoopDriver.RunUntil(loop, () => client.WritableFinished);
        bool ran = false;
        client.End(() => ran = true);
        Assert.False(ran); // never inside the call
        LoopDriver.RunUntil(loop, () => ran);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    // Node's end(data) on an ended stream writes, which is a write after end: the socket is destroyed with the error.
    [Fact]
    public void End_with_data_on_an_ended_socket_is_a_write_after_end()
    {
        var loop = new Loop();
        var (server, client, _) = NetTestKit.ConnectedPair(loop);
        var log = new List<string>();
        client.Error += (_, e) => log.Add($"error {e.Code}");
        client.Closed += (_, hadError) => log.Add($"close {hadError}");
        client.End();
        client.End("late");
        Assert.True(client.Destroyed);
        LoopDriver.RunUntil(loop, () => log.Contains("close True"));
        Assert.Equal(["error ERR_STREAM_WRITE_AFTER_END", "close True"], log);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    // A write the kernel refuses (the peer reset) fails the handle's later writes with EPIPE at once; the socket's
    // error must still be the cause, as Node's (the failed write's ECONNRESET), and Write must not return true for a
    // socket it destroyed.
    [Fact]
    public void A_write_in_the_same_turn_as_one_the_reset_failed_reports_the_reset_not_EPIPE()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        var log = new List<string>();
        client.Error += (_, e) => log.Add($"error {e.Code}");
        client.Closed += (_, hadError) => log.Add($"close {hadError}");
        client.Pause(); // the reset must surface through the writes, not a read
        bool peerClosed = false;
        peer.Closed += (_, _) => peerClosed = true;
        peer.ResetAndDestroy();
        LoopDriver.RunUntil(loop, () => peerClosed);
        client.Write("a", e => log.Add($"a {e?.Code}"));
        bool second = client.Write("b", e => log.Add($"b {e?.Code}"));
        Assert.False(second && client.Destroyed); // never true for a socket the call destroyed
        LoopDriver.RunUntil(loop, () => log.Contains("close True"));
        Assert.Equal(["a ECONNRESET", "b ECONNRESET", "error ECONNRESET", "close True"], log); // b: the cause, as Node's errorBuffer
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    // The class's contract for a throwing callback: what follows still comes. A write after end's callback runs
    // first at the close; one that throws must not cost the writes held while connecting their callbacks (a
    // WriteAsync would wait forever), nor the socket its Error.
    [Fact]
    public void A_throwing_write_after_end_callback_still_fails_the_held_writes_and_raises_Error()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop);
        var client = new Socket(loop);
        var log = new List<string>();
        client.Error += (_, e) => log.Add($"error {e.Code}");
        client.Closed += (_, hadError) => log.Add($"close {hadError}");
        client.Connect(server.Port, "127.0.0.1");
        client.Write("held", e => log.Add($"held {e?.Code}"));
        client.End();
        client.Write("late", _ => throw new CallbackException());
        Assert.Throws<CallbackException>(() => LoopDriver.RunUntil(loop, () => false, seconds: 5));
        LoopDriver.RunUntil(loop, () => log.Contains("close True"));
        Assert.Equal(["held ERR_SOCKET_CLOSED_BEFORE_CONNECTION", "error ERR_STREAM_WRITE_AFTER_END", "close True"], log);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    // Node's pipe cleanup: a destination unpiped while the source waits for its drain calls ondrain, so the source
    // flows on to the others. Needed the more now that an ended destination raises no Drain.
    [Fact]
    public void Unpiping_the_destination_the_source_waits_for_lets_it_flow_to_the_others()
    {
        var loop = new Loop();
        var (sourceServer, writer, source) = NetTestKit.ConnectedPair(loop);
        var (fullServer, full, fullPeer) = NetTestKit.ConnectedPair(loop);
        var (openServer, open, openPeer) = NetTestKit.ConnectedPair(loop);
        fullPeer.Pause(); // never reads: the pipe to it backs up
        long received = 0;
        openPeer.Data += (_, d) => received += d.Length;
        source.Pipe(full);
        source.Pipe(open);
        const int Total = 32 * 1024 * 1024;
        writer.Write(new byte[Total]);
        LoopDriver.RunUntil(loop, () => source.IsPaused && full.WritableNeedDrain && !open.WritableNeedDrain); // only the full one holds it
        source.Unpipe(full);
        LoopDriver.RunUntil(loop, () => received == Total);
        foreach (var socket in new[] { writer, source, full, fullPeer, open, openPeer })
            socket.Destroy();
        sourceServer.Close();
        fullServer.Close();
        openServer.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Destroy_while_a_corked_batch_is_in_flight_fails_each_of_its_callbacks_once()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        peer.Pause(); // the kernel's buffers fill: the batch stays queued on the handle
        var results = new List<string>();
        client.Cork();
        for (int i = 0; i < 3; i++)
        {
            int n = i;
            client.Write(new byte[8 * 1024 * 1024], e => results.Add($"{n} {e?.Code}"));
        }
        client.Uncork();
        LoopDriver.RunUntil(loop, () => client.BytesSent > 0);
        Assert.True(client.WritableLength > 0);
        client.Destroy();
        bool closed = false;
        client.Closed += (_, _) => closed = true;
        LoopDriver.RunUntil(loop, () => closed);
        LoopDriver.RunFor(loop, 20);
        Assert.Equal(["0 ECANCELED", "1 ECANCELED", "2 ECANCELED"], results);
        Assert.Equal(0, client.WritableLength);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void ResetAndDestroy_of_a_socket_ending_with_writes_queued_resets_and_closes_once_without_Finish()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        peer.Pause();
        int fd = client.Handle!.FileDescriptor;
        string inode = SocketDescriptors.Identify(fd);
        var log = new List<string>();
        client.Finish += _ => log.Add("finish");
        client.Error += (_, e) => log.Add($"error {e.Code}");
        client.Closed += (_, hadError) => log.Add($"close {hadError}");
        client.Write(new byte[8 * 1024 * 1024], e => log.Add($"write {e?.Code}"));
        client.End();
        client.ResetAndDestroy();
        LoopDriver.RunUntil(loop, () => log.Contains("close False"));
        LoopDriver.RunFor(loop, 20);
        Assert.Equal(["write ECANCELED", "close False"], log);
        Assert.False(SocketDescriptors.IsOpen(inode));
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void ResetAndDestroy_of_an_accepted_socket_resets_the_client()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        NetException? clientError = null;
        client.Error += (_, e) => clientError = e;
        bool peerClosed = false;
        peer.Closed += (_, hadError) => peerClosed = !hadError;
        peer.ResetAndDestroy();
        LoopDriver.RunUntil(loop, () => clientError is not null && peerClosed);
        Assert.Equal("ECONNRESET", clientError!.Code);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void DestroySoon_inside_a_Drain_handler_flushes_then_closes_once()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        long received = 0;
        peer.Data += (_, d) => received += d.Length;
        var log = new List<string>();
        client.Drain += s =>
        {
            log.Add("drain");
            s.Write("tail");
            s.DestroySoon();
        };
        client.Finish += _ => log.Add("finish");
        client.Closed += (_, hadError) => log.Add($"close {hadError}");
        Assert.False(client.Write(new byte[client.WritableHighWaterMark]));
        LoopDriver.RunUntil(loop, () => log.Contains("close False") && received == client.WritableHighWaterMark + 4);
        Assert.Equal(["drain", "finish", "close False"], log);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Uncork_and_End_inside_a_corked_write_callback_send_what_was_corked_since()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        var got = NetTestKit.Collect(peer);
        bool peerEnded = false;
        peer.Ended += _ => peerEnded = true;
        var log = new List<string>();
        client.Cork();
        client.Write("a", _ =>
        {
            log.Add("a");
            client.Cork();
            client.Write("c", e => log.Add($"c {e?.Code}"));
            client.End("d");
        });
        client.Write("b", e => log.Add($"b {e?.Code}"));
        client.Uncork();
        LoopDriver.RunUntil(loop, () => peerEnded);
        Assert.Equal("abcd", got.ToString());
        Assert.Equal(["a", "b ", "c "], log);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }
}

using System.Text;

namespace Uvnet.Net.Tests;

/// <summary>
/// The write side as Node counts it: cork/uncork, backpressure on what the kernel has not taken, bytesWritten, write
/// after end, End(string), and the error codes of writes a destroy cuts. After Node's test-net-socket-byteswritten,
/// test-net-connect-buffer, test-net-write-after-end-nt, test-net-socket-destroy-send and test-stream-writable-cork.
/// </summary>
public class SocketWriteContractTests
{
    [Fact]
    public void Cork_holds_writes_until_uncork_which_sends_them_all_at_once()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        var got = NetTestKit.Collect(peer);
        var callbacks = new List<string>();
        client.Cork();
        Assert.Equal(1, client.WritableCorked);
        client.Write("one", e => callbacks.Add($"one {e?.Code}"));
        client.Write("two", e => callbacks.Add($"two {e?.Code}"));
        Assert.Equal(6, client.WritableLength);
        Assert.Equal(6, client.BytesWritten);
        LoopDriver.RunFor(loop, 20);
        Assert.Equal(0, client.BytesSent); // held
        Assert.Empty(callbacks);

        client.Uncork();
        Assert.Equal(6, client.BytesSent); // sent inside Uncork, together
        Assert.Equal(0, client.WritableLength);
        LoopDriver.RunUntil(loop, () => got.ToString() == "onetwo" && callbacks.Count == 2);
        Assert.Equal(["one ", "two "], callbacks); // in order, after the uncork
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void SendFile_while_corked_sends_what_the_cork_holds_first()
    {
        if (!OperatingSystem.IsLinux())
            return; // sendfile is Linux-only
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "file");
            var loop = new Loop();
            var (server, client, peer) = NetTestKit.ConnectedPair(loop);
            var got = NetTestKit.Collect(peer);
            using var file = File.OpenHandle(path);
            client.Cork();
            client.Write("held ");
            Assert.Throws<ArgumentOutOfRangeException>(() => client.SendFile(file, -1, 4));
            Assert.Equal(0, client.BytesSent); // a refused call sent nothing
            client.SendFile(file, 0, 4);
            client.Write(" after");
            client.Uncork();
            LoopDriver.RunUntil(loop, () => got.ToString() == "held file after");
            client.Destroy();
            server.Close();
            LoopDriver.CloseLoop(loop);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_throwing_callback_of_a_corked_write_leaves_the_others_theirs_and_Drain()
    {
        var loop = new Loop();
        var (server, client, _) = NetTestKit.ConnectedPair(loop);
        var log = new List<string>();
        client.Drain += _ => log.Add("drain");
        client.Cork();
        client.Write(new byte[10_000], _ => throw new CallbackException());
        Assert.False(client.Write(new byte[10_000], _ => log.Add("second")));
        client.Uncork();
        Assert.Throws<CallbackException>(() => LoopDriver.RunUntil(loop, () => false, seconds: 5));
        Assert.Equal(["second", "drain"], log);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Nested_corks_send_only_at_the_last_uncork_and_an_extra_uncork_does_nothing()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        var got = NetTestKit.Collect(peer);
        client.Cork();
        client.Cork();
        client.Write("a");
        client.Uncork();
        Assert.Equal(1, client.WritableCorked);
        Assert.Equal(0, client.BytesSent);
        client.Uncork();
        client.Uncork(); // as Node: no cork left, nothing to do
        Assert.Equal(0, client.WritableCorked);
        Assert.Equal(1, client.BytesSent);
        LoopDriver.RunUntil(loop, () => got.ToString() == "a");
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void End_while_corked_still_sends_the_held_writes_before_the_FIN()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        var got = NetTestKit.Collect(peer);
        bool peerEnded = false, finished = false;
        peer.Ended += _ => peerEnded = true;
        client.Cork();
        client.Cork();
        client.Write("held ");
        client.End("last", () => finished = true);
        Assert.Equal(0, client.WritableCorked);
        LoopDriver.RunUntil(loop, () => peerEnded && finished);
        Assert.Equal("held last", got.ToString());
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Destroy_while_corked_fails_the_held_writes_with_ERR_STREAM_DESTROYED()
    {
        var loop = new Loop();
        var (server, client, _) = NetTestKit.ConnectedPair(loop);
        var log = new List<string>();
        client.Cork();
        client.Write("x", e => log.Add($"write {e?.Code}"));
        client.Closed += (_, hadError) => log.Add($"close {hadError}");
        client.Destroy();
        LoopDriver.RunUntil(loop, () => log.Count == 2);
        Assert.Equal(["write ERR_STREAM_DESTROYED", "close False"], log);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    // Node's test-net-socket-byteswritten: cork while connecting, a string and a buffer, uncork.
    [Fact]
    public void BytesWritten_counts_corked_writes_made_while_connecting_once()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop, s => s.End());
        var client = new Socket(loop);
        var seen = new List<long>();
        client.Connect(server.Port, "127.0.0.1");
        client.Cork();
        client.Write("one");
        client.Write(Encoding.UTF8.GetBytes("twø"));
        client.Uncork();
        Assert.Equal(3 + 4, client.BytesWritten);
        client.Connected += s => seen.Add(s.BytesWritten);
        client.Ended += s => seen.Add(s.BytesWritten);
        LoopDriver.RunUntil(loop, () => seen.Count == 2);
        Assert.Equal([7L, 7L], seen);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    // Node's test-net-connect-buffer and test-net-connect-buffer2: a write while connecting counts its UTF-8 bytes
    // once; with a high-water mark of 0 it returns false; the end's data follows it; pending until connected, and
    // again once closed.
    [Fact]
    public void Write_while_connecting_counts_its_bytes_once_and_end_data_follows()
    {
        var loop = new Loop();
        var received = new StringBuilder();
        bool serverEnded = false;
        var server = NetTestKit.ListeningServer(loop, s =>
        {
            s.Data += (_, d) => received.Append(Encoding.UTF8.GetString(d));
            s.Ended += _ => serverEnded = true;
        });
        var client = new Socket(loop, new SocketOptions { WritableHighWaterMark = 0 });
        bool connected = false, written = false;
        bool? pendingAtClose = null;
        Assert.True(client.Pending);
        client.Connect(server.Port, "127.0.0.1", () => connected = true);
        Assert.True(client.Pending);
        Assert.True(client.Connecting);
        Assert.Equal(SocketReadyState.Opening, client.ReadyState);
        bool result = client.Write("L'État, c'est ", _ =>
        {
            Assert.True(connected);
            Assert.Equal(Encoding.UTF8.GetByteCount("L'État, c'est moi"), client.BytesWritten);
            Assert.False(client.Pending);
            written = true;
        });
        client.Closed += (s, _) => pendingAtClose = s.Pending;
        Assert.Equal(Encoding.UTF8.GetByteCount("L'État, c'est "), client.BytesWritten);
        Assert.False(result);
        client.End("moi");
        Assert.Equal(SocketReadyState.Opening, client.ReadyState);
        LoopDriver.RunUntil(loop, () => serverEnded && written);
        Assert.Equal("L'État, c'est moi", received.ToString());
        Assert.Equal(Encoding.UTF8.GetByteCount("L'État, c'est moi"), client.BytesWritten);
        client.Destroy();
        LoopDriver.RunUntil(loop, () => pendingAtClose is not null);
        Assert.True(pendingAtClose);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Writes_the_kernel_takes_at_once_never_return_false_however_many_a_loop_turn_makes()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        long received = 0;
        peer.Data += (_, d) => received += d.Length;
        var chunk = new byte[1024];
        var refused = new List<int>();
        for (int i = 0; i < 48; i++)
        {
            long unsent = client.BytesWritten - client.BytesSent; // queued, not taken by the kernel
            // Only the bytes still queued, this write's included, reaching the mark may make it return false.
            if (!client.Write(chunk) && unsent + chunk.Length < client.WritableHighWaterMark)
                refused.Add(i);
        }
        Assert.True(client.BytesSent > client.WritableHighWaterMark, "the kernel took more than the mark in one turn");
        Assert.Empty(refused);
        Assert.False(client.WritableNeedDrain);
        Assert.Equal(0, client.WritableLength);
        LoopDriver.RunUntil(loop, () => received == 48 * 1024);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void A_single_write_of_the_high_water_mark_returns_false_as_Node_and_Drain_follows_once()
    {
        var loop = new Loop();
        var (server, client, _) = NetTestKit.ConnectedPair(loop);
        int drains = 0;
        bool called = false;
        client.Drain += s =>
        {
            Assert.True(called); // after the write's callback, as Node's afterWrite
            drains++;
        };
        Assert.False(client.Write(new byte[client.WritableHighWaterMark], _ => called = true));
        Assert.True(client.WritableNeedDrain);
        LoopDriver.RunUntil(loop, () => drains == 1);
        LoopDriver.RunFor(loop, 20);
        Assert.Equal(1, drains);
        Assert.True(client.Write(new byte[10]));
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    // Node's test-net-write-fully-async-buffer (20 rounds rather than 200): write until false, again on each Drain.
    [Fact]
    public void Writing_until_false_and_again_on_each_Drain_delivers_everything()
    {
        var loop = new Loop();
        long received = 0;
        bool peerEnded = false;
        var server = NetTestKit.ListeningServer(loop, s =>
        {
            s.Data += (_, d) => received += d.Length;
            s.Ended += _ => peerEnded = true;
        });
        var client = new Socket(loop);
        var data = new byte[1_000_000];
        int rounds = 0;
        void WriteLoop(Socket s)
        {
            if (rounds++ == 20)
            {
                s.End();
                return;
            }
            while (s.Write(data.ToArray()))
            {
            }
        }
        client.Drain += WriteLoop;
        client.Connect(server.Port, "127.0.0.1", () => WriteLoop(client));
        LoopDriver.RunUntil(loop, () => peerEnded);
        Assert.Equal(21, rounds);
        Assert.Equal(client.BytesWritten, received);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Drain_waits_for_the_last_callback_of_writes_that_completed_together()
    {
        var loop = new Loop();
        var (server, client, _) = NetTestKit.ConnectedPair(loop);
        var log = new List<string>();
        client.Drain += _ => log.Add("drain");
        client.Cork();
        client.Write(new byte[10_000], _ => log.Add("first"));
        Assert.False(client.Write(new byte[10_000], _ => log.Add("second")));
        client.Uncork();
        LoopDriver.RunUntil(loop, () => log.Contains("drain"));
        Assert.Equal(["first", "second", "drain"], log);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Write_after_end_destroys_at_once_and_calls_back_before_Error_and_Closed()
    {
        var loop = new Loop();
        var (server, client, _) = NetTestKit.ConnectedPair(loop);
        var log = new List<string>();
        client.Error += (_, e) => log.Add($"error {e.Code} {e.Message}");
        client.Closed += (_, hadError) => log.Add($"close {hadError}");
        client.End();
        Assert.False(client.Write("late", e => log.Add($"callback {e?.Code}")));
        Assert.True(client.Destroyed); // as Node's errorOrDestroy: at once
        Assert.Empty(log); // but nothing raised inside the call
        LoopDriver.RunUntil(loop, () => log.Contains("close True"));
        Assert.Equal(["callback ERR_STREAM_WRITE_AFTER_END", "error ERR_STREAM_WRITE_AFTER_END write after end (ERR_STREAM_WRITE_AFTER_END)", "close True"], log);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    // Node's test-net-write-after-end-nt: once the peer's end has ended our side too, the error is EPIPE.
    [Fact]
    public void Write_after_the_peer_ended_a_socket_that_is_not_half_open_is_EPIPE_raised_after_the_call()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop, s => s.End());
        var client = new Socket(loop);
        var log = new List<string>();
        client.Error += (_, e) => log.Add($"error {e.Code}");
        client.Closed += (_, hadError) => log.Add($"close {hadError}");
        client.Ended += s =>
        {
            bool result = s.Write("hello", e => log.Add($"callback {e?.Code} {e?.Message}"));
            Assert.False(result);
            Assert.Empty(log); // the error comes after the call
        };
        client.Connect(server.Port, "127.0.0.1", () => client.End());
        LoopDriver.RunUntil(loop, () => log.Contains("close True"));
        Assert.Equal(["callback EPIPE This socket has been ended by the other party (EPIPE)", "error EPIPE", "close True"], log);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Write_cut_by_a_destroy_before_the_connection_gets_ERR_SOCKET_CLOSED_BEFORE_CONNECTION()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop);
        var client = new Socket(loop);
        var log = new List<string>();
        client.Closed += (_, hadError) => log.Add($"close {hadError}");
        client.Connect(server.Port, "127.0.0.1");
        client.Write("early", e => log.Add($"write {e?.Code} {e?.Message}"));
        client.Destroy();
        LoopDriver.RunUntil(loop, () => log.Count == 2);
        Assert.Equal(["write ERR_SOCKET_CLOSED_BEFORE_CONNECTION Socket closed before the connection was established (ERR_SOCKET_CLOSED_BEFORE_CONNECTION)", "close False"], log);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void End_with_text_writes_it_encoded_then_ends()
    {
        var loop = new Loop();
        var received = new List<byte>();
        bool ended = false;
        var server = NetTestKit.ListeningServer(loop, s =>
        {
            s.Data += (_, d) => received.AddRange(d.ToArray());
            s.Ended += _ => ended = true;
        });
        var client = new Socket(loop);
        client.Connect(server.Port, "127.0.0.1", () => client.End("État", Encoding.Latin1));
        LoopDriver.RunUntil(loop, () => ended);
        Assert.Equal(Encoding.Latin1.GetBytes("État"), received.ToArray());

        var second = new Socket(loop);
        ended = false;
        received.Clear();
        bool finished = false;
        second.Connect(server.Port, "127.0.0.1", () => second.End("État", () => finished = true));
        LoopDriver.RunUntil(loop, () => ended && finished);
        Assert.Equal(Encoding.UTF8.GetBytes("État"), received.ToArray());
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    // Node's test-net-socket-end-callback: end(cb), end(data, cb), end(data, encoding, cb) each run the callback.
    [Fact]
    public void End_runs_its_callback_in_each_form()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop, s => s.Resume());
        int called = 0;
        var forms = new Action<Socket>[]
        {
            s => s.End(() => called++),
            s => s.End("foo", () => called++),
            s => s.End("foo", Encoding.UTF8, () => called++),
        };
        foreach (var end in forms)
        {
            var client = new Socket(loop);
            client.Connect(server.Port, "127.0.0.1", () => end(client));
        }
        LoopDriver.RunUntil(loop, () => called == 3);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    // Node's test-net-sync-cork: cork, two writes, uncork, a hundred times in one turn: never backpressure.
    [Fact]
    public void Corked_pairs_of_small_writes_in_one_turn_never_return_false()
    {
        var loop = new Loop();
        bool peerClosed = false;
        NetException? peerError = null;
        var server = NetTestKit.ListeningServer(loop, s =>
        {
            s.Resume(); // as test-net-sync-cork's handle(): unread bytes would hold the end that closes it
            s.Error += (_, e) => peerError = e;
            s.Closed += (_, _) => peerClosed = true;
        });
        var client = new Socket(loop);
        int rounds = 0;
        client.Connect(server.Port, "127.0.0.1", () =>
        {
            var buffer = new byte[] { (byte)'a', (byte)'a' };
            bool result = true;
            for (; rounds < 100 && result; rounds++)
            {
                client.Cork();
                client.Write(buffer);
                result = client.Write(buffer);
                client.Uncork();
            }
            client.End();
        });
        LoopDriver.RunUntil(loop, () => peerClosed);
        Assert.Equal(100, rounds);
        Assert.Null(peerError);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void End_with_null_text_or_encoding_throws_and_leaves_the_socket_writable()
    {
        var loop = new Loop();
        var (server, client, _) = NetTestKit.ConnectedPair(loop);
        Assert.Throws<ArgumentNullException>(() => client.End((string)null!));
        Assert.Throws<ArgumentNullException>(() => client.End("x", (Encoding)null!));
        Assert.Throws<ArgumentNullException>(() => client.End((Action)null!));
        Assert.True(client.Writable);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }
}

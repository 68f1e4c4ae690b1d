using System.Text;

namespace Uvnet.Net.Tests;

/// <summary>
/// Bytes that arrive while nobody consumes them (no Data or Text handler, no pipe, no ReadAsync yet) are kept, as
/// Node's paused mode buffers them until a 'data' listener or read() comes: for a late ReadAsync, or for the first
/// Data handler; reading stops past 64 KiB kept, and the peer's end waits behind them. After Node's
/// test-net-socket-readable-ended-after-data (read() after the data), test-stream-readable-flow-recursion and
/// test-net-sync-cork (socket.resume() to drop what is read).
/// </summary>
public class SocketPausedModeTests
{
    private const int KeptBound = 64 * 1024;

    /// <summary>Awaits loop turns (one Task.Yield each, under the loop's context) until <paramref name="condition"/> holds.</summary>
    private static async Task Until(Func<bool> condition)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition never held");
            await Task.Yield();
        }
    }

    [Fact]
    public void Thread_pool_client_whose_reply_arrives_before_its_ReadAsync_gets_every_byte_then_0()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop, s => s.Data += (peer, _) => peer.End("the whole reply"u8.ToArray()));
        var client = new Socket(loop);
        int loopThread = Environment.CurrentManagedThreadId;
        async Task<(string, int)> Talk()
        {
            await client.ConnectAsync(server.Port, "127.0.0.1").ConfigureAwait(false);
            await client.WriteAsync("request"u8.ToArray()).ConfigureAwait(false);
            // On to the thread pool (the loop runs on) once the reply and the server's end reached the client, unread.
            await Task.Run(() => Assert.True(SpinWait.SpinUntil(
                () => client.BytesRead == 15 && client.ReadyState != SocketReadyState.Open, TimeSpan.FromSeconds(20)))).ConfigureAwait(false);
            Assert.NotEqual(loopThread, Environment.CurrentManagedThreadId);
            var buffer = new byte[64];
            int n = await client.ReadAsync(buffer).ConfigureAwait(false);
            return (Encoding.ASCII.GetString(buffer, 0, n), await client.ReadAsync(buffer).ConfigureAwait(false));
        }
        Assert.Equal(("the whole reply", 0), loop.RunUntil(Talk().WaitAsync(TimeSpan.FromSeconds(20))));
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Server_connection_whose_listener_awaits_before_reading_gets_every_byte()
    {
        var loop = new Loop();
        Task<string>? served = null;
        async Task<string> Serve(Socket s)
        {
            await Task.Yield();
            await Until(() => s.BytesRead == 5); // the bytes were read while nobody consumed them
            var buffer = new byte[16];
            int n = await s.ReadAsync(buffer);
            return Encoding.ASCII.GetString(buffer, 0, n);
        }
        var server = NetTestKit.ListeningServer(loop, s => served = Serve(s));
        var client = new Socket(loop);
        client.Connect(server.Port, "127.0.0.1", () => client.Write("hello"u8.ToArray()));
        LoopDriver.RunUntil(loop, () => served is not null);
        Assert.Equal("hello", loop.RunUntil(served!.WaitAsync(TimeSpan.FromSeconds(20))));
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Bytes_nobody_reads_stop_reading_past_64_KiB_and_a_late_ReadAsync_gets_them_all_in_order()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        const int Total = 1024 * 1024;
        var sent = new byte[Total];
        for (int i = 0; i < Total; i++)
            sent[i] = (byte)(i % 251);
        peer.End(sent);
        LoopDriver.RunUntil(loop, () => client.BytesRead >= KeptBound);
        Assert.False(client.Handle!.IsReading); // paused: the rest stays in the kernel, and TCP throttles the peer
        Assert.True(client.BytesRead < Total);
        async Task<byte[]> ReadAll()
        {
            var received = new MemoryStream();
            var buffer = new byte[16 * 1024];
            int n;
            while ((n = await client.ReadAsync(buffer)) > 0)
                received.Write(buffer, 0, n);
            return received.ToArray();
        }
        Assert.Equal(sent, loop.RunUntil(ReadAll));
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void The_peers_end_is_held_behind_kept_bytes_and_a_late_ReadAsync_returns_them_then_0()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        var log = new List<string>();
        client.Ended += _ => log.Add("end");
        client.Closed += (_, _) => log.Add("close");
        peer.End("bye"u8.ToArray());
        LoopDriver.RunUntil(loop, () => client.ReadyState == SocketReadyState.WriteOnly); // the end was read
        LoopDriver.RunFor(loop, 20);
        Assert.Empty(log); // as Node: no 'end' while data is unread, so the socket stays open
        async Task<(string, int)> Read()
        {
            var buffer = new byte[16];
            int n = await client.ReadAsync(buffer);
            log.Add("read");
            return (Encoding.ASCII.GetString(buffer, 0, n), await client.ReadAsync(buffer));
        }
        Assert.Equal(("bye", 0), loop.RunUntil(Read));
        LoopDriver.RunUntil(loop, () => log.Contains("close"));
        Assert.Equal(["read", "end", "close"], log); // then the end closes it (allowHalfOpen off)
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void A_Data_handler_added_late_gets_the_kept_bytes_first_then_the_rest_then_the_end()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop, new ServerOptions { AllowHalfOpen = true });
        peer.Write("first "u8.ToArray());
        LoopDriver.RunUntil(loop, () => client.BytesRead == 6);
        var log = new List<string>();
        client.Data += (_, data) => log.Add(Encoding.ASCII.GetString(data));
        client.Ended += _ => log.Add("end");
        Assert.Empty(log); // not inside the subscription: from a loop callback
        peer.End("second"u8.ToArray());
        LoopDriver.RunUntil(loop, () => log.Contains("end"));
        Assert.Equal("first second", string.Concat(log.Where(e => e != "end")));
        Assert.Equal("end", log[^1]);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void A_Data_handler_added_after_the_end_was_read_gets_the_bytes_then_the_end()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        var log = new List<string>();
        client.Ended += _ => log.Add("end");
        peer.End("all of it"u8.ToArray());
        LoopDriver.RunUntil(loop, () => client.ReadyState == SocketReadyState.WriteOnly);
        client.Text += (_, text) => log.Add(text);
        LoopDriver.RunUntil(loop, () => client.Destroyed);
        Assert.Equal(["all of it", "end"], log);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Resume_without_handlers_drops_what_was_kept_and_what_comes_so_the_end_arrives()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        bool ended = false;
        client.Ended += _ => ended = true;
        peer.End(new byte[KeptBound * 4]);
        LoopDriver.RunUntil(loop, () => client.BytesRead >= KeptBound);
        client.Resume(); // Node's socket.resume(): flowing, with nobody to take the bytes
        LoopDriver.RunUntil(loop, () => ended);
        Assert.Equal(KeptBound * 4, client.BytesRead);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void A_paused_socket_keeps_its_bytes_from_a_late_Data_handler_until_Resume()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop, new ServerOptions { AllowHalfOpen = true });
        peer.Write("held"u8.ToArray());
        LoopDriver.RunUntil(loop, () => client.BytesRead == 4);
        client.Pause();
        var text = new StringBuilder();
        client.Data += (_, data) => text.Append(Encoding.ASCII.GetString(data));
        LoopDriver.RunFor(loop, 20);
        Assert.Equal("", text.ToString()); // as Node: an explicitly paused stream does not flow when 'data' is added
        client.Resume();
        LoopDriver.RunUntil(loop, () => text.Length == 4);
        Assert.Equal("held", text.ToString());
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void A_second_Data_handler_does_not_replay_bytes_kept_for_the_async_reader_to_the_first()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop, new ServerOptions { AllowHalfOpen = true });
        var first = new StringBuilder();
        client.Data += (_, data) => first.Append(Encoding.ASCII.GetString(data));
        async Task<string> Read()
        {
            var buffer = new byte[16];
            loop.Post(() => peer.Write("one"u8.ToArray()));
            int n = await client.ReadAsync(buffer);
            loop.Post(() => peer.Write("two"u8.ToArray()));
            await Until(() => first.Length == 6); // "two" is kept for the reader: the first handler has seen it
            client.Data += (_, _) => { };
            await Until(() => client.BytesRead == 6);
            await Task.Yield(); // a turn for anything the subscription posted
            n += await client.ReadAsync(buffer.AsMemory(n));
            return Encoding.ASCII.GetString(buffer, 0, n);
        }
        Assert.Equal("onetwo", loop.RunUntil(Read));
        Assert.Equal("onetwo", first.ToString());
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void A_late_Data_handler_that_throws_on_the_kept_bytes_leaves_reading_resumed_and_the_end_still_comes()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        peer.End(new byte[KeptBound * 4]);
        LoopDriver.RunUntil(loop, () => client.BytesRead >= KeptBound); // kept, reading paused, the end unread
        long handed = 0;
        client.Data += (_, data) =>
        {
            handed += data.Length;
            if (handed == data.Length)
                throw new CallbackException(); // on the kept bytes
        };
        bool ended = false;
        client.Ended += _ => ended = true;
        Assert.Throws<CallbackException>(() => LoopDriver.RunUntil(loop, () => false, seconds: 5));
        LoopDriver.RunUntil(loop, () => ended && client.Destroyed);
        Assert.Equal(KeptBound * 4, handed);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void A_one_shot_Data_handler_leaves_the_socket_flowing_so_the_end_comes()
    {
        // Node's socket.once('data', ...) then on('end', ...): the stream stays flowing once the listener is gone.
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop, new ServerOptions { AllowHalfOpen = true });
        string? first = null;
        void Once(Socket s, ReadOnlySpan<byte> data)
        {
            first = Encoding.ASCII.GetString(data);
            s.Data -= Once;
        }
        client.Data += Once;
        bool ended = false;
        client.Ended += _ => ended = true;
        peer.Write("first"u8.ToArray());
        LoopDriver.RunUntil(loop, () => first is not null);
        peer.End("dropped, as in Node"u8.ToArray());
        LoopDriver.RunUntil(loop, () => ended);
        Assert.Equal("first", first);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Bytes_kept_for_nobody_and_a_held_end_do_not_outlive_a_reconnect()
    {
        var loop = new Loop();
        var peers = new List<Socket>();
        var server = NetTestKit.ListeningServer(loop, peers.Add, new ServerOptions { AllowHalfOpen = true });
        var client = new Socket(loop);
        client.Connect(server.Port, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => peers.Count == 1);
        peers[0].End("old"u8.ToArray());
        LoopDriver.RunUntil(loop, () => client.ReadyState == SocketReadyState.WriteOnly); // kept, the end held
        bool reconnected = false;
        bool reconnecting = false;
        client.Closed += (s, _) =>
        {
            if (!reconnecting)
            {
                reconnecting = true;
                s.Connect(server.Port, "127.0.0.1", () => reconnected = true);
            }
        };
        client.Destroy();
        LoopDriver.RunUntil(loop, () => reconnected && peers.Count == 2);
        bool ended = false;
        client.Ended += _ => ended = true;
        peers[1].Write("new"u8.ToArray());
        var buffer = new byte[16];
        int n = loop.RunUntil(() => client.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal("new", Encoding.ASCII.GetString(buffer, 0, n));
        Assert.False(ended); // the last connection's held end is not raised on this one
        client.Destroy();
        peers[1].Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Destroy_inside_a_late_Data_handler_stops_the_kept_bytes_and_the_held_end()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        peer.End(new byte[KeptBound * 2]);
        LoopDriver.RunUntil(loop, () => client.BytesRead >= KeptBound);
        var log = new List<string>();
        client.Data += (s, data) =>
        {
            log.Add("data");
            s.Destroy();
        };
        client.Ended += _ => log.Add("end");
        client.Closed += (_, _) => log.Add("close");
        LoopDriver.RunUntil(loop, () => log.Contains("close"));
        LoopDriver.RunFor(loop, 20);
        Assert.Equal(["data", "close"], log);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void A_ReadAsync_started_by_a_late_Data_handler_gets_the_kept_bytes_before_the_held_end()
    {
        // The kept bytes are out of the store while the late handler has them (Emit keeps them again for a reader it
        // starts): a read begun there saw the peer's end (read) and returned 0, and the bytes came after the end.
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        peer.End("bye"u8.ToArray());
        LoopDriver.RunUntil(loop, () => client.ReadyState == SocketReadyState.WriteOnly); // the end was read, held
        var buffer = new byte[16];
        ValueTask<int> first = default;
        bool started = false;
        client.Data += (_, _) =>
        {
            if (started)
                return;
            started = true;
            first = client.ReadAsync(buffer);
        };
        LoopDriver.RunUntil(loop, () => started);
        async Task<(string, int)> Rest()
        {
            int n = await first;
            return (Encoding.ASCII.GetString(buffer, 0, n), await client.ReadAsync(buffer));
        }
        Assert.Equal(("bye", 0), loop.RunUntil(Rest().WaitAsync(TimeSpan.FromSeconds(20))));
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }
}

using System.Net;
using System.Net.Sockets;

namespace Uvnet.Tests.Udp;

/// <summary>
/// Receiving with the loop's buffers reads datagrams in batches (recvmmsg), after libuv's test-udp-mmsg.c
/// (UV_UDP_RECVMMSG: each datagram of a batch in its own chunk of the buffer, in order, with its sender).
/// </summary>
public sealed class UdpReceiveBatchTests
{
    /// <summary>Sends <paramref name="count"/> datagrams "0", "1"... to <paramref name="to"/> now, before the loop runs, so that they wait together.</summary>
    private static Socket SendAll(IPEndPoint to, int count)
    {
        var socket = new Socket(to.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(to.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Loopback : IPAddress.IPv6Loopback, 0));
        for (int i = 0; i < count; i++)
            socket.SendTo(UdpTestKit.Bytes(i.ToString()), to);
        return socket;
    }

    /// <summary>Starts receiving with the loop's buffers: each datagram's text goes to the list, then <paramref name="then"/> runs with the count.</summary>
    private static List<string> ReceiveTexts(UdpHandle handle, Action<UdpHandle, int> then)
    {
        var texts = new List<string>();
        Assert.Equal(0, handle.ReceiveStart((h, n, buffer, sender, _) =>
        {
            if (sender is null)
                return;
            texts.Add(System.Text.Encoding.ASCII.GetString(buffer.Span[..n]));
            then(h, texts.Count);
        }));
        return texts;
    }

    // libuv: udp_mmsg (two batches' worth of datagrams, each reported with its sender, then one nread 0 "nothing more").
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public void Datagrams_waiting_together_arrive_in_order_each_in_its_own_buffer(string address)
    {
        if (OperatingSystem.IsLinux() is false)
            return; // recvmmsg is Linux's: elsewhere one datagram per recvmsg, into the one buffer
        using var scope = new LoopScope();
        var server = UdpTestKit.Bound(scope.Loop, new IPEndPoint(IPAddress.Parse(address), 0));
        const int count = 25; // more than one batch of 20
        using Socket client = SendAll(server.LocalEndPoint!, count);
        var texts = new List<string>();
        var buffers = new HashSet<(object?, int)>();
        var senders = new List<IPEndPoint?>();
        Assert.Equal(0, server.ReceiveStart((_, n, buffer, sender, flags) =>
        {
            if (sender is null)
                return;
            Assert.Equal(UdpRecvFlags.None, flags);
            texts.Add(System.Text.Encoding.ASCII.GetString(buffer.Span[..n]));
            senders.Add(sender);
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray((ReadOnlyMemory<byte>)buffer, out ArraySegment<byte> segment));
            buffers.Add((segment.Array, segment.Offset));
            Assert.Equal(UdpHandle.SuggestedReceiveSize, buffer.Length);
        }));
        scope.RunUntil(() => texts.Count == count);

        Assert.Equal(Enumerable.Range(0, count).Select(i => i.ToString()), texts);
        Assert.All(senders, s => Assert.Equal(client.LocalEndPoint, s));
        // A batch gives each datagram its own 64 KiB: 20 distinct buffers, the 21st reusing the first.
        Assert.Equal(UdpHandle.ReceiveBatchSize, buffers.Count);
        server.Close();
        scope.Finish();
    }

    // After libuv's uv__udp_recvmmsg, which stops passing a batch on once recv_cb is gone: the datagrams after a stop,
    // already read, are dropped; receiving again gets what arrives next.
    [Fact]
    public void A_stop_inside_a_batch_drops_the_rest_of_it_and_a_restart_gets_new_datagrams()
    {
        if (OperatingSystem.IsLinux() is false)
            return;
        using var scope = new LoopScope();
        var server = UdpTestKit.Bound(scope.Loop);
        using Socket client = SendAll(server.LocalEndPoint!, 5);
        List<string> texts = ReceiveTexts(server, (h, _) => h.ReceiveStop());
        scope.RunUntil(() => texts.Count == 1);
        Assert.False(server.IsReceiving);

        var after = UdpTestKit.Record(server);
        client.SendTo(UdpTestKit.Bytes("later"), server.LocalEndPoint!);
        scope.RunUntil(() => after.Count == 1);

        Assert.Equal(["0"], texts);
        Assert.Equal("later", UdpTestKit.Text(after[0]));
        server.Close();
        scope.Finish();
    }

    // libuv's uv__udp_recvmmsg passes the rest of a batch to the recv_cb set when each chunk's turn comes: a callback
    // that restarts with another callback inside a batch hands the datagrams read with it to the new one (they were
    // dropped, where one recvmsg at a time, as on the other systems, would have received them).
    [Fact]
    public void A_restart_with_another_callback_inside_a_batch_hands_it_the_rest_of_the_batch()
    {
        using var scope = new LoopScope();
        var server = UdpTestKit.Bound(scope.Loop);
        using Socket client = SendAll(server.LocalEndPoint!, 3);
        var texts = new List<string>();
        UdpRecvCallback second = (_, n, buffer, sender, _) =>
        {
            if (sender is not null)
                texts.Add("second " + System.Text.Encoding.ASCII.GetString(buffer.Span[..n]));
        };
        Assert.Equal(0, server.ReceiveStart((h, n, buffer, sender, _) =>
        {
            if (sender is null)
                return;
            texts.Add("first " + System.Text.Encoding.ASCII.GetString(buffer.Span[..n]));
            h.ReceiveStop();
            Assert.Equal(0, h.ReceiveStart(second));
        }));
        scope.RunUntil(() => texts.Count >= 1);
        client.SendTo(UdpTestKit.Bytes("later"), server.LocalEndPoint!);
        scope.RunUntil(() => texts.Contains("second later"));

        Assert.Equal(["first 0", "second 1", "second 2", "second later"], texts);
        server.Close();
        scope.Finish();
    }

    // A callback that restarts with an alloc of its own inside a batch: the rest of the batch, read already, is copied
    // into that alloc's buffers, as one recvmsg at a time would have read it there (a smaller buffer takes the start,
    // flagged partial); the datagrams after it go to that alloc's buffer.
    [Fact]
    public void A_restart_with_an_alloc_inside_a_batch_hands_the_next_datagrams_to_that_alloc()
    {
        using var scope = new LoopScope();
        var server = UdpTestKit.Bound(scope.Loop);
        var own = new byte[2048];
        using Socket client = SendAll(server.LocalEndPoint!, 2);
        var texts = new List<string>();
        int allocs = 0;
        UdpRecvCallback second = (_, n, buffer, sender, _) =>
        {
            if (sender is null)
                return;
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray((ReadOnlyMemory<byte>)buffer, out ArraySegment<byte> segment));
            Assert.Same(own, segment.Array);
            texts.Add("own " + System.Text.Encoding.ASCII.GetString(buffer.Span[..n]));
        };
        Assert.Equal(0, server.ReceiveStart((h, n, buffer, sender, _) =>
        {
            if (sender is null)
                return;
            texts.Add("loop's " + System.Text.Encoding.ASCII.GetString(buffer.Span[..n]));
            h.ReceiveStop();
            Assert.Equal(0, h.ReceiveStart((_, _) => { allocs++; return own; }, second));
        }));
        scope.RunUntil(() => texts.Count == 2);

        Assert.Equal(["loop's 0", "own 1"], texts);
        Assert.True(allocs >= 1);
        server.Close();
        scope.Finish();
    }

    // As a poll callback that throws (ThrowingCallbackTests): the exception leaves Loop.Run, the handle still receives,
    // and the next run gets what arrives next; the rest of the batch the throw interrupted was read already and is
    // dropped, as after a stop.
    [Fact]
    public void A_receive_callback_that_throws_inside_a_batch_leaves_the_handle_receiving()
    {
        if (OperatingSystem.IsLinux() is false)
            return;
        using var scope = new LoopScope();
        var server = UdpTestKit.Bound(scope.Loop);
        using Socket client = SendAll(server.LocalEndPoint!, 3);
        List<string> texts = ReceiveTexts(server, (_, count) =>
        {
            if (count == 1)
                throw new CallbackException();
        });

        Assert.Throws<CallbackException>(() => scope.RunUntil(() => texts.Count == 1));
        Assert.True(server.IsReceiving);
        client.SendTo(UdpTestKit.Bytes("later"), server.LocalEndPoint!);
        scope.RunUntil(() => texts.Count == 2);

        Assert.Equal(["0", "later"], texts);
        server.Close();
        scope.Finish();
    }

    // The rest of a batch copied into a restarted alloc's buffer that is too small: its start, flagged partial, as
    // recvmsg into that buffer reports a datagram cut short (libuv: udp_recv_in_a_tiny_buffer).
    [Fact]
    public void A_restart_with_a_small_alloc_inside_a_batch_gets_the_start_of_the_next_datagram_flagged_partial()
    {
        using var scope = new LoopScope();
        var server = UdpTestKit.Bound(scope.Loop);
        var tiny = new byte[1];
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(UdpTestKit.AnyLoopback4);
        client.SendTo(UdpTestKit.Bytes("first"), server.LocalEndPoint!);
        client.SendTo(UdpTestKit.Bytes("xy"), server.LocalEndPoint!);
        List<Datagram>? after = null;
        Assert.Equal(0, server.ReceiveStart((h, _, _, sender, _) =>
        {
            if (sender is null)
                return;
            h.ReceiveStop();
            after = UdpTestKit.Record(h, (_, _) => tiny);
        }));
        scope.RunUntil(() => after is { Count: 1 });

        Datagram d = after![0];
        Assert.Equal((1, "x", UdpRecvFlags.Partial, client.LocalEndPoint), (d.NRead, UdpTestKit.Text(d), d.Flags, (System.Net.EndPoint?)d.Sender));
        server.Close();
        scope.Finish();
    }

    // Each datagram of a batch has its own sender and length: IPv4 senders on a dual-stack socket come as IPv4-mapped
    // addresses, IPv6 ones as they are, an empty datagram as 0 with its sender, the largest IPv4 datagram whole (a chunk
    // holds any datagram, so none is partial).
    [Fact]
    public void A_batch_from_several_senders_gives_each_datagram_its_own_sender_and_length()
    {
        if (OperatingSystem.IsLinux() is false)
            return;
        using var scope = new LoopScope();
        var server = UdpTestKit.Bound(scope.Loop, new IPEndPoint(IPAddress.IPv6Any, 0)); // dual stack
        int port = server.LocalEndPoint!.Port;
        using var a = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        using var b = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
        a.Bind(UdpTestKit.AnyLoopback4);
        b.Bind(UdpTestKit.AnyLoopback6);
        var sent = new List<(Socket From, int Length)> { (a, 1), (b, 1200), (a, 0), (b, 3), (a, 65507), (b, 0), (a, 17) };
        for (int i = 0; i < sent.Count; i++)
        {
            var to = sent[i].From == a ? new IPEndPoint(IPAddress.Loopback, port) : new IPEndPoint(IPAddress.IPv6Loopback, port);
            sent[i].From.SendTo(Enumerable.Repeat((byte)i, sent[i].Length).ToArray(), to);
        }
        var received = UdpTestKit.Record(server);
        scope.RunUntil(() => received.Count == sent.Count);

        for (int i = 0; i < sent.Count; i++)
        {
            var from = (IPEndPoint)sent[i].From.LocalEndPoint!;
            var expected = sent[i].From == a ? new IPEndPoint(from.Address.MapToIPv6(), from.Port) : from;
            Assert.Equal((expected, sent[i].Length, UdpRecvFlags.None), (received[i].Sender!, received[i].NRead, received[i].Flags));
            Assert.All(received[i].Data, d => Assert.Equal((byte)i, d));
        }
        server.Close();
        scope.Finish();
    }

    // A close inside a batch ends it: no callback runs for the datagrams read with it, nor for "nothing more".
    [Fact]
    public void A_close_inside_a_batch_runs_no_receive_callback_after_it()
    {
        using var scope = new LoopScope();
        var server = UdpTestKit.Bound(scope.Loop);
        using Socket client = SendAll(server.LocalEndPoint!, 3);
        int calls = 0;
        bool closed = false;
        Assert.Equal(0, server.ReceiveStart((h, _, _, _, _) =>
        {
            calls++;
            h.Close(_ => closed = true);
        }));
        scope.RunUntil(() => closed);

        Assert.Equal(1, calls);
        scope.Finish();
    }
}

namespace Uvnet.Tests.Udp;

/// <summary>
/// Queued sends go together by sendmmsg on Linux (libuv's uv__udp_sendmsgv, 20 a call): each datagram keeps its own
/// destination, buffers and status, and they complete in order. sendmmsg itself is seen only in the system calls
/// (strace); these pin that batching keeps what one sendmsg per datagram gave.
/// </summary>
public sealed class UdpSendBatchTests
{
    /// <summary><paramref name="text"/> one byte a buffer, then empty buffers up to <paramref name="count"/>.</summary>
    private static ReadOnlyMemory<byte>[] Parts(string text, int count)
    {
        byte[] bytes = UdpTestKit.Bytes(text);
        return [.. Enumerable.Range(0, count).Select(i => i < bytes.Length ? bytes.AsMemory(i, 1) : ReadOnlyMemory<byte>.Empty)];
    }

    // libuv: udp_send_and_recv and udp_dgram_too_big, many at once: more than one batch, two destinations, datagrams
    // of several buffers, one of more buffers than a batch gathers, and one too big in the middle.
    [Fact]
    public void Queued_sends_keep_their_destination_buffers_status_and_order()
    {
        using var scope = new LoopScope();
        var (first, second, atFirst, atSecond) = UdpTestKit.TwoRecording(scope.Loop);
        var client = UdpTestKit.Bound(scope.Loop);
        var statuses = new List<(int, int)>();
        const int count = 45;
        for (int i = 0; i < count; i++)
        {
            int index = i;
            var to = i % 2 == 0 ? first.LocalEndPoint : second.LocalEndPoint;
            ReadOnlyMemory<byte>[] parts = i switch
            {
                7 => Parts($"d{i}", 3),
                12 => Parts($"d{i}", 100), // over the 64 buffers a batch gathers: a batch of its own
                21 => [new byte[65536]], // EMSGSIZE, inside a batch
                _ => [UdpTestKit.Bytes($"d{i}")],
            };
            Assert.Equal(0, client.Send(new UdpSendRequest(), parts, to, (_, s) => statuses.Add((index, s))));
        }
        Assert.Equal(count, client.SendQueueCount);
        scope.RunUntil(() => statuses.Count == count && atFirst.Count + atSecond.Count == count - 1);

        Assert.Equal(Enumerable.Range(0, count).Select(i => (i, i == 21 ? UvError.EMSGSIZE : 0)), statuses);
        Assert.Equal(Enumerable.Range(0, count).Where(i => i % 2 == 0 && i != 21).Select(i => $"d{i}"), atFirst.Select(UdpTestKit.Text));
        Assert.Equal(Enumerable.Range(0, count).Where(i => i % 2 == 1 && i != 21).Select(i => $"d{i}"), atSecond.Select(UdpTestKit.Text));
        Assert.All(atFirst.Concat(atSecond), d => Assert.Equal(client.LocalEndPoint, d.Sender));
        Assert.Equal(0, client.SendQueueCount);
        Assert.Equal(0, client.SendQueueSize);
        first.Close();
        second.Close();
        client.Close();
        scope.Finish();
    }

    // A connected socket's queued sends batch too, with no address in their messages.
    [Fact]
    public void Queued_sends_on_a_connected_socket_go_to_its_peer_in_order()
    {
        using var scope = new LoopScope();
        var server = UdpTestKit.Bound(scope.Loop);
        var received = UdpTestKit.Record(server);
        var client = UdpTestKit.Bound(scope.Loop);
        Assert.Equal(0, client.Connect(server.LocalEndPoint!));
        int done = 0;
        for (int i = 0; i < 30; i++)
            Assert.Equal(0, client.Send(UdpTestKit.Bytes($"c{i}"), null, (_, s) => { Assert.Equal(0, s); done++; }));
        scope.RunUntil(() => done == 30 && received.Count == 30);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"c{i}"), received.Select(UdpTestKit.Text));
        server.Close();
        client.Close();
        scope.Finish();
    }

    /// <summary>Memory that counts the pins taken on it and not yet released.</summary>
    private sealed class CountedPins(byte[] bytes) : System.Buffers.MemoryManager<byte>
    {
        private System.Runtime.InteropServices.GCHandle _handle;

        public int Held { get; private set; }

        public override Span<byte> GetSpan() => bytes;

        public override unsafe System.Buffers.MemoryHandle Pin(int elementIndex = 0)
        {
            if (Held++ == 0)
                _handle = System.Runtime.InteropServices.GCHandle.Alloc(bytes, System.Runtime.InteropServices.GCHandleType.Pinned);
            return new((byte*)_handle.AddrOfPinnedObject() + elementIndex, default, this);
        }

        public override void Unpin()
        {
            if (--Held == 0)
                _handle.Free();
        }

        protected override void Dispose(bool disposing)
        {
        }
    }

    // sendmsg and sendmmsg copy a datagram into the kernel before they return: its memory needs pinning for that call
    // only. A batch kept every datagram it gathered pinned until that datagram's callback (and a datagram left waiting
    // by a full socket until it was sent), so a long queue held as many pinned buffers as it had datagrams.
    [Fact]
    public void A_batched_datagram_is_pinned_only_during_the_call_that_sends_it()
    {
        using var scope = new LoopScope();
        var server = UdpTestKit.Bound(scope.Loop);
        var received = UdpTestKit.Record(server);
        var client = UdpTestKit.Bound(scope.Loop);
        var memories = Enumerable.Range(0, 4).Select(i => new CountedPins(UdpTestKit.Bytes($"p{i}"))).ToArray();
        var heldInCallbacks = new List<int[]>();
        foreach (CountedPins memory in memories)
        {
            ReadOnlyMemory<byte>[] parts = [memory.Memory[..1], memory.Memory[1..]]; // two buffers: not the one-buffer fast path
            Assert.Equal(0, client.Send(new UdpSendRequest(), parts, server.LocalEndPoint, (_, s) =>
            {
                Assert.Equal(0, s);
                heldInCallbacks.Add([.. memories.Select(m => m.Held)]);
            }));
        }
        scope.RunUntil(() => heldInCallbacks.Count == 4 && received.Count == 4);

        Assert.Equal(["p0", "p1", "p2", "p3"], received.Select(UdpTestKit.Text));
        Assert.All(heldInCallbacks, held => Assert.Equal([0, 0, 0, 0], held));
        client.Close();
        server.Close();
        scope.Finish();
    }
}

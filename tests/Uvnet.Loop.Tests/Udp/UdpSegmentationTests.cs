using Uvnet.Interop;

namespace Uvnet.Tests.Udp;

/// <summary>
/// On Linux a run of queued datagrams of one size to one destination goes as one segmented send (UDP_SEGMENT, GSO):
/// the kernel cuts it back into those datagrams. These pin that each still arrives as one datagram of its own, with its
/// bytes, in order, and each send still gets its own status; the segmented send itself is seen only in the system
/// calls (strace shows one sendmsg with a UDP_SEGMENT control message for each run).
/// </summary>
public sealed class UdpSegmentationTests
{
    /// <summary>Datagram <paramref name="index"/> of a test: <paramref name="size"/> bytes, each telling which datagram and where.</summary>
    private static byte[] Numbered(int index, int size) => [.. Enumerable.Range(0, size).Select(i => (byte)(index * 7 + i))];

    // More datagrams than a run takes (64), runs cut by their total (an IPv4 datagram's 65,507 bytes), a shorter last
    // datagram ending a run, and the loop's datagram buffers on the receiving side: every receive callback gets one.
    [Theory]
    [InlineData(150, 100, 37)]
    [InlineData(9, 15000, 15000)]
    [InlineData(30, 1200, 1)]
    public void Equal_sized_queued_sends_to_one_destination_arrive_as_the_datagrams_sent(int count, int size, int lastSize)
    {
        using var scope = new LoopScope();
        var server = UdpTestKit.Bound(scope.Loop);
        Assert.Equal(0, server.SetReceiveBufferSize(4 << 20)); // every datagram waits in it until the loop reads
        var received = UdpTestKit.Record(server);
        var client = UdpTestKit.Bound(scope.Loop);
        var statuses = new List<int>();
        byte[][] sent = [.. Enumerable.Range(0, count).Select(i => Numbered(i, i == count - 1 ? lastSize : size))];
        foreach (byte[] datagram in sent)
            Assert.Equal(0, client.Send(datagram, server.LocalEndPoint, (_, s) => statuses.Add(s)));
        scope.RunUntil(() => statuses.Count == count && received.Count == count);

        Assert.All(statuses, s => Assert.Equal(0, s));
        Assert.Equal(sent, received.Select(d => d.Data));
        Assert.All(received, d =>
        {
            Assert.Equal(d.Data.Length, d.NRead);
            Assert.Equal(UdpRecvFlags.None, d.Flags);
            Assert.Equal(client.LocalEndPoint, d.Sender);
        });
        scope.CloseAllAndFinish();
    }

    // A run ends where the size grows, shrinks (that datagram ends it) or the destination changes; a datagram of several
    // buffers is one datagram of their total.
    [Fact]
    public void A_run_ends_where_the_size_or_the_destination_changes()
    {
        using var scope = new LoopScope();
        var (first, second, atFirst, atSecond) = UdpTestKit.TwoRecording(scope.Loop);
        var client = UdpTestKit.Bound(scope.Loop);
        (int Size, bool ToSecond)[] plan = [(10, false), (10, false), (10, false), (4, false), (10, false), (20, false), (20, true),
            (20, true), (20, false), (20, false), (0, false), (0, false), (8, true), (8, true)];
        int done = 0;
        for (int i = 0; i < plan.Length; i++)
        {
            byte[] bytes = Numbered(i, plan[i].Size);
            ReadOnlyMemory<byte>[] parts = i == 8 ? [bytes.AsMemory(0, 5), bytes.AsMemory(5)] : [bytes];
            var to = plan[i].ToSecond ? second.LocalEndPoint : first.LocalEndPoint;
            Assert.Equal(0, client.Send(new UdpSendRequest(), parts, to, (_, s) => { Assert.Equal(0, s); done++; }));
        }
        scope.RunUntil(() => done == plan.Length && atFirst.Count + atSecond.Count == plan.Length);

        Assert.Equal(Enumerable.Range(0, plan.Length).Where(i => !plan[i].ToSecond).Select(i => Numbered(i, plan[i].Size)), atFirst.Select(d => d.Data));
        Assert.Equal(Enumerable.Range(0, plan.Length).Where(i => plan[i].ToSecond).Select(i => Numbered(i, plan[i].Size)), atSecond.Select(d => d.Data));
        scope.CloseAllAndFinish();
    }

    // SO_NO_CHECK makes Linux refuse UDP_SEGMENT (EINVAL), as a kernel without it or a device without checksum offload
    // refuses it (EIO): the run goes datagram by datagram instead, and nothing fails.
    [Fact]
    public unsafe void A_refused_segmented_send_falls_back_to_one_datagram_each()
    {
        using var scope = new LoopScope();
        var server = UdpTestKit.Bound(scope.Loop);
        var received = UdpTestKit.Record(server);
        var client = UdpTestKit.Bound(scope.Loop);
        const int SO_NO_CHECK = 11;
        int on = 1;
        Assert.Equal(0, Libc.SetSockOpt(client.FileDescriptor, SocketConstants.SOL_SOCKET, SO_NO_CHECK, &on, sizeof(int)));
        var statuses = new List<int>();
        for (int round = 0; round < 2; round++) // the second after the handle learnt not to ask again
        {
            for (int i = 0; i < 8; i++)
                Assert.Equal(0, client.Send(Numbered(round * 8 + i, 50), server.LocalEndPoint, (_, s) => statuses.Add(s)));
            scope.RunUntil(() => statuses.Count == (round + 1) * 8 && received.Count == (round + 1) * 8);
        }
        Assert.All(statuses, s => Assert.Equal(0, s));
        Assert.Equal(Enumerable.Range(0, 16).Select(i => Numbered(i, 50)), received.Select(d => d.Data));
        scope.CloseAllAndFinish();
    }

    // libuv: udp_send_unreachable. The refusal of the first datagram's ICMP is taken from the socket by the next call
    // that sends; when that call is a segmented send of queued datagrams, it is the first of them that fails with it
    // (as sendmmsg reports it), and the rest of the run still goes.
    [Fact]
    public void A_refusal_taken_by_a_segmented_send_fails_its_first_datagram()
    {
        using var scope = new LoopScope();
        var client = new UdpHandle(scope.Loop);
        Assert.Equal(0, client.Connect(ClosedPorts.NextUdp()));
        var statuses = new List<int>();
        for (int i = 0; i < 5; i++)
            Assert.Equal(0, client.Send(UdpTestKit.Bytes("12345"), null, (_, s) => statuses.Add(s)));
        scope.RunUntil(() => statuses.Count == 5);
        Assert.Equal([0, UvError.ECONNREFUSED, 0, 0, 0], statuses);
        client.Close();
        scope.Finish();
    }
}

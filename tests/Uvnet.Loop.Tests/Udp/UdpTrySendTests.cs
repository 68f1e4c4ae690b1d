using System.Runtime.InteropServices;

namespace Uvnet.Tests.Udp;

/// <summary>Sending without queuing and the send queue, ported from libuv's test-udp-try-send.c and test-udp-send-hang-loop.c.</summary>
public sealed class UdpTrySendTests
{
    // libuv: udp_try_send: EMSGSIZE for a datagram over the limit, the byte count for one that goes.
    [Fact]
    public void TrySend_sends_now_or_says_why_not()
    {
        using var scope = new LoopScope();
        var server = UdpTestKit.Bound(scope.Loop);
        var received = UdpTestKit.Record(server);
        var client = new UdpHandle(scope.Loop);
        Assert.Equal(UvError.EMSGSIZE, client.TrySend(new byte[64 * 1024], server.LocalEndPoint));
        Assert.Equal(4, client.TrySend(UdpTestKit.Bytes("EXIT"), server.LocalEndPoint));
        scope.RunUntil(() => received.Count == 1);
        Assert.Equal("EXIT", UdpTestKit.Text(received[0]));
        Assert.Equal(0, client.SendQueueSize);
        scope.CloseAllAndFinish();
    }

    // libuv: udp_try_send returns EAGAIN while sends are queued (send_queue_count != 0).
    [Fact]
    public void TrySend_is_EAGAIN_while_sends_wait_for_their_callbacks()
    {
        using var scope = new LoopScope();
        var server = UdpTestKit.Bound(scope.Loop);
        var client = new UdpHandle(scope.Loop);
        Assert.Equal(0, client.Send(UdpTestKit.Bytes("A"), server.LocalEndPoint));
        Assert.Equal(UvError.EAGAIN, client.TrySend(UdpTestKit.Bytes("B"), server.LocalEndPoint));
        scope.RunUntil(() => client.SendQueueCount == 0);
        Assert.Equal(1, client.TrySend(UdpTestKit.Bytes("B"), server.LocalEndPoint));
        scope.CloseAllAndFinish();
    }

    // libuv: udp_send_hang_loop and the send queue: with a small send buffer, datagrams wait in the queue
    // (SendQueueSize/Count count them) and still go in order once the socket drains.
    [Fact]
    public void A_full_socket_queues_datagrams_which_go_in_order()
    {
        using var scope = new LoopScope();
        var server = UdpTestKit.Bound(scope.Loop);
        Assert.Equal(0, server.SetReceiveBufferSize(4 * 1024 * 1024));
        var received = UdpTestKit.Record(server);
        var client = UdpTestKit.Bound(scope.Loop);
        Assert.Equal(0, client.SetSendBufferSize(4096));
        const int Count = 64, Size = 8000;
        var completed = new List<int>();
        for (int i = 0; i < Count; i++)
        {
            var data = new byte[Size];
            data[0] = (byte)i;
            int n = i;
            Assert.Equal(0, client.Send(data, server.LocalEndPoint, (_, s) =>
            {
                Assert.Equal(0, s);
                completed.Add(n);
            }));
        }
        Assert.Equal(Count, client.SendQueueCount);
        Assert.Equal((long)Count * Size, client.SendQueueSize);
        scope.RunUntil(() => completed.Count == Count);
        Assert.Equal(Enumerable.Range(0, Count), completed);
        scope.RunUntil(() => received.Count == Count);
        Assert.Equal(Enumerable.Range(0, Count).Select(i => (byte)i), received.Select(d => d.Data[0]));
        Assert.Equal(0, client.SendQueueSize);
        scope.CloseAllAndFinish();
    }

    // libuv: uv__udp_finish_close: sends still queued complete once with ECANCELED, in order, before the close callback.
    [Fact]
    public void Closing_cancels_the_queued_sends_before_the_close_callback()
    {
        using var scope = new LoopScope();
        var server = UdpTestKit.Bound(scope.Loop);
        var client = UdpTestKit.Bound(scope.Loop);
        Assert.Equal(0, client.SetSendBufferSize(4096));
        var log = new List<int>();
        bool closed = false;
        for (int i = 0; i < 64; i++)
            Assert.Equal(0, client.Send(new byte[8000], server.LocalEndPoint, (_, s) =>
            {
                Assert.False(closed);
                log.Add(s);
            }));
        client.Close(_ => closed = true);
        scope.RunUntil(() => closed);
        Assert.Equal(64, log.Count);
        int sent = log.TakeWhile(s => s == 0).Count();
        Assert.True(sent < 64, "the small send buffer should have left sends queued");
        Assert.All(log.Skip(sent), s => Assert.Equal(UvError.ECANCELED, s));
        scope.CloseAllAndFinish();
    }

    // libuv's uv__udp_sendmsg1 and uv__udp_sendmsgv read ENOBUFS as EAGAIN: TrySend says to try later, and a queued
    // datagram waits for the socket to be writable instead of failing. Here that holds while the socket has bytes in
    // the kernel whose sending frees buffers (or where that cannot be asked); with none, nothing would free any, and the
    // datagram fails. Loopback never runs out of buffers, so the statuses are checked for each count of bytes.
    [Fact]
    public void ENOBUFS_from_a_send_is_read_as_EAGAIN_while_the_socket_has_bytes_in_flight()
    {
        Assert.Equal(UvError.EAGAIN, UdpHandle.NoBufferStatus(4096));
        Assert.Equal(UvError.EAGAIN, UdpHandle.NoBufferStatus(-1)); // not known (not Linux)
        Assert.Equal(UvError.ENOBUFS, UdpHandle.NoBufferStatus(0));
        using var scope = new LoopScope();
        var client = UdpTestKit.Bound(scope.Loop);
        Marshal.SetLastPInvokeError(OperatingSystem.IsLinux() ? 90 : 40); // EMSGSIZE: a failure of its own
        Assert.Equal(UvError.EMSGSIZE, client.LastSendStatus());
        scope.CloseAllAndFinish();
    }

    // A datagram the kernel can never take: on Linux, one cut into IP fragments (here by IPV6_MTU) that together need
    // more than twice the send buffer gets ENOBUFS on every try, with nothing of the socket's in flight to wait for.
    // Read as EAGAIN, TrySend said to try again for ever, and a queued send waited for ever for a writable socket (the
    // loop spinning, as the socket is always writable), holding up the datagrams behind it.
    [Fact]
    public unsafe void A_datagram_the_kernel_can_never_buffer_fails_with_ENOBUFS_instead_of_waiting_for_ever()
    {
        if (!OperatingSystem.IsLinux())
            return; // IPV6_MTU's number and the fragments' accounting are Linux's
        using var scope = new LoopScope();
        var server = UdpTestKit.Bound(scope.Loop, UdpTestKit.AnyLoopback6);
        var received = UdpTestKit.Record(server);
        var client = UdpTestKit.Bound(scope.Loop, UdpTestKit.AnyLoopback6);
        int mtu = 1280;
        Assert.Equal(0, Uvnet.Interop.Libc.SetSockOpt(client.Fd, 41, 24, &mtu, sizeof(int))); // IPPROTO_IPV6, IPV6_MTU
        Assert.Equal(0, client.SetSendBufferSize(4096));
        var big = new byte[20000];

        Assert.Equal(UvError.ENOBUFS, client.TrySend(big, server.LocalEndPoint));
        var statuses = new List<int>();
        Assert.Equal(0, client.Send(big, server.LocalEndPoint, (_, s) => statuses.Add(s)));
        Assert.Equal(0, client.Send(UdpTestKit.Bytes("small"), server.LocalEndPoint, (_, s) => statuses.Add(s)));
        scope.RunUntil(() => statuses.Count == 2 && received.Count == 1);

        Assert.Equal([UvError.ENOBUFS, 0], statuses);
        Assert.Equal("small", UdpTestKit.Text(received[0]));
        scope.CloseAllAndFinish();
    }
}

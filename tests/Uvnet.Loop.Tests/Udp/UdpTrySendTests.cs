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
    // datagram waits for the socket to be writable instead of failing. Loopback never runs out of buffers, so the
    // errno is set as sendmsg would leave it and the status both send paths read is checked.
    [Fact]
    public void ENOBUFS_from_a_send_is_read_as_EAGAIN()
    {
        Marshal.SetLastPInvokeError(OperatingSystem.IsLinux() ? 105 : 55); // ENOBUFS
        Assert.Equal(UvError.EAGAIN, UdpHandle.LastSendStatus());
        Marshal.SetLastPInvokeError(OperatingSystem.IsLinux() ? 90 : 40); // EMSGSIZE: still a failure of its own
        Assert.Equal(UvError.EMSGSIZE, UdpHandle.LastSendStatus());
    }
}

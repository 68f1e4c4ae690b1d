using System.Net;
using System.Net.Sockets;

namespace Uvnet.Tests.Udp;

/// <summary>
/// Sends a receive callback makes on its own handle (a server's replies) wait until the datagrams of that wakeup have
/// all been handed out, then leave together (one sendmmsg on Linux), in order, each with its own status; a callback
/// that closes the handle or throws does not lose them.
/// </summary>
public sealed class UdpBatchedReplyTests
{
    /// <summary>A socket on loopback that has sent <paramref name="count"/> datagrams "0", "1"... to <paramref name="to"/>, before the loop runs.</summary>
    private static Socket Asking(IPEndPoint to, int count)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 10_000 };
        socket.Bind(UdpTestKit.AnyLoopback4);
        for (int i = 0; i < count; i++)
            socket.SendTo(UdpTestKit.Bytes(i.ToString()), to);
        return socket;
    }

    /// <summary>The next datagram waiting at <paramref name="socket"/>, as text.</summary>
    private static string Next(Socket socket)
    {
        var buffer = new byte[100];
        return System.Text.Encoding.ASCII.GetString(buffer, 0, socket.Receive(buffer));
    }

    [Fact]
    public void Replies_leave_once_the_wakeups_datagrams_are_handed_out_in_order_with_their_statuses()
    {
        using var scope = new LoopScope();
        var server = UdpTestKit.Bound(scope.Loop);
        const int count = 5;
        using Socket client = Asking(server.LocalEndPoint!, count);
        var statuses = new List<(int, int)>();
        var waitingAtClient = new List<int>();
        Assert.Equal(0, server.ReceiveStart((udp, n, buffer, sender, _) =>
        {
            if (sender is not null)
            {
                int index = int.Parse(buffer.Span[..n]);
                // The third reply is too big for a datagram: it fails alone, between replies that go.
                byte[] reply = index == 2 ? new byte[65536] : UdpTestKit.Bytes($"r{index}");
                Assert.Equal(0, udp.Send(new UdpSendRequest(), [reply], sender, (_, s) => statuses.Add((index, s))));
            }
            waitingAtClient.Add(client.Available);
        }));
        scope.RunUntil(() => statuses.Count == count);

        Assert.Equal(Enumerable.Range(0, count).Select(i => (i, i == 2 ? UvError.EMSGSIZE : 0)), statuses);
        Assert.All(waitingAtClient, bytes => Assert.Equal(0, bytes)); // none had left while the callbacks ran
        Assert.Equal(["r0", "r1", "r3", "r4"], Enumerable.Range(0, count - 1).Select(_ => Next(client)));
        Assert.Equal(0, server.SendQueueCount);
        server.Close();
        scope.Finish();
    }

    // libuv sends a uv_udp_send with an empty queue at once: a reply sent just before the callback closes the handle or
    // throws goes, as it did here before replies waited for the end of the wakeup's receives.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_reply_sent_by_a_callback_that_then_closes_the_handle_or_throws_goes(bool closes)
    {
        using var scope = new LoopScope();
        var server = UdpTestKit.Bound(scope.Loop);
        using Socket client = Asking(server.LocalEndPoint!, 1);
        int status = 1;
        Assert.Equal(0, server.ReceiveStart((udp, _, _, sender, _) =>
        {
            if (sender is null)
                return;
            Assert.Equal(0, udp.Send(new UdpSendRequest(), [UdpTestKit.Bytes("bye")], sender, (_, s) => status = s));
            if (!closes)
                throw new CallbackException();
            udp.Close();
        }));
        if (!closes)
            Assert.Throws<CallbackException>(() => scope.RunUntil(() => status != 1));
        scope.RunUntil(() => status != 1);

        Assert.Equal(0, status);
        Assert.Equal("bye", Next(client));
        Assert.Equal(!closes, server.IsReceiving);
        if (!closes)
            server.Close();
        scope.Finish();
    }
    // libuv sends a reply with an empty queue at once, so on a connected socket whose peer's port closed, the ICMP one
    // reply draws fails the next reply with ECONNREFUSED. Replies that leave together must keep that: a sendmmsg in
    // which a later datagram meets the refusal takes it from the socket, then reports only the datagrams before it,
    // and the refusal is lost (the datagram, retried, goes).
    [Fact]
    public void On_a_connected_socket_a_refusal_a_reply_meets_fails_that_reply()
    {
        using var scope = new LoopScope();
        var client = UdpTestKit.Bound(scope.Loop);
        using (var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            peer.Bind(UdpTestKit.AnyLoopback4);
            Assert.Equal(0, client.Connect((IPEndPoint)peer.LocalEndPoint!));
            for (int i = 0; i < 3; i++)
                peer.SendTo(UdpTestKit.Bytes(i.ToString()), client.LocalEndPoint!);
        }
        var statuses = new List<int>();
        Assert.Equal(0, client.ReceiveStart((udp, n, buffer, sender, _) =>
        {
            // Replies of different sizes: not a run for one segmented send.
            if (sender is not null)
                Assert.Equal(0, udp.Send(new UdpSendRequest(), [new byte[1 + int.Parse(buffer.Span[..n])]], null, (_, s) => statuses.Add(s)));
        }));
        scope.RunUntil(() => statuses.Count == 3);

        Assert.Equal([0, UvError.ECONNREFUSED, 0], statuses);
        client.Close();
        scope.Finish();
    }
    // A reply waiting for the end of the wakeup is in flight: its request, reused for the next reply, is refused, and
    // the reply it carries leaves as it was.
    [Fact]
    public void A_request_reused_while_its_reply_waits_is_refused_and_the_reply_goes_unchanged()
    {
        using var scope = new LoopScope();
        var server = UdpTestKit.Bound(scope.Loop);
        using Socket client = Asking(server.LocalEndPoint!, 2);
        var request = new UdpSendRequest();
        var statuses = new List<int>();
        var refusals = new List<Exception>();
        Assert.Equal(0, server.ReceiveStart((udp, n, buffer, sender, _) =>
        {
            if (sender is null)
                return;
            byte[] reply = UdpTestKit.Bytes("r" + System.Text.Encoding.ASCII.GetString(buffer.Span[..n]));
            refusals.Add(Record.Exception(() => udp.Send(request, [reply], sender, (_, s) => statuses.Add(s)))!);
        }));
        scope.RunUntil(() => statuses.Count == 1 && refusals.Count == 2);

        Assert.Null(refusals[0]);
        Assert.IsType<InvalidOperationException>(refusals[1]);
        Assert.Equal([0], statuses);
        Assert.Equal("r0", Next(client));
        Assert.Equal(0, server.SendQueueCount);
        server.Close();
        scope.Finish();
    }
}

using System.Net;
using System.Net.Sockets;

namespace Uvnet.Tests.Udp;

/// <summary>Binding, IPv6 and adopting a socket, ported from libuv's test-udp-bind.c, test-udp-ipv6.c, test-udp-open.c, test-udp-reuseport.c.</summary>
public sealed class UdpBindTests
{
    // libuv: udp_bind: a second bind of the same address fails unless both set UV_UDP_REUSEADDR (udp_bind_reuseaddr).
    [Fact]
    public void The_same_port_binds_twice_only_with_ReuseAddress()
    {
        using var scope = new LoopScope();
        var first = UdpTestKit.Bound(scope.Loop);
        var second = new UdpHandle(scope.Loop);
        Assert.Equal(UvError.EADDRINUSE, second.Bind(first.LocalEndPoint!));
        var a = UdpTestKit.Bound(scope.Loop, flags: UdpBindFlags.ReuseAddress);
        var b = new UdpHandle(scope.Loop);
        Assert.Equal(0, b.Bind(a.LocalEndPoint!, UdpBindFlags.ReuseAddress));
        Assert.Equal(a.LocalEndPoint, b.LocalEndPoint);
        Assert.Equal(UvError.EINVAL, b.Bind(UdpTestKit.AnyLoopback4)); // bound already
        scope.CloseAllAndFinish();
    }

    // libuv's uv_udp_recv_start (docs/src/udp.rst): "If the socket has not previously been bound with uv_udp_bind()
    // it is bound to 0.0.0.0 (the "all interfaces" IPv4 address) and a random port number."
    [Fact]
    public void ReceiveStart_binds_an_unbound_handle_to_a_free_IPv4_port()
    {
        using var scope = new LoopScope();
        var server = new UdpHandle(scope.Loop);
        var received = UdpTestKit.Record(server);
        IPEndPoint local = server.LocalEndPoint!;
        Assert.Equal(IPAddress.Any, local.Address);
        Assert.NotEqual(0, local.Port);
        var client = new UdpHandle(scope.Loop);
        Assert.Equal(0, client.Send(UdpTestKit.Bytes("hi"), new IPEndPoint(IPAddress.Loopback, local.Port)));
        scope.RunUntil(() => received.Count == 1);
        Assert.Equal("hi", UdpTestKit.Text(received[0]));
        scope.CloseAllAndFinish();
    }

    [Fact]
    public void Bind_validates_its_flags_before_anything()
    {
        using var scope = new LoopScope();
        var h = new UdpHandle(scope.Loop);
        Assert.Throws<ArgumentOutOfRangeException>(() => h.Bind(UdpTestKit.AnyLoopback4, (UdpBindFlags)2));
        Assert.Throws<ArgumentException>(() => h.Bind(UdpTestKit.AnyLoopback4, UdpBindFlags.ReuseAddress | UdpBindFlags.SharePort));
        Assert.Equal(UvError.EINVAL, h.Bind(UdpTestKit.AnyLoopback4, UdpBindFlags.Ipv6Only)); // libuv: IPv6-only on IPv4
        Assert.Equal(-1, h.FileDescriptor);
        h.Close();
        scope.Finish();
    }

    // libuv: udp_dual_stack and udp_ipv6_only: a dual-stack [::] socket receives IPv4; an IPv6-only one does not.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_IPv6_socket_receives_IPv4_unless_IPv6_only(bool ipv6Only)
    {
        using var scope = new LoopScope();
        var server = UdpTestKit.Bound(scope.Loop, new IPEndPoint(IPAddress.IPv6Any, 0), ipv6Only ? UdpBindFlags.Ipv6Only : UdpBindFlags.None);
        var received = UdpTestKit.Record(server);
        var v4 = new UdpHandle(scope.Loop);
        var v6 = new UdpHandle(scope.Loop);
        int port = server.LocalEndPoint!.Port;
        Assert.Equal(0, v4.Send(UdpTestKit.Bytes("FOUR"), new IPEndPoint(IPAddress.Loopback, port)));
        Assert.Equal(0, v6.Send(UdpTestKit.Bytes("SIX"), new IPEndPoint(IPAddress.IPv6Loopback, port)));
        scope.RunUntil(() => received.Count == (ipv6Only ? 1 : 2));
        LoopDriver.RunFor(scope.Loop, 50); // an IPv4 datagram the IPv6-only socket should not get would arrive by now
        var texts = received.Select(UdpTestKit.Text).Order().ToArray();
        Assert.Equal(ipv6Only ? ["SIX"] : ["FOUR", "SIX"], texts);
        if (!ipv6Only)
            Assert.Contains(received, d => d.Sender!.Address.IsIPv4MappedToIPv6);
        scope.CloseAllAndFinish();
    }

    // libuv: udp_open: adopt a socket made elsewhere, send and receive through it; the handle closes it.
    [Fact]
    public void An_adopted_socket_sends_receives_and_is_closed_with_the_handle()
    {
        using var scope = new LoopScope();
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int fd = (int)socket.SafeHandle.DangerousGetHandle();
        var opened = new UdpHandle(scope.Loop);
        Assert.Equal(0, opened.Open(fd));
        Assert.Equal(UvError.EBUSY, opened.Open(fd));
        Assert.Equal(socket.LocalEndPoint, opened.LocalEndPoint);
        var peer = UdpTestKit.Bound(scope.Loop);
        var atPeer = UdpTestKit.Record(peer);
        var atOpened = UdpTestKit.Record(opened);
        Assert.Equal(0, opened.Send(UdpTestKit.Bytes("PING"), peer.LocalEndPoint));
        scope.RunUntil(() => atPeer.Count == 1);
        Assert.Equal(0, peer.Send(UdpTestKit.Bytes("PONG"), atPeer[0].Sender));
        scope.RunUntil(() => atOpened.Count == 1);
        Assert.Equal("PONG", UdpTestKit.Text(atOpened[0]));
        opened.Close();
        peer.Close();
        scope.Finish();
        socket.SafeHandle.SetHandleAsInvalid(); // the handle closed the descriptor
    }

    // libuv: udp_open_connect: a socket connected already is taken as connected.
    [Fact]
    public void An_adopted_connected_socket_is_connected()
    {
        using var scope = new LoopScope();
        var peer = UdpTestKit.Bound(scope.Loop);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(peer.LocalEndPoint!);
        var opened = new UdpHandle(scope.Loop);
        Assert.Equal(0, opened.Open((int)socket.SafeHandle.DangerousGetHandle()));
        Assert.True(opened.IsConnected);
        Assert.Equal(peer.LocalEndPoint, opened.RemoteEndPoint);
        Assert.Equal(UvError.EISCONN, opened.Connect(peer.LocalEndPoint!));
        opened.Close();
        peer.Close();
        scope.Finish();
        socket.SafeHandle.SetHandleAsInvalid();
    }

    // libuv: uv_udp_open answers EEXIST for a descriptor the loop watches already; here the start of receiving does,
    // and the handle is left not receiving.
    [Fact]
    public void Receiving_on_a_descriptor_another_handle_watches_is_EEXIST()
    {
        using var scope = new LoopScope();
        using var watched = new WatchedElsewhere(scope);
        Assert.Equal(UvError.EEXIST, watched.Udp.ReceiveStart((_, _, _, _, _) => { }));
        Assert.False(watched.Udp.IsReceiving);
        Assert.False(watched.Udp.IsActive);
    }

    // A send that must wait for the socket to become writable (here: one started from a send callback) on a descriptor
    // the poller refuses (EEXIST, another handle watches it) could never be sent: it waited for ever, its callback never
    // ran. It now fails with the refusal, in order, outside the call.
    [Fact]
    public void A_queued_send_on_a_descriptor_another_handle_watches_fails_with_EEXIST()
    {
        using var scope = new LoopScope();
        using var watched = new WatchedElsewhere(scope);
        UdpHandle udp = watched.Udp;
        var to = (IPEndPoint)watched.Socket.LocalEndPoint!;
        var statuses = new List<int>();
        Assert.Equal(0, udp.Send(new byte[8], to, (_, status) =>
        {
            statuses.Add(status);
            Assert.Equal(0, udp.Send(new byte[8], to, (_, second) => statuses.Add(second)));
        }));
        LoopDriver.RunUntil(scope.Loop, () => statuses.Count == 2);
        Assert.Equal([0, UvError.EEXIST], statuses);
        Assert.Equal(0, udp.SendQueueCount);
    }

    // As A_send_from_a_send_callback_lets_the_loop_receive (Node's test-dgram-send-callback-recursive.js), on a
    // descriptor the poller refuses: a send from a send callback failed at once into the done queue, which the running
    // callbacks drained in the same pass, so a callback that always sends again never let the loop poll.
    [Fact]
    public void A_refused_send_from_a_send_callback_lets_the_loop_run()
    {
        using var scope = new LoopScope();
        using var watched = new WatchedElsewhere(scope);
        UdpHandle udp = watched.Udp;
        var to = (IPEndPoint)watched.Socket.LocalEndPoint!;
        bool fired = false;
        var timer = new TimerHandle(scope.Loop);
        var statuses = new List<int>();
        void OnSent(UdpSendRequest request, int status)
        {
            statuses.Add(status);
            if (statuses.Count == 1)
                timer.Start(_ => fired = true, 0); // fires on the loop's next turn
            Assert.True(statuses.Count < 1000, "the send callbacks never let the loop run");
            if (!fired)
                Assert.Equal(0, udp.Send(new byte[8], to, OnSent));
        }
        try
        {
            Assert.Equal(0, udp.Send(new byte[8], to, OnSent));
            LoopDriver.RunUntil(scope.Loop, () => fired && udp.SendQueueCount == 0);
        }
        finally
        {
            timer.Close();
        }
        Assert.Equal(0, statuses[0]);
        Assert.All(statuses.Skip(1), s => Assert.Equal(UvError.EEXIST, s));
        Assert.Equal(0, udp.SendQueueSize);
    }

    /// <summary>A bound UDP socket a poll handle watches, opened by a UdpHandle too; disposing closes both and finishes the loop.</summary>
    private sealed class WatchedElsewhere : IDisposable
    {
        private readonly LoopScope _scope;
        private readonly PollHandle _poll;

        internal WatchedElsewhere(LoopScope scope)
        {
            _scope = scope;
            Socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            int fd = (int)Socket.SafeHandle.DangerousGetHandle();
            _poll = scope.StartPoll(fd, PollEvents.Readable, static (_, _, _) => { });
            Udp = new UdpHandle(scope.Loop);
            Assert.Equal(0, Udp.Open(fd));
        }

        internal Socket Socket { get; } = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

        internal UdpHandle Udp { get; }

        public void Dispose()
        {
            _poll.Close();
            Udp.Close();
            _scope.Finish();
            Socket.SafeHandle.SetHandleAsInvalid(); // the handle closed the descriptor
        }
    }

    // libuv: udp_open_bound refuses a TCP socket here (uv_udp_open of a stream socket).
    [Fact]
    public void A_stream_socket_is_refused()
    {
        using var scope = new LoopScope();
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var h = new UdpHandle(scope.Loop);
        Assert.Equal(UvError.EINVAL, h.Open((int)tcp.SafeHandle.DangerousGetHandle()));
        Assert.Equal(-1, h.FileDescriptor);
        h.Close();
        scope.Finish();
    }

    // libuv: udp_reuseport, the in-process form: handles on two loops share one socket; another process cannot bind.
    [Fact]
    public void SharePort_shares_one_socket_between_handles_and_holds_the_port()
    {
        using var scope = new LoopScope();
        var first = UdpTestKit.Bound(scope.Loop, flags: UdpBindFlags.SharePort);
        var second = new UdpHandle(scope.Loop);
        Assert.Equal(0, second.Bind(first.LocalEndPoint!, UdpBindFlags.SharePort));
        Assert.Equal(first.LocalEndPoint, second.LocalEndPoint);
        using (var outsider = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            outsider.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            Assert.Throws<SocketException>(() => outsider.Bind(first.LocalEndPoint!));
        }
        var a = UdpTestKit.Record(first);
        var b = UdpTestKit.Record(second);
        var client = new UdpHandle(scope.Loop);
        for (int i = 0; i < 10; i++)
            Assert.Equal(0, client.Send(UdpTestKit.Bytes("X"), first.LocalEndPoint));
        scope.RunUntil(() => a.Count + b.Count == 10);
        var port = first.LocalEndPoint!;
        first.Close();
        second.Close();
        client.Close();
        scope.Finish();
        // The last member closed the socket: the port is free again.
        using var again = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        again.Bind(port);
    }
}

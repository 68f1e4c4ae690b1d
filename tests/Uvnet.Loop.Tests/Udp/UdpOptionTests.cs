using System.Net;
using System.Net.Sockets;

namespace Uvnet.Tests.Udp;

/// <summary>Socket options, ported from libuv's test-udp-options.c, test-udp-multicast-ttl.c, test-udp-multicast-interface*.c.</summary>
public sealed class UdpOptionTests
{
    // libuv: udp_options and udp_options6.
    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    public void Options_take_their_ranges_and_refuse_the_rest(string address)
    {
        using var scope = new LoopScope();
        var h = UdpTestKit.Bound(scope.Loop, new IPEndPoint(IPAddress.Parse(address), 0));
        Assert.Equal(0, h.SetBroadcast(true) | h.SetBroadcast(true) | h.SetBroadcast(false) | h.SetBroadcast(false));
        for (int ttl = 1; ttl <= 255; ttl++)
            Assert.Equal(0, h.SetTtl(ttl));
        foreach (int bad in new[] { -1, 0, 256 })
            Assert.Equal(UvError.EINVAL, h.SetTtl(bad));
        Assert.Equal(0, h.SetMulticastLoop(true) | h.SetMulticastLoop(true) | h.SetMulticastLoop(false) | h.SetMulticastLoop(false));
        for (int ttl = 0; ttl <= 255; ttl++)
            Assert.Equal(0, h.SetMulticastTtl(ttl));
        Assert.Equal(UvError.EINVAL, h.SetMulticastTtl(256));
        h.Close();
        scope.Finish();
    }

    // libuv: udp_no_autobind: options need a socket (EBADF) and do not create one; the family constructor makes one.
    [Fact]
    public void Options_without_a_socket_are_EBADF_and_the_family_constructor_makes_one()
    {
        using var scope = new LoopScope();
        var lazy = new UdpHandle(scope.Loop);
        Assert.Equal(UvError.EBADF, lazy.SetMulticastTtl(32));
        Assert.Equal(UvError.EBADF, lazy.SetBroadcast(true));
        Assert.Equal(UvError.EBADF, lazy.SetTtl(1));
        Assert.Equal(UvError.EBADF, lazy.SetMulticastLoop(true));
        Assert.Equal(UvError.EBADF, lazy.SetMulticastInterface(IPAddress.Any));
        Assert.Equal(UvError.EBADF, lazy.SetSendBufferSize(4096));
        Assert.Equal(UvError.EBADF, lazy.GetReceiveBufferSize(out _));
        Assert.Equal(-1, lazy.FileDescriptor);
        lazy.Close();

        // libuv: udp_create_early: uv_udp_init_ex with a family.
        var early = new UdpHandle(scope.Loop, AddressFamily.InterNetwork);
        Assert.True(early.FileDescriptor >= 0);
        Assert.Equal(0, early.SetMulticastTtl(32));
        Assert.Equal(0, early.SetBroadcast(true));
        Assert.Equal(0, early.SetTtl(1));
        Assert.Equal(0, early.SetMulticastLoop(true));
        Assert.Equal(0, early.SetMulticastInterface(IPAddress.Any));
        Assert.Equal(0, early.Bind(UdpTestKit.AnyLoopback4));
        Assert.Equal(UvError.EINVAL, early.Bind(UdpTestKit.AnyLoopback6)); // the socket is IPv4
        early.Close();
        Assert.Throws<ArgumentOutOfRangeException>(() => new UdpHandle(scope.Loop, AddressFamily.Unix));
        scope.Finish();
    }

    // libuv: udp_multicast_interface and udp_multicast_interface6.
    [Fact]
    public void The_multicast_interface_takes_an_address_of_the_sockets_family()
    {
        using var scope = new LoopScope();
        var v4 = UdpTestKit.Bound(scope.Loop, new IPEndPoint(IPAddress.Any, 0));
        Assert.Equal(0, v4.SetMulticastInterface(IPAddress.Any));
        Assert.Equal(0, v4.SetMulticastInterface(IPAddress.Loopback));
        Assert.Equal(0, v4.SetMulticastInterface(null));
        Assert.Equal(UvError.EINVAL, v4.SetMulticastInterface(IPAddress.IPv6Loopback));
        var v6 = UdpTestKit.Bound(scope.Loop, new IPEndPoint(IPAddress.IPv6Any, 0));
        Assert.Equal(0, v6.SetMulticastInterface(IPAddress.IPv6Any));
        Assert.Equal(UvError.EINVAL, v6.SetMulticastInterface(IPAddress.Loopback));
        v4.Close();
        v6.Close();
        scope.Finish();
    }

    // libuv: uv_send_buffer_size / uv_recv_buffer_size (test-socket-buffer-size.c) on a UDP handle.
    [Fact]
    public void Buffer_sizes_are_set_and_read()
    {
        using var scope = new LoopScope();
        var h = UdpTestKit.Bound(scope.Loop);
        Assert.Equal(0, h.SetSendBufferSize(65536));
        Assert.Equal(0, h.GetSendBufferSize(out int send));
        Assert.True(send >= 65536, $"SO_SNDBUF {send}");
        Assert.Equal(0, h.SetReceiveBufferSize(65536));
        Assert.Equal(0, h.GetReceiveBufferSize(out int receive));
        Assert.True(receive >= 65536, $"SO_RCVBUF {receive}");
        Assert.Equal(UvError.EINVAL, h.SetReceiveBufferSize(0));
        Assert.Equal(UvError.EINVAL, h.SetSendBufferSize(-1));
        h.Close();
        scope.Finish();
    }
}

namespace Uvnet.Net.Tests.Datagrams;

/// <summary>Options and multicast, ported from Node's test-dgram-setBroadcast.js, test-dgram-setTTL.js, test-dgram-multicast-setTTL.js, test-dgram-membership.js, test-dgram-socket-buffer-size.js, test-dgram-multicast-loopback.js.</summary>
public sealed class DgramOptionTests
{
    // Node: test-dgram-setBroadcast.js: EBADF before bind, fine after.
    [Fact]
    public void SetBroadcast_throws_EBADF_before_bind()
    {
        var loop = new Loop();
        var socket = Dgram.CreateSocket(loop, "udp4");
        var error = Assert.Throws<NetException>(() => socket.SetBroadcast(true));
        Assert.Equal("setBroadcast EBADF", error.Message);
        DgramTestKit.Listen(loop, socket, 0, null);
        socket.SetBroadcast(true);
        socket.SetBroadcast(false);
        DgramTestKit.CloseAll(loop, socket);
        LoopDriver.AssertNothingLeft(loop);
    }

    // Node: test-dgram-setTTL.js and test-dgram-multicast-setTTL.js: the value comes back; out of range is EINVAL.
    [Fact]
    public void TTLs_return_their_value_and_refuse_out_of_range()
    {
        var loop = new Loop();
        var socket = DgramTestKit.Bound(loop);
        Assert.Equal(16, socket.SetTTL(16));
        Assert.Equal("setTTL EINVAL", Assert.Throws<NetException>(() => socket.SetTTL(1000)).Message);
        Assert.Equal(16, socket.SetMulticastTTL(16));
        Assert.Equal("setMulticastTTL EINVAL", Assert.Throws<NetException>(() => socket.SetMulticastTTL(1000)).Message);
        Assert.True(socket.SetMulticastLoopback(true));
        Assert.False(socket.SetMulticastLoopback(false));
        socket.SetMulticastInterface("127.0.0.1");
        Assert.Equal("setMulticastInterface EINVAL", Assert.Throws<NetException>(() => socket.SetMulticastInterface("not an address")).Message);
        DgramTestKit.CloseAll(loop, socket);
        LoopDriver.AssertNothingLeft(loop);
    }

    // Node: test-dgram-membership.js.
    [Fact]
    public void Memberships_as_Node_tests_them()
    {
        const string Group = "224.0.0.114";
        var loop = new Loop();
        DgramSocket Setup() => Dgram.CreateSocket(loop, new DgramSocketOptions { Type = "udp4", ReuseAddr = true });

        var closed = Setup();
        DgramTestKit.CloseAll(loop, closed);
        Assert.Equal("ERR_SOCKET_DGRAM_NOT_RUNNING", Assert.Throws<NetException>(() => closed.AddMembership(Group)).Code);
        Assert.Equal("ERR_SOCKET_DGRAM_NOT_RUNNING", Assert.Throws<NetException>(() => closed.DropMembership(Group)).Code);

        var s = Setup();
        Assert.Equal("ERR_MISSING_ARGS", Assert.Throws<NetException>(() => s.AddMembership("")).Code);
        Assert.Equal("ERR_MISSING_ARGS", Assert.Throws<NetException>(() => s.DropMembership("")).Code);
        Assert.Equal("addMembership EINVAL", Assert.Throws<NetException>(() => s.AddMembership("256.256.256.256")).Message);
        Assert.Equal("dropMembership EINVAL", Assert.Throws<NetException>(() => s.DropMembership("256.256.256.256")).Message);
        Assert.Equal("dropMembership EADDRNOTAVAIL", Assert.Throws<NetException>(() => s.DropMembership(Group)).Message);
        s.AddMembership(Group);
        s.DropMembership(Group);
        s.AddSourceSpecificMembership("127.0.0.1", "232.1.1.1");
        s.DropSourceSpecificMembership("127.0.0.1", "232.1.1.1");
        DgramTestKit.CloseAll(loop, s);
        LoopDriver.AssertNothingLeft(loop);
    }

    // Node: test-dgram-multicast-loopback.js: a member with loopback on receives its own group datagram.
    [Fact]
    public void A_member_receives_its_group_on_loopback()
    {
        var loop = new Loop();
        // Bound to every interface: a socket bound to 127.0.0.1 takes only datagrams addressed to 127.0.0.1.
        var socket = Dgram.CreateSocket(loop, new DgramSocketOptions { Type = "udp4", ReuseAddr = true });
        DgramTestKit.Listen(loop, socket, 0, null);
        var messages = DgramTestKit.Record(socket);
        socket.AddMembership("239.255.0.2", "127.0.0.1");
        socket.SetMulticastInterface("127.0.0.1");
        socket.SetMulticastLoopback(true);
        socket.Send("to the group", socket.Address().Port, "239.255.0.2");
        LoopDriver.RunUntil(loop, () => messages.Count == 1);
        Assert.Equal("to the group", messages[0].Text);
        DgramTestKit.CloseAll(loop, socket);
        LoopDriver.AssertNothingLeft(loop);
    }

    // Node: test-dgram-socket-buffer-size.js.
    [Fact]
    public void Buffer_sizes_as_Node_tests_them()
    {
        var loop = new Loop();
        var unbound = Dgram.CreateSocket(loop, "udp4");
        var error = Assert.Throws<NetException>(() => unbound.SetSendBufferSize(8192));
        Assert.Equal("ERR_SOCKET_BUFFER_SIZE", error.Code);
        Assert.StartsWith("Could not get or set buffer size: uv_send_buffer_size returned EBADF (bad file descriptor)", error.Message);
        Assert.Equal("ERR_SOCKET_BUFFER_SIZE", Assert.Throws<NetException>(() => unbound.GetRecvBufferSize()).Code);

        var socket = DgramTestKit.Bound(loop);
        Assert.Equal("ERR_SOCKET_BAD_BUFFER_SIZE", Assert.Throws<NetException>(() => socket.SetRecvBufferSize(-1)).Code);
        Assert.Equal("ERR_SOCKET_BAD_BUFFER_SIZE", Assert.Throws<NetException>(() => socket.SetSendBufferSize(-1)).Code);
        socket.SetRecvBufferSize(10000);
        socket.SetSendBufferSize(10000);
        int expected = OperatingSystem.IsLinux() ? 20000 : 10000; // Linux doubles it
        Assert.Equal(expected, socket.GetRecvBufferSize());
        Assert.Equal(expected, socket.GetSendBufferSize());
        DgramTestKit.CloseAll(loop, unbound, socket);
        LoopDriver.AssertNothingLeft(loop);
    }

    // Node: test-dgram-createSocket-type.js's recvBufferSize / sendBufferSize options, applied once bound.
    [Fact]
    public void Buffer_size_options_apply_at_bind()
    {
        var loop = new Loop();
        var socket = DgramTestKit.Bound(loop, options: new DgramSocketOptions { Type = "udp4", RecvBufferSize = 10000, SendBufferSize = 15000 });
        int factor = OperatingSystem.IsLinux() ? 2 : 1;
        Assert.Equal(10000 * factor, socket.GetRecvBufferSize());
        Assert.Equal(15000 * factor, socket.GetSendBufferSize());
        DgramTestKit.CloseAll(loop, socket);
        LoopDriver.AssertNothingLeft(loop);
    }

    // Node: test-dgram-ipv6only.js: an ipv6Only udp6 socket leaves the IPv4 port free.
    [Fact]
    public void Ipv6Only_leaves_the_IPv4_port_free()
    {
        var loop = new Loop();
        var v6 = Dgram.CreateSocket(loop, new DgramSocketOptions { Type = "udp6", Ipv6Only = true });
        DgramTestKit.Listen(loop, v6, 0, "::");
        var v4 = Dgram.CreateSocket(loop, "udp4");
        v4.Error += (_, e) => Assert.Fail(e.Message);
        DgramTestKit.Listen(loop, v4, v6.Address().Port, "0.0.0.0");
        DgramTestKit.CloseAll(loop, v6, v4);
        LoopDriver.AssertNothingLeft(loop);
    }

    // Node passes ipv6Only to a udp4 socket's bind as UV_UDP_IPV6ONLY, and libuv's uv_udp_bind refuses it with an IPv4
    // address (EINVAL): an 'error' from bind, where it was silently ignored before.
    [Fact]
    public void Ipv6Only_on_a_udp4_socket_fails_the_bind_with_EINVAL()
    {
        var loop = new Loop();
        var v4 = Dgram.CreateSocket(loop, new DgramSocketOptions { Type = "udp4", Ipv6Only = true });
        NetException? error = null;
        int listening = 0;
        v4.Error += (_, e) => error = e;
        v4.Listening += _ => listening++;
        v4.Bind(0, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => error is not null);
        Assert.Equal(("EINVAL", "bind", "127.0.0.1"), (error!.Code, error.Syscall, error.Address));
        Assert.Equal(0, listening);
        DgramTestKit.CloseAll(loop, v4);
        LoopDriver.AssertNothingLeft(loop);
    }
}

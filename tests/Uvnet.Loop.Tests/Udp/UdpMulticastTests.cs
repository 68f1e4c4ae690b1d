using System.Net;

namespace Uvnet.Tests.Udp;

/// <summary>
/// Multicast on loopback, ported from libuv's test-udp-multicast-join.c and test-udp-multicast-join6.c. libuv skips
/// where the kernel answers ENODEV (no multicast route on lo); xunit 2 cannot skip at run time, so these assert, and
/// a machine without multicast on loopback fails them with ENODEV, which names the cause.
/// </summary>
public sealed class UdpMulticastTests
{
    // libuv: udp_multicast_join: join 239.255.0.1 on loopback, send to the group, receive it, leave.
    [Fact]
    public void A_joined_group_receives_its_datagrams_on_loopback()
    {
        using var scope = new LoopScope();
        var group = IPAddress.Parse("239.255.0.1");
        var server = UdpTestKit.Bound(scope.Loop, new IPEndPoint(IPAddress.Any, 0), UdpBindFlags.ReuseAddress);
        int joined = server.SetMembership(group, IPAddress.Loopback, UdpMembership.Join);
        Assert.Equal(0, joined);
        Assert.Equal(UvError.EADDRINUSE, server.SetMembership(group, IPAddress.Loopback, UdpMembership.Join));
        var received = UdpTestKit.Record(server);
        var client = new UdpHandle(scope.Loop, System.Net.Sockets.AddressFamily.InterNetwork);
        Assert.Equal(0, client.SetMulticastInterface(IPAddress.Loopback));
        Assert.Equal(0, client.SetMulticastLoop(true));
        int sent = 1;
        Assert.Equal(0, client.Send(UdpTestKit.Bytes("PING"), new IPEndPoint(group, server.LocalEndPoint!.Port), (_, s) => sent = s));
        scope.RunUntil(() => received.Count == 1 && sent == 0);
        Assert.Equal("PING", UdpTestKit.Text(received[0]));

        Assert.Equal(0, server.SetMembership(group, IPAddress.Loopback, UdpMembership.Leave));
        Assert.Equal(UvError.EADDRNOTAVAIL, server.SetMembership(group, IPAddress.Loopback, UdpMembership.Leave));
        server.Close();
        client.Close();
        scope.Finish();
    }

    // libuv: udp_multicast_join (source-specific part, uv_udp_set_source_membership).
    [Fact]
    public void A_source_specific_channel_is_joined_and_left()
    {
        using var scope = new LoopScope();
        var group = IPAddress.Parse("232.1.1.1");
        var server = new UdpHandle(scope.Loop);
        int joined = server.SetSourceMembership(group, IPAddress.Loopback, IPAddress.Loopback, UdpMembership.Join);
        Assert.Equal(0, joined);
        Assert.True(server.FileDescriptor >= 0); // the membership bound the socket, as libuv does
        Assert.Equal(0, server.SetSourceMembership(group, IPAddress.Loopback, IPAddress.Loopback, UdpMembership.Leave));
        Assert.Equal(UvError.EINVAL, server.SetSourceMembership(group, null, IPAddress.IPv6Loopback, UdpMembership.Join));
        server.Close();
        scope.Finish();
    }

    // libuv: udp_multicast_join6 on the loopback interface (scope id of lo).
    [Fact]
    public void An_IPv6_group_is_joined_and_left()
    {
        using var scope = new LoopScope();
        var group = IPAddress.Parse("ff02::1:3");
        var server = UdpTestKit.Bound(scope.Loop, new IPEndPoint(IPAddress.IPv6Any, 0), UdpBindFlags.ReuseAddress);
        int joined = server.SetMembership(group, null, UdpMembership.Join);
        Assert.Equal(0, joined);
        Assert.Equal(0, server.SetMembership(group, null, UdpMembership.Leave));
        server.Close();
        scope.Finish();
    }

    [Fact]
    public void Memberships_validate_before_any_system_call()
    {
        using var scope = new LoopScope();
        var h = new UdpHandle(scope.Loop);
        Assert.Equal(UvError.EINVAL, h.SetMembership(IPAddress.Loopback, null, UdpMembership.Join)); // not multicast
        Assert.Equal(UvError.EINVAL, h.SetMembership(IPAddress.Parse("239.1.1.1"), IPAddress.IPv6Loopback, UdpMembership.Join));
        Assert.Equal(-1, h.FileDescriptor);
        Assert.Throws<ArgumentOutOfRangeException>(() => h.SetMembership(IPAddress.Parse("239.1.1.1"), null, (UdpMembership)7));
        Assert.Throws<ArgumentNullException>(() => h.SetMembership(null!, null, UdpMembership.Join));
        h.Close();
        scope.Finish();
    }
}

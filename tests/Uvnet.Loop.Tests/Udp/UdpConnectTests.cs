using System.Net;

namespace Uvnet.Tests.Udp;

/// <summary>Connected UDP sockets, ported from libuv's test-udp-connect.c, test-udp-connect6.c and the unreachable tests.</summary>
public sealed class UdpConnectTests
{
    // libuv: udp_connect: connect, EISCONN twice, sends without an address, disconnect, ENOTCONN, EDESTADDRREQ.
    [Fact]
    public void Connect_fixes_the_peer_and_disconnect_forgets_it()
    {
        using var scope = new LoopScope();
        var server = UdpTestKit.Bound(scope.Loop);
        var received = UdpTestKit.Record(server);
        var client = new UdpHandle(scope.Loop);
        var elsewhere = new IPEndPoint(IPAddress.Parse("8.8.8.8"), server.LocalEndPoint!.Port);
        var data = UdpTestKit.Bytes("EXIT");

        Assert.Equal(0, client.Connect(new IPEndPoint(IPAddress.Any, server.LocalEndPoint.Port)));
        Assert.Equal(0, client.Disconnect());
        Assert.Equal(0, client.Connect(server.LocalEndPoint));
        Assert.True(client.IsConnected);
        Assert.Equal(UvError.EISCONN, client.Connect(elsewhere));
        Assert.Equal(server.LocalEndPoint, client.RemoteEndPoint);
        Assert.Equal(UvError.EISCONN, client.TrySend(data, server.LocalEndPoint));
        Assert.Equal(4, client.TrySend(data, null));
        Assert.Equal(UvError.EISCONN, client.TrySend(data, elsewhere));
        Assert.Equal(0, client.Disconnect());
        Assert.Equal(UvError.ENOTCONN, client.Disconnect());
        Assert.Null(client.RemoteEndPoint);
        Assert.Equal(4, client.TrySend(data, server.LocalEndPoint));
        Assert.Equal(UvError.EDESTADDRREQ, client.TrySend(data, null));
        Assert.Equal(0, client.Connect(server.LocalEndPoint));
        Assert.Equal(UvError.EISCONN, client.Send(data, server.LocalEndPoint));
        int sent = -1;
        Assert.Equal(0, client.Send(data, null, (_, s) => sent = s));

        scope.RunUntil(() => received.Count == 3 && sent == 0);
        Assert.All(received, d => Assert.Equal("EXIT", UdpTestKit.Text(d)));
        Assert.Equal(0, client.SendQueueSize);
        server.Close();
        client.Close();
        scope.Finish();
    }

    // libuv: udp_connect6.
    [Fact]
    public void Connect_works_over_IPv6()
    {
        using var scope = new LoopScope();
        var server = UdpTestKit.Bound(scope.Loop, UdpTestKit.AnyLoopback6);
        var received = UdpTestKit.Record(server);
        var client = new UdpHandle(scope.Loop);
        Assert.Equal(0, client.Connect(server.LocalEndPoint!));
        Assert.Equal(server.LocalEndPoint, client.RemoteEndPoint);
        Assert.Equal(0, client.Send(UdpTestKit.Bytes("SIX"), null));
        scope.RunUntil(() => received.Count == 1);
        Assert.Equal(client.LocalEndPoint, received[0].Sender);
        server.Close();
        client.Close();
        scope.Finish();
    }

    // libuv: udp_recvmsg_unreachable_error: a connected socket receiving learns of the closed port as ECONNREFUSED,
    // and goes on receiving.
    [Fact]
    public void A_closed_port_is_reported_to_the_receive_callback_as_ECONNREFUSED()
    {
        using var scope = new LoopScope();
        var client = new UdpHandle(scope.Loop);
        Assert.Equal(0, client.Connect(ClosedPorts.NextUdp()));
        var received = UdpTestKit.Record(client);
        Assert.Equal(0, client.Send(UdpTestKit.Bytes("ANYONE"), null));
        scope.RunUntil(() => received.Count == 1);
        Assert.Equal(UvError.ECONNREFUSED, received[0].NRead);
        Assert.True(client.IsReceiving);
        client.Close();
        scope.Finish();
    }

    // libuv: udp_send_unreachable: not receiving, the refusal comes back to the next send.
    [Fact]
    public void A_closed_port_fails_the_next_send_with_ECONNREFUSED()
    {
        using var scope = new LoopScope();
        var client = new UdpHandle(scope.Loop);
        Assert.Equal(0, client.Connect(ClosedPorts.NextUdp()));
        var statuses = new List<int>();
        Assert.Equal(0, client.Send(UdpTestKit.Bytes("1"), null, (_, s) => statuses.Add(s)));
        scope.RunUntil(() => statuses.Count == 1);
        // The ICMP reply comes back through loopback at once, but the loop is not told (nothing is watched): poll
        // for it with further sends, each of which either goes or gets the refusal.
        int refused = 0;
        for (int i = 0; i < 100 && refused == 0; i++)
        {
            int status = client.TrySend(UdpTestKit.Bytes("2"), null);
            if (status == UvError.ECONNREFUSED)
                refused++;
            else
                Assert.Equal(1, status);
        }
        Assert.Equal(1, refused);
        Assert.Equal(0, statuses[0]);
        client.Close();
        scope.Finish();
    }

}

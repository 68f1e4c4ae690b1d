using Uvnet.Tests;

namespace Uvnet.Net.Tests;

/// <summary>
/// A socket driven by its events alone (every connection of the HTTP server) holds no state for members it never
/// calls: the async members' operations and pending read, and the idle timeout's timer, are made on first use.
/// </summary>
public class SocketIdleStateTests
{
    [Fact]
    public void A_socket_driven_by_its_events_holds_no_async_or_timeout_state()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        string received = "";
        peer.Data += (s, data) => s.Write(data.ToArray());
        client.Data += (_, data) => received += System.Text.Encoding.ASCII.GetString(data);
        client.Write("ping");
        LoopDriver.RunUntil(loop, () => received == "ping");

        Assert.False(peer.HoldsAsyncState);
        Assert.False(peer.HoldsTimeoutState);
        // Turning a timeout off that was never on makes nothing either.
        peer.SetTimeout(0);
        Assert.False(peer.HoldsTimeoutState);

        // The first use makes each.
        peer.SetTimeout(60_000);
        Assert.True(peer.HoldsTimeoutState);
        ValueTask<int> pending = peer.ReadAsync(new byte[16]);
        Assert.True(peer.HoldsAsyncState);
        client.Write("more");
        Assert.Equal(4, loop.RunUntil(pending.AsTask()));

        client.Destroy();
        peer.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void A_refused_async_connect_makes_no_async_state()
    {
        // ConnectAsync off the loop is refused, and a refused call changes nothing: it must not make the socket's async
        // state, which the loop thread may be making at that moment for a read of its own (one would replace the other,
        // and the pending read with it).
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        var socket = new Socket(loop);

        List<Exception?> errors = LoopDriver.ExceptionsOffTheLoop(loop,
            () => socket.ConnectAsync(server.Port, "127.0.0.1"), () => socket.ConnectAsync("/nowhere"));
        Assert.All(errors, e => Assert.IsType<InvalidOperationException>(e));
        Assert.False(socket.HoldsAsyncState);

        socket.Destroy();
        peer.Destroy();
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }
}

/// <summary>An accepted connection keeps its IPv4 peer packed, the endpoint made when asked, and reads as before.</summary>
public class AcceptedPeerTests
{
    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1", "127.0.0.1", "IPv4", false)]
    [InlineData("::", "127.0.0.1", "::ffff:127.0.0.1", "IPv6", false)] // a dual-stack server's IPv4 client, as Node reports it
    [InlineData("::1", "::1", "::1", "IPv6", true)] // not IPv4: the endpoint is kept from the start, as before
    public void An_accepted_socket_reads_its_peer_before_and_after_both_sides_end_making_the_endpoint_only_when_asked(
        string listenOn, string connectTo, string expected, string family, bool heldFromTheStart)
    {
        var loop = new Loop();
        Socket? peer = null;
        var server = new Server(loop, p => peer = p);
        bool listening = false;
        server.Listen(0, listenOn, callback: () => listening = true);
        LoopDriver.RunUntil(loop, () => listening);
        var client = new Socket(loop);
        bool connected = false;
        client.Connect(server.Port, connectTo, () => connected = true);
        LoopDriver.RunUntil(loop, () => connected && peer is not null);

        Assert.Equal(heldFromTheStart, peer!.HoldsRemoteEndPoint);
        int clientPort = client.LocalPort!.Value;
        Assert.Equal(expected, peer.RemoteAddress);
        Assert.Equal(clientPort, peer.RemotePort);
        Assert.Equal(family, peer.RemoteFamily);
        Assert.True(peer.HoldsRemoteEndPoint);

        // Read again once both sides have ended and the socket closed (getpeername would fail by then).
        bool closed = false;
        peer.Closed += (_, _) => closed = true;
        client.End();
        peer.End();
        LoopDriver.RunUntil(loop, () => closed);
        Assert.Equal(expected, peer.RemoteAddress);
        Assert.Equal(clientPort, peer.RemotePort);

        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void An_accepted_IPv4_peer_first_asked_for_after_the_close_still_reads()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        int clientPort = client.LocalPort!.Value;
        bool closed = false;
        peer.Closed += (_, _) => closed = true;
        client.End();
        peer.End();
        LoopDriver.RunUntil(loop, () => closed);

        Assert.False(peer.HoldsRemoteEndPoint);
        Assert.Equal("127.0.0.1", peer.RemoteAddress);
        Assert.Equal(clientPort, peer.RemotePort);
        Assert.Equal(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, clientPort), peer.RemoteEndPoint);

        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }
}

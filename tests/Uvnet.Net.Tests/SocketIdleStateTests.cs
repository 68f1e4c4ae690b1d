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
}

namespace Uvnet.Net.Tests;

/// <summary>What the user keeps with a socket is the user's: the socket keeps its own state in its own fields.</summary>
public class SocketUserStateTests
{
    [Fact]
    public void A_user_object_in_the_socket_handles_Data_leaves_the_socket_working()
    {
        // Socket.Handle is public for libuv-level access, and Handle.Data is the user's field (libuv's data): the
        // socket's callbacks found the socket there, so they threw InvalidCastException out of Run.
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        client.Handle!.Data = "the user's";
        peer.Handle!.Data = "the user's";
        var received = NetTestKit.Collect(peer);
        bool written = false;
        client.Write("hello"u8.ToArray(), error => written = error is null);
        LoopDriver.RunUntil(loop, () => written && received.ToString() == "hello");
        Assert.Equal("the user's", client.Handle.Data); // untouched by the socket
        bool closed = false;
        peer.Closed += (_, _) => closed = true;
        client.End();
        LoopDriver.RunUntil(loop, () => closed);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }
}

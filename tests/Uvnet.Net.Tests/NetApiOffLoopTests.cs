namespace Uvnet.Net.Tests;

/// <summary>The members of Node's net conveniences refuse a call from another thread while the loop runs, before they change anything.</summary>
public class NetApiOffLoopTests
{
    [Fact]
    public void Pipe_encoding_max_connections_and_listen_called_off_the_loop_throw_and_change_nothing()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        server.MaxConnections = 5;
        var errors = LoopDriver.ExceptionsOffTheLoop(loop,
            () => client.Pipe(peer),
            () => client.Unpipe(),
            () => client.SetEncoding("hex"),
            () => server.MaxConnections = 1,
            () => new Server(loop).Listen(0, "127.0.0.1", () => { }),
            () => Net.CreateConnection(loop, server.Port, "127.0.0.1"));
        Assert.All(errors, e => Assert.IsType<InvalidOperationException>(e));
        Assert.Equal(5, server.MaxConnections);
        Assert.Null(client.ReadableEncoding);
        Assert.False(client.IsPaused);
        Assert.Equal(1, server.ConnectionCount);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    // The loop counts its referenced handles without locks: as Socket.Ref/Unref, the server's refuse another thread.
    [Fact]
    public void Server_ref_and_unref_called_off_the_loop_throw_and_change_nothing()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop);
        var errors = LoopDriver.ExceptionsOffTheLoop(loop, server.Unref, server.Ref);
        Assert.Equal(2, errors.Count);
        Assert.All(errors, e => Assert.IsType<InvalidOperationException>(e));
        Assert.True(loop.IsAlive); // still referenced by the listening server
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
    }
}

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
        var errors = new List<Exception?>();
        bool called = false;
        loop.Post(() =>
        {
            // The loop thread waits inside its callback: the loop is surely running while the other thread calls.
            var other = new Thread(() =>
            {
                errors.Add(Record.Exception(() => client.Pipe(peer)));
                errors.Add(Record.Exception(() => client.Unpipe()));
                errors.Add(Record.Exception(() => client.SetEncoding("hex")));
                errors.Add(Record.Exception(() => server.MaxConnections = 1));
                errors.Add(Record.Exception(() => new Server(loop).Listen(0, "127.0.0.1", () => { })));
                errors.Add(Record.Exception(() => Net.CreateConnection(loop, server.Port, "127.0.0.1")));
            });
            other.Start();
            other.Join();
            called = true;
        });
        LoopDriver.RunUntil(loop, () => called);
        Assert.All(errors, e => Assert.IsType<InvalidOperationException>(e));
        Assert.Equal(5, server.MaxConnections);
        Assert.Null(client.ReadableEncoding);
        Assert.False(client.IsPaused);
        Assert.Equal(1, server.ConnectionCount);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }
}

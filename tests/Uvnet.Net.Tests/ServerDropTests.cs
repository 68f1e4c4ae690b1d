namespace Uvnet.Net.Tests;

/// <summary>
/// <see cref="Server.MaxConnections"/> and <see cref="Server.Drop"/>, after Node's test-net-server-drop-connections,
/// test-net-server-max-connections and test-net-server-max-connections-close-makes-more-available.
/// </summary>
public class ServerDropTests
{
    // test-net-server-drop-connections: maxConnections = 1, two clients; the second is dropped with its addresses.
    [Fact]
    public void Connection_over_max_connections_is_dropped_with_its_addresses()
    {
        var loop = new Loop();
        var accepted = new List<Socket>();
        var server = NetTestKit.ListeningServer(loop, accepted.Add);
        server.MaxConnections = 1;
        var drops = new List<DroppedConnection>();
        server.Drop += (s, d) =>
        {
            Assert.Same(server, s);
            drops.Add(d);
        };
        var first = new Socket(loop);
        bool firstConnected = false;
        first.Connect(server.Port, "127.0.0.1", () => firstConnected = true);
        LoopDriver.RunUntil(loop, () => firstConnected && accepted.Count == 1);
        var second = new Socket(loop);
        bool secondClosed = false;
        second.Closed += (_, _) => secondClosed = true;
        second.Connect(server.Port, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => drops.Count == 1 && secondClosed); // closed at once by the server

        DroppedConnection drop = drops[0];
        Assert.Equal("127.0.0.1", drop.LocalAddress);
        Assert.Equal(server.Port, drop.LocalPort);
        Assert.Equal("IPv4", drop.LocalFamily);
        Assert.Equal("127.0.0.1", drop.RemoteAddress);
        Assert.NotNull(drop.RemotePort);
        Assert.NotEqual(0, drop.RemotePort);
        Assert.Equal("IPv4", drop.RemoteFamily);
        Assert.Single(accepted);
        Assert.Equal(1, server.ConnectionCount);
        first.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    // test-net-server-drop-connections' dormant server: maxConnections = 0 refuses every connection.
    [Fact]
    public void Max_connections_zero_drops_every_connection()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop, _ => Assert.Fail("a connection was accepted"));
        server.MaxConnections = 0;
        bool dropped = false;
        server.Drop += (s, _) =>
        {
            dropped = true;
            s.Close(); // as Node's test: close the server from the drop handler
        };
        bool serverClosed = false;
        server.Closed += _ => serverClosed = true;
        var client = new Socket(loop);
        bool clientClosed = false;
        client.Closed += (_, _) => clientClosed = true;
        client.Connect(server.Port, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => dropped && clientClosed && serverClosed);
        Assert.Equal(0, server.ConnectionCount);
        LoopDriver.AssertNothingLeft(loop);
    }

    [Fact]
    public void A_unix_socket_connection_is_dropped_without_addresses()
    {
        var loop = new Loop();
        string path = Path.Combine(Path.GetTempPath(), $"uvnet-drop-{Guid.NewGuid():N}.sock");
        try
        {
            var server = new Server(loop) { MaxConnections = 0 };
            DroppedConnection? drop = null;
            server.Drop += (_, d) => drop = d;
            bool listening = false;
            server.Listen(path, () => listening = true);
            LoopDriver.RunUntil(loop, () => listening);
            var client = new Socket(loop);
            client.Connect(path);
            LoopDriver.RunUntil(loop, () => drop is not null);
            Assert.Equal(default(DroppedConnection), drop);
            client.Destroy();
            server.Close();
            LoopDriver.CloseLoop(loop);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Max_connections_is_unlimited_by_default()
    {
        var loop = new Loop();
        var server = new Server(loop);
        Assert.Null(server.MaxConnections);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Negative_max_connections_is_refused_and_the_limit_kept()
    {
        var loop = new Loop();
        var server = new Server(loop) { MaxConnections = 3 };
        Assert.Throws<ArgumentOutOfRangeException>(() => server.MaxConnections = -1);
        Assert.Equal(3, server.MaxConnections);
        LoopDriver.CloseLoop(loop);
    }

    // test-net-server-max-connections-close-makes-more-available: a closed connection frees its place.
    [Fact]
    public void Closing_a_connection_makes_room_for_the_next()
    {
        var loop = new Loop();
        var accepted = new List<Socket>();
        var server = NetTestKit.ListeningServer(loop, accepted.Add);
        server.MaxConnections = 1;
        int drops = 0;
        server.Drop += (_, _) => drops++;

        Socket Open()
        {
            var c = new Socket(loop);
            c.Connect(server.Port, "127.0.0.1");
            return c;
        }
        var a = Open();
        LoopDriver.RunUntil(loop, () => accepted.Count == 1);
        var b = Open();
        LoopDriver.RunUntil(loop, () => drops == 1);
        a.Destroy();
        LoopDriver.RunUntil(loop, () => server.ConnectionCount == 0);
        var c = Open();
        LoopDriver.RunUntil(loop, () => accepted.Count == 2);
        var d = Open();
        LoopDriver.RunUntil(loop, () => drops == 2);
        foreach (var s in new[] { b, c, d })
            s.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void A_drop_handler_that_throws_still_leaves_the_connection_closed()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop);
        server.MaxConnections = 0;
        server.Drop += (_, _) => throw new CallbackException();
        var client = new Socket(loop);
        bool clientClosed = false;
        client.Closed += (_, _) => clientClosed = true;
        client.Connect(server.Port, "127.0.0.1");
        Assert.Throws<CallbackException>(() => LoopDriver.RunUntil(loop, () => false, seconds: 5));
        LoopDriver.RunUntil(loop, () => clientClosed);
        Assert.Equal(0, server.ConnectionCount);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }
}

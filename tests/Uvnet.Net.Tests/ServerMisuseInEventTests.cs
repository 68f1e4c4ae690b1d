namespace Uvnet.Net.Tests;

/// <summary>
/// A server closed, or its sockets destroyed, from inside each server event, and each server event's handler
/// throwing: the server stays consistent (its count of connections, its Closed event, listening again), and a
/// throwing handler's exception leaves Loop.Run as in Node.
/// </summary>
public class ServerMisuseInEventTests
{
    [Fact]
    public void Close_inside_Listening_closes_the_server()
    {
        var loop = new Loop();
        var server = new Server(loop, NetTestKit.Echo);
        var log = new List<string>();
        server.Listening += s => s.Close(e => log.Add($"close callback {e?.Code}"));
        server.Closed += _ => log.Add("closed");
        server.Listen(0, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => log.Count == 2);

        Assert.Equal(["closed", "close callback "], log);
        Assert.False(server.IsListening);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Close_inside_Connection_keeps_that_connection_and_closes_after_it()
    {
        var loop = new Loop();
        bool serverClosed = false;
        Server? server = null;
        server = NetTestKit.ListeningServer(loop, socket =>
        {
            NetTestKit.Echo(socket);
            server!.Close(_ => serverClosed = true);
        });
        var client = new Socket(loop);
        var echoed = NetTestKit.Collect(client);
        client.Connect(server.Port, "127.0.0.1", () => client.Write("ping"));
        LoopDriver.RunUntil(loop, () => echoed.ToString() == "ping");

        Assert.False(server.IsListening);
        Assert.False(serverClosed); // its connection is still open
        client.End();
        LoopDriver.RunUntil(loop, () => serverClosed);
        Assert.Equal(0, server.ConnectionCount);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Destroying_the_socket_inside_Connection_ends_it_and_the_server_serves_the_next()
    {
        var loop = new Loop();
        int connections = 0;
        var server = NetTestKit.ListeningServer(loop, socket =>
        {
            if (++connections == 1)
                socket.Destroy();
            else
                NetTestKit.Echo(socket);
        });
        var first = new Socket(loop);
        bool firstClosed = false;
        first.Closed += (_, _) => firstClosed = true;
        first.Connect(server.Port, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => firstClosed && server.ConnectionCount == 0);

        AssertServes(loop, server);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Close_inside_a_listen_Error_reports_the_server_not_running_and_it_can_listen_again()
    {
        var loop = new Loop();
        var taken = NetTestKit.ListeningServer(loop);
        var server = new Server(loop, NetTestKit.Echo);
        NetException? closeError = null;
        server.Error += (s, _) => s.Close(e => closeError = e);
        server.Listen(taken.Port, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => closeError is not null);

        Assert.Equal("ERR_SERVER_NOT_RUNNING", closeError!.Code);
        bool listening = false;
        server.Listen(0, "127.0.0.1", callback: () => listening = true);
        LoopDriver.RunUntil(loop, () => listening);
        AssertServes(loop, server);
        server.Close();
        taken.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Listen_and_close_again_inside_Closed_runs_each_close_callback_once_in_turn()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop, NetTestKit.Echo);
        var log = new List<string>();
        int closedEvents = 0;
        server.Closed += s =>
        {
            log.Add($"closed {++closedEvents}");
            if (closedEvents > 1)
                return;
            s.Listen(0, "127.0.0.1");
            s.Close(_ => log.Add("second callback"));
        };
        server.Close(_ => log.Add("first callback"));
        LoopDriver.RunUntil(loop, () => closedEvents == 2 && log.Count == 4);

        // The first close's callback, then (only once the second listener has closed) the second's.
        Assert.Equal(["closed 1", "first callback", "closed 2", "second callback"], log);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Connection_handler_that_throws_leaves_Run_and_the_server_serves_on()
    {
        var loop = new Loop();
        int connections = 0;
        var server = NetTestKit.ListeningServer(loop, socket =>
        {
            if (++connections == 1)
                throw new CallbackException();
            NetTestKit.Echo(socket);
        });
        var first = new Socket(loop);
        bool firstClosed = false;
        first.Closed += (_, _) => firstClosed = true;
        first.Connect(server.Port, "127.0.0.1", () => first.End());

        Assert.Throws<CallbackException>(() => LoopDriver.RunUntil(loop, () => false, seconds: 5));
        // The connection accepted for the handler that threw is a working socket: it ends with its client.
        LoopDriver.RunUntil(loop, () => firstClosed && server.ConnectionCount == 0);
        AssertServes(loop, server);
        AssertClosesCleanly(loop, server);
    }

    [Fact]
    public void Listening_handler_that_throws_leaves_Run_and_the_server_listening()
    {
        var loop = new Loop();
        var server = new Server(loop, NetTestKit.Echo);
        server.Listening += _ => throw new CallbackException();
        server.Listen(0, "127.0.0.1");

        Assert.Throws<CallbackException>(() => LoopDriver.RunUntil(loop, () => false, seconds: 5));
        Assert.True(server.IsListening);
        AssertServes(loop, server);
        AssertClosesCleanly(loop, server);
    }

    [Fact]
    public void Error_handler_that_throws_leaves_Run_and_the_server_can_listen_again()
    {
        var loop = new Loop();
        var taken = NetTestKit.ListeningServer(loop);
        var server = new Server(loop, NetTestKit.Echo);
        server.Error += (_, _) => throw new CallbackException();
        server.Listen(taken.Port, "127.0.0.1");

        Assert.Throws<CallbackException>(() => LoopDriver.RunUntil(loop, () => false, seconds: 5));
        Assert.False(server.IsListening);
        bool listening = false;
        server.Listen(0, "127.0.0.1", callback: () => listening = true);
        LoopDriver.RunUntil(loop, () => listening);
        AssertServes(loop, server);
        taken.Close();
        AssertClosesCleanly(loop, server);
    }

    [Fact]
    public void Closed_handler_that_throws_leaves_Run_and_the_server_can_listen_again()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop, NetTestKit.Echo);
        int closedEvents = 0;
        server.Closed += _ =>
        {
            if (++closedEvents == 1)
                throw new CallbackException();
        };
        server.Close();

        Assert.Throws<CallbackException>(() => LoopDriver.RunUntil(loop, () => false, seconds: 5));
        bool listening = false;
        server.Listen(0, "127.0.0.1", callback: () => listening = true);
        LoopDriver.RunUntil(loop, () => listening);
        AssertServes(loop, server);
        AssertClosesCleanly(loop, server);
        Assert.Equal(2, closedEvents);
    }

    /// <summary>A new client's round trip through the server (whose connections echo).</summary>
    private static void AssertServes(Loop loop, Server server)
    {
        var client = new Socket(loop);
        var echoed = NetTestKit.Collect(client);
        bool closed = false;
        client.Closed += (_, _) => closed = true;
        client.Connect(server.Port, "127.0.0.1", () => client.End("ping"u8.ToArray()));
        LoopDriver.RunUntil(loop, () => closed && server.ConnectionCount == 0);
        Assert.Equal("ping", echoed.ToString());
    }

    /// <summary>The server closes with its Closed event (its count of connections is right), and the loop with it.</summary>
    private static void AssertClosesCleanly(Loop loop, Server server)
    {
        bool closed = false;
        server.Close(e => closed = e is null);
        LoopDriver.RunUntil(loop, () => closed);
        LoopDriver.AssertNothingLeft(loop);
    }
}

using System.Net;

namespace Uvnet.Net.Tests;

/// <summary>The server, after Node's test-net-server-max-connections, test-net-server-close and test-net-server-listen-* cases.</summary>
public class ServerTests
{
    [Fact]
    public void Listening_on_a_taken_port_raises_EADDRINUSE()
    {
        var loop = new Loop();
        var first = NetTestKit.ListeningServer(loop);
        var second = new Server(loop);
        NetException? error = null;
        second.Error += (_, e) => error = e;
        second.Listen(first.Port, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => error is not null);
        Assert.Equal("EADDRINUSE", error!.Code);
        Assert.Equal("listen", error.Syscall);
        Assert.Equal(first.Port, error.Port);
        Assert.False(second.IsListening);
        first.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void A_listen_error_with_no_Error_handler_is_thrown_out_of_Run_as_Nodes_unhandled_error()
    {
        var loop = new Loop();
        var first = NetTestKit.ListeningServer(loop);
        var second = new Server(loop);
        second.Listen(first.Port, "127.0.0.1");
        var thrown = Assert.Throws<NetException>(() => LoopDriver.RunUntil(loop, () => false));
        Assert.Equal("EADDRINUSE", thrown.Code);
        Assert.Equal("listen", thrown.Syscall);
        Assert.False(second.IsListening);
        first.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Share_port_servers_listen_on_one_port_that_no_other_program_can_take()
    {
        var loop = new Loop();
        var options = new ServerOptions { SharePort = true };
        var first = NetTestKit.ListeningServer(loop, options: options);
        var second = new Server(loop, options: options);
        bool listening = false;
        second.Listen(first.Port, "127.0.0.1", callback: () => listening = true);
        LoopDriver.RunUntil(loop, () => listening);
        Assert.Equal(first.Port, second.Port);
        Assert.Equal(System.Net.Sockets.SocketError.AddressAlreadyInUse, PortIntruder.TryListen(new IPEndPoint(IPAddress.Loopback, first.Port)));
        first.Close();
        second.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Reuse_port_with_share_port_is_refused()
    {
        var loop = new Loop();
        Assert.Throws<ArgumentException>(() => new Server(loop, options: new ServerOptions { ReusePort = true, SharePort = true }));
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Default_listen_is_dual_stack_on_every_interface()
    {
        var loop = new Loop();
        var server = new Server(loop, NetTestKit.Echo);
        bool listening = false;
        server.Listen(0, callback: () => listening = true);
        LoopDriver.RunUntil(loop, () => listening);
        Assert.Equal(IPAddress.IPv6Any, ((IPEndPoint)server.Address!).Address);
        int connected = 0;
        foreach (string host in new[] { "127.0.0.1", "::1" })
        {
            var client = new Socket(loop);
            client.Connect(server.Port, host, () => { connected++; client.Destroy(); });
        }
        LoopDriver.RunUntil(loop, () => connected == 2);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Connections_beyond_max_connections_are_closed_at_once()
    {
        var loop = new Loop();
        var accepted = new List<Socket>();
        var server = NetTestKit.ListeningServer(loop, accepted.Add);
        server.MaxConnections = 2;
        var clients = Enumerable.Range(0, 3).Select(_ => new Socket(loop)).ToList();
        int closedClients = 0;
        foreach (var c in clients)
        {
            c.Closed += (_, _) => closedClients++;
            c.Connect(server.Port, "127.0.0.1");
        }
        LoopDriver.RunUntil(loop, () => accepted.Count == 2 && closedClients == 1);
        Assert.Equal(2, server.ConnectionCount);
        clients.ForEach(c => c.Destroy());
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Close_stops_accepting_and_reports_closed_once_the_last_connection_ends()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);

        bool closed = false;
        NetException? callbackError = new("unset", "unset");
        server.Close(e => { closed = true; callbackError = e; });
        LoopDriver.RunFor(loop, 50);
        Assert.False(closed); // a connection is still open
        Assert.False(server.IsListening);

        var late = new Socket(loop);
        NetException? refused = null;
        late.Error += (_, e) => refused = e;
        late.Connect(server.Port, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => refused is not null);
        Assert.Equal("ECONNREFUSED", refused!.Code);

        client.End();
        LoopDriver.RunUntil(loop, () => closed);
        Assert.Null(callbackError);
        Assert.Equal(0, server.ConnectionCount);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Closing_a_server_that_is_not_listening_reports_ERR_SERVER_NOT_RUNNING()
    {
        var loop = new Loop();
        var server = new Server(loop);
        NetException? error = null;
        server.Close(e => error = e);
        LoopDriver.RunUntil(loop, () => error is not null);
        Assert.Equal("ERR_SERVER_NOT_RUNNING", error!.Code);
        LoopDriver.CloseLoop(loop);
    }
}

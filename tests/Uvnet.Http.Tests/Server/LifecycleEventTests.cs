using System.Text;
using Uvnet.Http.Server;
using Uvnet.Net;

namespace Uvnet.Http.Tests.Server;

/// <summary>The server's and the connections' lifecycle events are raised exactly once, and only when they happened.</summary>
public class LifecycleEventTests
{
    [Fact]
    public void Closed_is_raised_once_when_connections_close_before_the_listener()
    {
        var fixture = ServerFixture.Start((req, res) => res.End("ok"));
        int closed = 0;
        fixture.Server.Closed += _ => closed++;
        using var socket = fixture.Run(async () =>
        {
            var s = await RawClient.ConnectAsync(fixture.Port);
            await s.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
            await RawClient.ReadUntilAsync(s, t => t.EndsWith("ok", StringComparison.Ordinal));
            return s;
        });
        LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.ConnectionCount == 1);
        fixture.Server.CloseAllConnections(); // the connection's close completes before the listener's
        fixture.Server.Close();
        LoopDriver.RunUntil(fixture.Loop, () => closed > 0 && !fixture.Loop.IsAlive);
        Assert.Equal(1, closed);
        LoopDriver.CloseLoop(fixture.Loop);
    }

    [Fact]
    public void A_listen_error_with_no_Error_handler_is_thrown_out_of_Run_as_Nodes_unhandled_error()
    {
        using var fixture = ServerFixture.Start((req, res) => res.End());
        var second = Http.CreateServer(fixture.Loop, (req, res) => res.End());
        second.Listen(fixture.Port, "127.0.0.1");
        var thrown = Assert.Throws<NetException>(() => LoopDriver.RunUntil(fixture.Loop, () => false));
        Assert.Equal("EADDRINUSE", thrown.Code);
        NetException? handled = null;
        second.Error += (_, e) => handled = e;
        second.Listen(fixture.Port, "127.0.0.1");
        LoopDriver.RunUntil(fixture.Loop, () => handled is not null);
        Assert.Equal("EADDRINUSE", handled!.Code);
    }

    [Fact]
    public void Listen_then_Close_at_once_never_runs_the_listening_callback()
    {
        var loop = new Loop();
        var server = Http.CreateServer(loop, (req, res) => res.End());
        bool listening = false, listeningEvent = false, closed = false;
        server.Listening += _ => listeningEvent = true;
        server.Listen(0, "127.0.0.1", callback: () => listening = true);
        server.Close(() => closed = true);
        LoopDriver.RunUntil(loop, () => closed && !loop.IsAlive);
        Assert.False(listening);
        Assert.False(listeningEvent);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void ClientError_is_raised_once_and_the_connection_ends_after_the_clients_FIN()
    {
        using var fixture = ServerFixture.Start((req, res) => res.End());
        int errors = 0;
        fixture.Server.ClientError += (error, socket) =>
        {
            errors++;
            socket.Write("HTTP/1.1 400 Custom\r\nContent-Length: 0\r\n\r\n"); // answers, but leaves the socket open
        };
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n", endAfterSending: true);
        Assert.Equal("HTTP/1.1 400 Custom\r\nContent-Length: 0\r\n\r\n", raw);
        LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.ConnectionCount == 0);
        Assert.Equal(1, errors);
    }
}

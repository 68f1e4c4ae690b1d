using System.Text;
using Uvnet.Http.Server;
using Uvnet.Net;

namespace Uvnet.Proxy.Tests;

/// <summary>Protocol switches tunnelled both ways, and 100-continue passed through from the upstream.</summary>
public sealed class UpgradeAndContinueTests
{
    /// <summary>An upstream whose Upgrade handler switches to an echo protocol (as a WebSocket server would).</summary>

    [Fact]
    public void An_upgrade_is_tunnelled_both_ways()
    {
        using var kit = new ProxyKit();
        var upstreamSockets = new List<Socket>();
        HttpServer server = Http.Http.CreateServer(kit.Loop, (req, res) => res.End("plain"));
        server.Upgrade += (req, socket, head) =>
        {
            upstreamSockets.Add(socket);
            socket.Write(Encoding.Latin1.GetBytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"));
            if (head.Length > 0)
                socket.Write(head);
            socket.Data += (s, d) => s.Write(d.ToArray());
            socket.Ended += s => s.End();
        };
        bool listening = false;
        server.Listen(0, "127.0.0.1", () => listening = true);
        LoopDriver.RunUntil(kit.Loop, () => listening);
        kit.StartProxy(ports: server.Port);

        RawClient client = kit.Raw("GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nfirst,");
        LoopDriver.RunUntil(kit.Loop, () => client.Text.Contains("first,"));
        client.Socket!.Write(Encoding.Latin1.GetBytes("second"));
        LoopDriver.RunUntil(kit.Loop, () => client.Text.EndsWith("first,second", StringComparison.Ordinal));

        Assert.StartsWith("HTTP/1.1 101 Switching Protocols\r\n", client.Text);
        Assert.Contains("Upgrade: echo", client.Text);

        client.Socket.End(); // a close on one side closes the other
        LoopDriver.RunUntil(kit.Loop, () => client.Closed && upstreamSockets[0].Destroyed);
        LoopDriver.RunUntil(kit.Loop, () => kit.Finished.Count == 1);
        server.Close();
    }

    [Fact]
    public void An_upgrade_the_upstream_declines_gets_the_upstreams_answer_and_the_connection_closes()
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((req, res) => { res.StatusCode = 426; res.End("no"); });
        kit.StartProxy(ports: port);

        RawClient client = kit.Raw("GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n");
        LoopDriver.RunUntil(kit.Loop, () => client.Closed);

        Assert.StartsWith("HTTP/1.1 426", client.Text);
        Assert.EndsWith("no", client.Text);
    }

    [Fact]
    public void A_100_continue_comes_from_the_upstream_and_the_body_follows()
    {
        using var kit = new ProxyKit();
        HttpServer server = Http.Http.CreateServer(kit.Loop, (req, res) => res.End("unused"));
        var order = new List<string>();
        server.CheckContinue += (req, res) =>
        {
            order.Add("check");
            res.WriteContinue();
            var body = new MemoryStream();
            req.Data += (_, d) => body.Write(d);
            req.End += _ => res.End(body.ToArray());
        };
        bool listening = false;
        server.Listen(0, "127.0.0.1", () => listening = true);
        LoopDriver.RunUntil(kit.Loop, () => listening);
        kit.StartProxy(ports: server.Port);

        Outcome o = kit.Send(kit.ToProxy("/", "POST", new("Expect", "100-continue"), new("Content-Length", "4")), r =>
        {
            r.Continue += _ => { order.Add("continue"); r.End("data"u8); };
            r.FlushHeaders();
        });
        LoopDriver.RunUntil(kit.Loop, () => o.Closed);

        Assert.Equal(["check", "continue"], order);
        Assert.Equal("data", o.Text);
        server.CloseAllConnections();
        server.Close();
    }

    [Fact]
    public void An_upstream_that_refuses_an_expectation_answers_without_the_body()
    {
        using var kit = new ProxyKit();
        HttpServer server = Http.Http.CreateServer(kit.Loop, (req, res) => res.End("unused"));
        server.CheckContinue += (req, res) => { res.StatusCode = 417; res.End(); };
        bool listening = false;
        server.Listen(0, "127.0.0.1", () => listening = true);
        LoopDriver.RunUntil(kit.Loop, () => listening);
        kit.StartProxy(ports: server.Port);
        bool continued = false;

        Outcome o = kit.Send(kit.ToProxy("/", "POST", new("Expect", "100-continue"), new("Content-Length", "4")), r =>
        {
            r.Continue += _ => continued = true;
            r.FlushHeaders();
        });
        LoopDriver.RunUntil(kit.Loop, () => o.Response is not null);

        Assert.Equal(417, o.Status);
        Assert.False(continued);
        o.Request!.Destroy();
        server.CloseAllConnections();
        server.Close();
    }
}

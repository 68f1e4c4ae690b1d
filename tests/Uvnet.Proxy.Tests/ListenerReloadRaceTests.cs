using Uvnet.Http.Server;
using Uvnet.Net;
using Uvnet.Proxy.Listeners;

namespace Uvnet.Proxy.Tests;

/// <summary>
/// Reloads that replace a listener on the same fixed port, and a second reload before the first's removed listener has
/// drained: the new listener listens, requests in flight finish, and the connection gauges add up and return to zero.
/// </summary>
public sealed class ListenerReloadRaceTests
{
    private static ProxyListenerOptions At(string name, int port, bool proxyProtocol = false) =>
        new() { Name = name, Host = "127.0.0.1", Port = port, ProxyProtocol = proxyProtocol };

    private static int FreePort(ProxyKit kit)
    {
        int port = 0;
        Server probe = Net.Net.CreateServer(kit.Loop, _ => { });
        probe.Listen(0, "127.0.0.1", () => port = ((System.Net.IPEndPoint)probe.Address!).Port);
        LoopDriver.RunUntil(kit.Loop, () => port != 0);
        bool closed = false;
        probe.Close(_ => closed = true);
        LoopDriver.RunUntil(kit.Loop, () => closed);
        return port;
    }

    [Fact]
    public void A_listener_replaced_on_its_own_port_listens_there_at_once_and_the_old_one_finishes_its_request()
    {
        using var kit = new ProxyKit();
        var held = new List<ServerResponse>();
        int upstream = kit.StartUpstream((req, res) =>
        {
            if (req.Url == "/hold")
                held.Add(res);
            else
                res.End("up");
        });
        ProxyOptions options = ProxyKit.Simple(null, null, upstream);
        ProxyServer proxy = kit.StartProxy(options);
        var errors = new List<NetException>();
        proxy.ListenerError += (_, e) => errors.Add(e);
        int port = FreePort(kit);
        proxy.Reload(options, [At("x", port, proxyProtocol: true)]);
        ProxyListener old = proxy.Listeners[1];
        LoopDriver.RunUntil(kit.Loop, () => old.Port == port);
        var client = new RawClient();
        Socket socket = Net.Net.CreateConnection(kit.Loop, port, "127.0.0.1");
        client.Socket = socket;
        socket.Error += (_, _) => { };
        socket.Data += (_, d) => client.Received.Append(System.Text.Encoding.Latin1.GetString(d));
        socket.Closed += (_, _) => client.Closed = true;
        socket.Write("PROXY TCP4 10.0.0.1 10.0.0.2 1111 80\r\nGET /hold HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"u8.ToArray());
        LoopDriver.RunUntil(kit.Loop, () => held.Count == 1);

        proxy.Reload(options, [At("x", port)]); // the kind changed: closed, and one added on the same port
        ProxyListener replaced = proxy.Listeners[1];
        LoopDriver.RunUntil(kit.Loop, () => replaced.Port == port || errors.Count > 0 || replaced.IsClosed);

        Assert.Empty(errors);
        Assert.NotSame(old, replaced);
        Assert.Equal("up", kit.Exchange(kit.ToProxy() with { Port = port }).Text);
        Assert.Equal(2, proxy.ReadGauges().ListenerConnections["x"]); // the old one's client, and the kit's idle one on the new
        held[0].End("late");
        LoopDriver.RunUntil(kit.Loop, () => client.Closed);
        Assert.Contains("late", client.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_reload_before_the_first_s_removed_listener_drained_re_adds_it_and_the_gauges_return_to_zero()
    {
        using var kit = new ProxyKit();
        var held = new List<ServerResponse>();
        int upstream = kit.StartUpstream((req, res) => held.Add(res));
        ProxyOptions options = ProxyKit.Simple(null, null, upstream);
        ProxyServer proxy = kit.StartProxy(options);
        var errors = new List<NetException>();
        proxy.ListenerError += (_, e) => errors.Add(e);
        int port = FreePort(kit);
        proxy.Reload(options, [At("x", port)]);
        LoopDriver.RunUntil(kit.Loop, () => proxy.Listeners[1].Port == port);
        Outcome first = kit.Send(kit.ToProxy() with { Port = port });
        LoopDriver.RunUntil(kit.Loop, () => held.Count == 1);

        proxy.Reload(options, []); // x drains
        proxy.Reload(options, [At("x", port)]); // and comes back before it drained
        LoopDriver.RunUntil(kit.Loop, () => proxy.Listeners.Count == 2 && proxy.Listeners[1].Port == port || errors.Count > 0);
        Assert.Empty(errors);
        var second = new Http.Client.Agent(kit.Loop);
        Outcome next = kit.Send(kit.ToProxy() with { Port = port, Agent = second });
        LoopDriver.RunUntil(kit.Loop, () => held.Count == 2);
        Assert.Equal(2, proxy.ReadGauges().ListenerConnections["x"]);

        foreach (ServerResponse res in held)
            res.End("late");
        LoopDriver.RunUntil(kit.Loop, () => first.Closed && next.Closed);
        kit.Client.Destroy();
        second.Destroy();
        LoopDriver.RunUntil(kit.Loop, () => proxy.ReadGauges().ListenerConnections.GetValueOrDefault("x") == 0);
        Assert.All(proxy.Listeners.Concat([proxy.Listeners[0]]), l => Assert.True(l.ConnectionsOpen >= 0));
        Assert.Equal((200, "late"), (first.Status, first.Text));
        Assert.Equal((200, "late"), (next.Status, next.Text));
    }
}

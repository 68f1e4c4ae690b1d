using Uvnet.Proxy.Hooks;

namespace Uvnet.Proxy.Tests;

/// <summary>How many sends a proxied response costs downstream (a send is a system call: the proxy's largest cost).</summary>
public sealed class ProxySendTests
{
    [Fact]
    public void A_small_proxied_response_leaves_in_one_send()
    {
        // The upstream's head, body and end come in one read, through separate calls: they go down as one send.
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((_, res) => res.End("Hello, World!"u8), recordBody: false);
        ProxyServer proxy = kit.StartProxy(ports: port);
        kit.Exchange(kit.ToProxy()); // the connections are made and kept
        long before = proxy.Server.WritesIssued;

        Outcome o = kit.Exchange(kit.ToProxy());

        Assert.Equal("Hello, World!", o.Text);
        Assert.Equal(1, proxy.Server.WritesIssued - before);
    }

    [Fact]
    public void A_filters_answer_leaves_in_one_send()
    {
        // Answered from the upstream's read (at ResponseHead), outside the downstream read that batches on its own.
        using var kit = new ProxyKit();
        ProxyServer proxy = kit.StartProxy(filters: [new DelegateFilter(HookPoint.ResponseHead, _ => HookResult.Respond(403, null, "no"u8.ToArray()))], ports: kit.StartEcho());
        kit.Exchange(kit.ToProxy());
        long before = proxy.Server.WritesIssued;

        Outcome o = kit.Exchange(kit.ToProxy());

        Assert.Equal(403, o.Status);
        Assert.Equal(1, proxy.Server.WritesIssued - before);
    }
}

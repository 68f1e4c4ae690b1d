using System.Text;
using Uvnet.Http.Server;
using Uvnet.Net;
using Uvnet.Proxy.Hooks;

namespace Uvnet.Proxy.Tests;

/// <summary>An outside review's findings (issue 20): each test failed before its fix.</summary>
public sealed class ReviewTests
{
    [Fact]
    public void An_upgrade_request_with_a_content_length_is_declined_upstream_without_crashing_the_proxy_or_desyncing_the_pool()
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((req, res) => { res.StatusCode = 426; res.End("no"); });
        kit.StartProxy(ports: port);

        RawClient client = kit.Raw("GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\nContent-Length: 10\r\n\r\n0123456789");
        LoopDriver.RunUntil(kit.Loop, () => client.Closed);

        Assert.StartsWith("HTTP/1.1 426", client.Text);
        Assert.Null(kit.Seen[0].Header("content-length")); // the bytes after an upgrade's head belong to the new protocol, not a body
        Outcome next = kit.Exchange(kit.ToProxy("/next"));
        Assert.Equal(426, next.Response!.StatusCode);
        Assert.Equal("/next", kit.Seen[^1].Url);
    }

    [Fact]
    public void A_filters_answer_to_an_upgrade_request_cannot_split_the_response_with_a_CRLF_in_a_field()
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((req, res) => res.End("plain"));
        kit.StartProxy(filters: [new AnswerFilter(() => HookResult.Respond(403, [new("X-Why", "no\r\nSet-Cookie: evil=1")]))], ports: port);
        var errors = new List<Exception>();
        kit.Proxy!.FilterError += (e, _) => errors.Add(e);

        RawClient client = kit.Raw("GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n");
        LoopDriver.RunUntil(kit.Loop, () => client.Closed);

        Assert.StartsWith("HTTP/1.1 500", client.Text); // as a filter's unsendable field on any other response
        Assert.DoesNotContain("Set-Cookie", client.Text);
        Assert.Single(errors);
    }

    [Fact]
    public void A_response_head_filter_cannot_split_a_declined_upgrades_answer_with_a_CRLF_in_a_field()
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((req, res) => { res.StatusCode = 426; res.End("no"); });
        kit.StartProxy(filters: [new ResponseFieldFilter("X-Why", "no\r\nSet-Cookie: evil=1")], ports: port);
        var errors = new List<Exception>();
        kit.Proxy!.FilterError += (e, _) => errors.Add(e);

        RawClient client = kit.Raw("GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n");
        LoopDriver.RunUntil(kit.Loop, () => client.Closed);

        Assert.StartsWith("HTTP/1.1 500", client.Text);
        Assert.DoesNotContain("Set-Cookie", client.Text);
        Assert.Single(errors);
    }

    [Fact]
    public void A_handle_paused_at_accept_does_nothing_once_the_connection_closed()
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((req, res) => res.End("plain"));
        var pauser = new AcceptPauser();
        var counter = new ConnectionFinishedCounter();
        kit.StartProxy(filters: [pauser, counter], ports: port);

        RawClient client = kit.Raw("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        LoopDriver.RunUntil(kit.Loop, () => pauser.Handle is not null);
        client.Socket!.Destroy();
        LoopDriver.RunUntil(kit.Loop, () => counter.Count == 1);

        Assert.False(pauser.Handle!.Value.Resume()); // its connection is gone: nothing is left to go on with
        Assert.Equal(1, counter.Count); // and ConnectionFinished's filters do not run again
    }

    [Fact]
    public void An_ejection_time_past_the_loops_clock_range_ejects_rather_than_wrapping()
    {
        using var kit = new ProxyKit();
        kit.StartProxy(new ProxyOptions
        {
            Clusters = [new Clusters.ProxyCluster { Name = "app", Destinations = [$"127.0.0.1:{ClosedPorts.Next().Port}"], ConsecutiveFailures = 1, EjectionTime = long.MaxValue }],
            Routes = [new Routing.ProxyRoute { Cluster = "app" }],
        });

        Assert.Equal(502, kit.Exchange(kit.ToProxy()).Status);
        Assert.True(kit.Proxy!.Clusters[0].Destinations[0].Ejected); // the sum wrapped negative: left out for good, yet reported not ejected
    }

    public static TheoryData<ProxyOptions, string> Unsendable() => new()
    {
        { new ProxyOptions { Clusters = [new Clusters.ProxyCluster { Name = "c", Destinations = ["h:1"] }], Routes = [new Routing.ProxyRoute { Cluster = "c", PathPrefix = "/a", PrefixRewrite = "/b c" }] }, "Routes[0].PrefixRewrite" },
        { new ProxyOptions { Clusters = [new Clusters.ProxyCluster { Name = "c", Destinations = ["h:1"] }], Routes = [new Routing.ProxyRoute { Cluster = "c", PathPrefix = "/a", PrefixRewrite = "/b\tc" }] }, "Routes[0].PrefixRewrite" },
        { new ProxyOptions { Clusters = [new Clusters.ProxyCluster { Name = "c", Destinations = ["h:1"] }], Routes = [new Routing.ProxyRoute { Cluster = "c", HostRewrite = "a\u0001b" }] }, "Routes[0].HostRewrite" },
        { new ProxyOptions { Clusters = [new Clusters.ProxyCluster { Name = "c", Destinations = ["h\tx:1"] }] }, "Clusters[0].Destinations[0]" },
        { new ProxyOptions { Clusters = [new Clusters.ProxyCluster { Name = "c", Destinations = ["user@h:1"] }] }, "Clusters[0].Destinations[0]" },
        { new ProxyOptions { ViaName = "uvnet\r\nX-Evil: 1" }, "ViaName" },
    };

    /// <summary>What the HTTP client or server would refuse on every request (each a 500 blamed on no filter) is refused at load, naming the field.</summary>
    [Theory]
    [MemberData(nameof(Unsendable))]
    public void Options_that_cannot_be_sent_are_refused_at_load(ProxyOptions options, string field)
    {
        var loop = new Loop();
        try
        {
            var error = Assert.ThrowsAny<ArgumentException>(() => new ProxyServer(loop, options));
            Assert.Contains(field, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            LoopDriver.CloseLoop(loop);
        }
    }

    [Fact]
    public void An_absolute_form_request_goes_upstream_in_origin_form_for_the_host_it_names()
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((req, res) => res.End("ok"));
        kit.StartProxy(new ProxyOptions
        {
            Clusters = [new Clusters.ProxyCluster { Name = "app", Destinations = [$"127.0.0.1:{port}"] }],
            Routes = [new Routing.ProxyRoute { Cluster = "app", Host = "other", PathPrefix = "/api/", PrefixRewrite = "/v2/" }],
        });

        // RFC 9112 §3.2.2: the target's authority is the host, whatever Host says; routed on one, forwarded the same.
        RawClient client = kit.Raw("GET http://other/api/x?q=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        LoopDriver.RunUntil(kit.Loop, () => client.Closed);

        Assert.StartsWith("HTTP/1.1 200", client.Text);
        Assert.Equal("/v2/x?q=1", kit.Seen[0].Url);
        Assert.Equal("other", kit.Seen[0].Header("host"));
        Assert.Equal("other", kit.Seen[0].Header("x-forwarded-host"));
    }

    [Fact]
    public void A_client_cannot_remove_Host_by_naming_it_in_Connection()
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((req, res) => res.End("ok"));
        kit.StartProxy(ports: port);

        RawClient client = kit.Raw("GET / HTTP/1.1\r\nHost: a\r\nConnection: close, Host\r\n\r\n");
        LoopDriver.RunUntil(kit.Loop, () => client.Closed);

        // Removed, the upstream saw the destination's address instead of the host the route was chosen by.
        Assert.Equal("a", kit.Seen[0].Header("host"));
    }

    [Fact]
    public void An_asterisk_form_options_request_goes_upstream_as_asterisk()
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((req, res) => res.End("ok"));
        kit.StartProxy(ports: port);

        RawClient client = kit.Raw("OPTIONS * HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        LoopDriver.RunUntil(kit.Loop, () => client.Closed);

        Assert.Equal("*", kit.Seen[0].Url); // the server as a whole (RFC 9112 §3.2.4), not a resource named "/*"
    }
}

/// <summary>Answers every request at RequestHead with the given verdict.</summary>
internal sealed class AnswerFilter(Func<HookResult> verdict) : ProxyFilter
{
    public override HookResult OnRequestHead(ProxyExchange exchange) => verdict();
}

/// <summary>Adds a field to the response's head at ResponseHead.</summary>
internal sealed class ResponseFieldFilter(string name, string value) : ProxyFilter
{
    public override HookResult OnResponseHead(ProxyExchange exchange)
    {
        exchange.ResponseHeaders.Add(new(name, value));
        return HookResult.Continue;
    }
}

/// <summary>Pauses the Accept point and keeps the handle.</summary>
internal sealed class AcceptPauser : ProxyFilter
{
    internal ResumeHandle? Handle;

    public override HookResult OnAccept(ProxyExchange exchange)
    {
        Handle = exchange.Pause();
        return HookResult.Paused;
    }
}

/// <summary>Counts the ConnectionFinished calls it gets.</summary>
internal sealed class ConnectionFinishedCounter : ProxyFilter
{
    internal int Count;

    public override HookResult OnConnectionFinished(ProxyExchange exchange)
    {
        Count++;
        return HookResult.Continue;
    }
}

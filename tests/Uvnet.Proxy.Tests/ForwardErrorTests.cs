using System.Text;
using Uvnet.Http.Client;
using Uvnet.Net;
using Uvnet.Proxy.Forwarding;

namespace Uvnet.Proxy.Tests;

/// <summary>Faults on the upstream leg: which <see cref="ForwardError"/>, which status, and what becomes of the connections.</summary>
public sealed class ForwardErrorTests
{
    private static void Write(Socket s, string text) => s.Write(Encoding.Latin1.GetBytes(text));

    [Fact]
    public void An_upstream_that_refuses_the_connection_is_502()
    {
        using var kit = new ProxyKit();
        kit.StartProxy(ports: ClosedPorts.Next().Port);

        Outcome o = kit.Exchange(kit.ToProxy());

        Assert.Equal(502, o.Status);
        Assert.Equal("0", o.Response!.Headers["content-length"]); // the proxy's own answers are whole, not chunked
        LoopDriver.RunUntil(kit.Loop, () => kit.Finished.Count == 1);
        Assert.Equal(ForwardError.ConnectFailed, kit.Finished[0].Error);
    }

    [Fact]
    public void A_connect_failure_is_retried_on_another_destination()
    {
        using var kit = new ProxyKit();
        int good = kit.StartUpstream((req, res) => res.End("good"));
        int bad = ClosedPorts.Next().Port;
        kit.StartProxy(new ProxyOptions
        {
            Clusters = [new Clusters.ProxyCluster { Name = "app", Destinations = [$"127.0.0.1:{bad}", $"127.0.0.1:{good}"], LoadBalancing = Clusters.LoadBalancing.RoundRobin }],
            Routes = [new Routing.ProxyRoute { Cluster = "app" }],
        });

        // Round robin: one of the two requests goes to the refusing port first and is retried on the other.
        Assert.Equal("good", kit.Exchange(kit.ToProxy()).Text);
        Assert.Equal("good", kit.Exchange(kit.ToProxy()).Text);
        Assert.Equal(1, kit.Proxy!.Clusters[0].Destinations[0].ConsecutiveFailures);
    }

    [Fact]
    public void A_reset_before_any_response_byte_is_retried_for_a_GET_but_not_for_a_POST()
    {
        using var kit = new ProxyKit();
        int resets = 0;
        int bad = kit.StartCanned((s, _) => { resets++; s.ResetAndDestroy(); });
        int good = kit.StartUpstream((req, res) => res.End("good"));
        kit.StartProxy(new ProxyOptions
        {
            Clusters = [new Clusters.ProxyCluster { Name = "app", Destinations = [$"127.0.0.1:{bad}", $"127.0.0.1:{good}"], LoadBalancing = Clusters.LoadBalancing.RoundRobin }],
            Routes = [new Routing.ProxyRoute { Cluster = "app" }],
        });

        Outcome get = kit.Exchange(kit.ToProxy()); // first to the resetting one (round robin starts there)
        Assert.Equal("good", get.Text);
        Assert.Equal(1, resets);

        kit.Exchange(kit.ToProxy()); // the good one's turn
        Outcome post = kit.Exchange(kit.ToProxy("/", "POST"), r => r.End("body"u8));
        Assert.Equal(502, post.Status);
        Assert.Equal(2, resets);
        LoopDriver.RunUntil(kit.Loop, () => kit.Finished.Count == 3);
        Assert.Equal(ForwardError.UpstreamReset, kit.Finished[2].Error);
    }

    [Fact]
    public void An_upstream_reset_mid_body_cuts_the_client_connection()
    {
        using var kit = new ProxyKit();
        int port = kit.StartCanned((s, _) =>
        {
            Write(s, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf");
            s.Loop.Post(_ => s.ResetAndDestroy(), 0);
        });
        kit.StartProxy(ports: port);

        Outcome o = kit.Exchange(kit.ToProxy());

        Assert.Equal(200, o.Status);
        Assert.False(o.Ended);
        Assert.NotNull(o.ResponseError); // aborted: the client knows the body is not whole
        LoopDriver.RunUntil(kit.Loop, () => kit.Finished.Count == 1);
        Assert.Equal(ForwardError.ResponseBodyUpstream, kit.Finished[0].Error);
    }

    [Fact]
    public void An_upstream_that_never_answers_is_504_after_the_response_head_timeout()
    {
        using var kit = new ProxyKit();
        var stalled = new List<Socket>();
        int port = kit.StartCanned((_, _) => { }, stalled);
        kit.StartProxy(timeouts: new ProxyTimeouts { ResponseHead = 200 }, ports: port);

        Outcome o = kit.Exchange(kit.ToProxy());

        Assert.Equal(504, o.Status);
        LoopDriver.RunUntil(kit.Loop, () => kit.Finished.Count == 1);
        Assert.Equal(ForwardError.ResponseHeadTimeout, kit.Finished[0].Error);
        LoopDriver.RunUntil(kit.Loop, () => stalled[0].Destroyed || stalled[0].ReadableEnded); // the upstream connection was dropped, not pooled
        Assert.Equal(0, kit.Proxy!.Clusters[0].Agent.GetStats("127.0.0.1", port).Free);
    }

    [Fact]
    public void An_upstream_that_stalls_mid_body_cuts_the_client_after_the_activity_timeout()
    {
        using var kit = new ProxyKit();
        int port = kit.StartCanned((s, _) => Write(s, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome"));
        kit.StartProxy(timeouts: new ProxyTimeouts { Activity = 200 }, ports: port);

        Outcome o = kit.Exchange(kit.ToProxy());

        Assert.Equal(200, o.Status);
        Assert.False(o.Ended);
        LoopDriver.RunUntil(kit.Loop, () => kit.Finished.Count == 1);
        Assert.Equal(ForwardError.ActivityTimeout, kit.Finished[0].Error);
    }

    [Fact]
    public void A_malformed_upstream_response_is_502_and_its_connection_is_not_reused()
    {
        using var kit = new ProxyKit();
        var accepted = new List<Socket>();
        int n = 0;
        int port = kit.StartCanned((s, _) =>
        {
            if (n++ == 0)
                Write(s, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
            else
                Write(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        }, accepted);
        kit.StartProxy(ports: port);

        Outcome bad = kit.Exchange(kit.ToProxy());
        Outcome good = kit.Exchange(kit.ToProxy());

        Assert.Equal(502, bad.Status);
        Assert.Equal("ok", good.Text);
        Assert.Equal(2, accepted.Count); // the second request came on a new connection
        LoopDriver.RunUntil(kit.Loop, () => kit.Finished.Count == 2);
        Assert.Equal(ForwardError.MalformedResponse, kit.Finished[0].Error);
    }

    [Theory]
    [InlineData("Transfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")]
    [InlineData("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")]
    [InlineData("Transfer-Encoding: gzip\r\nConnection: close\r\n\r\nabc")]
    public void An_upstream_transfer_coding_other_than_chunked_is_502_as_nginx_says_unknown_Transfer_Encoding(string rest)
    {
        // nginx: ngx_http_proxy_process_header, "upstream sent unknown \"Transfer-Encoding\"" (502), not re-chunked.
        using var kit = new ProxyKit();
        var accepted = new List<Socket>();
        int n = 0;
        int port = kit.StartCanned((s, _) =>
        {
            if (n++ == 0)
                Write(s, "HTTP/1.1 200 OK\r\n" + rest);
            else
                Write(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n");
        }, accepted);
        kit.StartProxy(ports: port);

        Outcome bad = kit.Exchange(kit.ToProxy());
        Outcome good = kit.Exchange(kit.ToProxy()); // chunked alone, in any case, is framing the proxy reads

        Assert.Equal(502, bad.Status);
        Assert.Equal("", bad.Text);
        Assert.Equal("ok", good.Text);
        Assert.Equal(2, accepted.Count); // the connection of the refused answer was not reused
        LoopDriver.RunUntil(kit.Loop, () => kit.Finished.Count == 2);
        Assert.Equal(ForwardError.MalformedResponse, kit.Finished[0].Error);
    }

    [Fact]
    public void A_smuggling_shaped_upstream_response_with_two_lengths_is_502()
    {
        using var kit = new ProxyKit();
        int port = kit.StartCanned((s, _) => Write(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\nok"));
        kit.StartProxy(ports: port);

        Assert.Equal(502, kit.Exchange(kit.ToProxy()).Status);
    }

    [Fact]
    public void A_cluster_whose_destinations_are_all_ejected_is_503()
    {
        using var kit = new ProxyKit();
        kit.StartProxy(new ProxyOptions
        {
            Clusters = [new Clusters.ProxyCluster { Name = "app", Destinations = [$"127.0.0.1:{ClosedPorts.Next().Port}"], ConsecutiveFailures = 1 }],
            Routes = [new Routing.ProxyRoute { Cluster = "app" }],
        });

        Assert.Equal(502, kit.Exchange(kit.ToProxy()).Status); // the failure ejects it
        Assert.True(kit.Proxy!.Clusters[0].Destinations[0].Ejected);
        Assert.Equal(503, kit.Exchange(kit.ToProxy()).Status);
    }

    [Fact]
    public void A_request_no_route_matches_is_404()
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((req, res) => res.End());
        kit.StartProxy(new ProxyOptions
        {
            Clusters = [new Clusters.ProxyCluster { Name = "app", Destinations = [$"127.0.0.1:{port}"] }],
            Routes = [new Routing.ProxyRoute { Cluster = "app", PathPrefix = "/api/" }],
        });

        Assert.Equal(404, kit.Exchange(kit.ToProxy("/other")).Status);
        Assert.Empty(kit.Seen);
    }

    [Fact]
    public void A_client_that_goes_away_mid_response_abandons_the_upstream_request()
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((req, res) => res.Write("start"u8));
        kit.StartProxy(ports: port);

        Outcome o = kit.Send(kit.ToProxy());
        LoopDriver.RunUntil(kit.Loop, () => o.Body.Length > 0);
        o.Request!.Destroy();
        LoopDriver.RunUntil(kit.Loop, () => kit.Finished.Count == 1);

        Assert.Equal(ForwardError.RequestBodyClient, kit.Finished[0].Error);
        LoopDriver.RunUntil(kit.Loop, () => kit.Proxy!.Clusters[0].Agent.GetStats("127.0.0.1", port).Connected == 0); // dropped, not pooled
        Assert.Equal(0, kit.Proxy!.ActiveExchanges);
    }

    [Fact]
    public void An_upstream_that_closes_a_pooled_connection_as_it_is_reused_costs_the_client_nothing()
    {
        using var kit = new ProxyKit();
        var accepted = new List<Socket>();
        int port = kit.StartCanned((s, _) =>
        {
            if (accepted.IndexOf(s) == 0 && s.BytesWritten > 0)
                s.Destroy(); // the first connection's second request: closed without a byte, as a server timing it out
            else
                Write(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        }, accepted);
        kit.StartProxy(ports: port);

        Assert.Equal("ok", kit.Exchange(kit.ToProxy()).Text);
        Assert.Equal("ok", kit.Exchange(kit.ToProxy()).Text); // sent again on a fresh connection

        Assert.Equal(2, accepted.Count);
    }

    [Fact]
    public void A_filter_answering_an_upgrade_request_writes_its_answer_and_closes()
    {
        using var kit = new ProxyKit();
        kit.StartProxy(filters: [new DelegateFilter(Hooks.HookPoint.RequestHead, _ => Hooks.HookResult.Respond(403, body: "no"u8.ToArray()))], ports: kit.StartEcho());

        RawClient client = kit.Raw("GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n");
        LoopDriver.RunUntil(kit.Loop, () => client.Closed);

        Assert.StartsWith("HTTP/1.1 403 Forbidden\r\n", client.Text);
        Assert.Contains("Content-Length: 2\r\n", client.Text);
        Assert.EndsWith("\r\n\r\nno", client.Text);
        Assert.Empty(kit.Seen);
    }
}

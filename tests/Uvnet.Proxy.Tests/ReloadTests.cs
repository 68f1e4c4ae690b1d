using Uvnet.Http.Server;
using Uvnet.Proxy.Clusters;
using Uvnet.Proxy.Routing;

namespace Uvnet.Proxy.Tests;

/// <summary>
/// <see cref="ProxyServer.Reload"/>: a configuration validated whole, swapped for new requests at once, requests in
/// progress finishing on the one they started with (envoy's RDS/CDS updates, nginx's reload without its worker restart).
/// </summary>
public sealed class ReloadTests
{
    private static ProxyOptions To(string cluster, params (string Name, int Port)[] clusters) => new()
    {
        Clusters = [.. clusters.Select(c => new ProxyCluster { Name = c.Name, Destinations = [$"127.0.0.1:{c.Port}"] })],
        Routes = [new ProxyRoute { Cluster = cluster }],
    };

    [Fact]
    public void A_reload_sends_new_requests_by_the_new_routes_on_a_kept_alive_connection_too()
    {
        using var kit = new ProxyKit();
        int a = kit.StartUpstream((_, res) => res.End("a"));
        int b = kit.StartUpstream((_, res) => res.End("b"));
        kit.StartProxy(To("a", ("a", a)));
        Assert.Equal("a", kit.Exchange(kit.ToProxy()).Text);

        kit.Proxy!.Reload(To("b", ("b", b)) with { Filters = [new FinishRecorder(kit.Finished)] });

        Assert.Equal("b", kit.Exchange(kit.ToProxy()).Text);
        Assert.Equal(1, kit.Client.GetStats("127.0.0.1", kit.Proxy.Port).Created); // the same client connection
        Assert.Equal("b", Assert.Single(kit.Proxy.Clusters).Name);
    }

    [Fact]
    public void A_request_in_flight_finishes_on_the_configuration_it_started_with()
    {
        using var kit = new ProxyKit();
        ServerResponse? held = null;
        int a = kit.StartUpstream((_, res) => held = res);
        int b = kit.StartUpstream((_, res) => res.End("b"));
        kit.StartProxy(To("a", ("a", a)));
        Outcome first = kit.Send(kit.ToProxy());
        LoopDriver.RunUntil(kit.Loop, () => held is not null);
        Cluster old = kit.Proxy!.Clusters[0];

        kit.Proxy.Reload(To("b", ("b", b)));
        Assert.Equal("b", kit.Exchange(kit.ToProxy()).Text); // a second connection, meanwhile
        held!.End("a, late");
        LoopDriver.RunUntil(kit.Loop, () => first.Closed);

        Assert.Equal((200, "a, late"), (first.Status, first.Text));
        // The retired cluster's pool closes once its last request is over.
        LoopDriver.RunUntil(kit.Loop, () => old.Agent.GetStats("127.0.0.1", a).Connected == 0);
    }

    [Fact]
    public void An_invalid_configuration_is_refused_naming_its_field_and_the_old_one_stays()
    {
        using var kit = new ProxyKit();
        int a = kit.StartUpstream((_, res) => res.End("a"));
        kit.StartProxy(To("a", ("a", a)));
        ProxyOptions before = kit.Proxy!.Options;

        var error = Assert.ThrowsAny<ArgumentException>(() => kit.Proxy.Reload(To("nowhere", ("b", a))));

        Assert.Contains("Routes[0].Cluster", error.Message, StringComparison.Ordinal);
        Assert.Same(before, kit.Proxy.Options);
        Assert.Equal("a", kit.Exchange(kit.ToProxy()).Text);
        Assert.Throws<ArgumentNullException>(() => kit.Proxy.Reload(null!));
    }

    [Fact]
    public void A_cluster_whose_settings_did_not_change_keeps_its_state_and_one_that_changed_starts_afresh()
    {
        using var kit = new ProxyKit();
        int a = kit.StartUpstream((_, res) => res.End("a"));
        int bad = ClosedPorts.Next().Port;
        var options = new ProxyOptions
        {
            Clusters =
            [
                new ProxyCluster { Name = "a", Destinations = [$"127.0.0.1:{a}"] },
                new ProxyCluster { Name = "bad", Destinations = [$"127.0.0.1:{bad}"], ConsecutiveFailures = 1 },
            ],
            Routes = [new ProxyRoute { Cluster = "bad", PathPrefix = "/bad" }, new ProxyRoute { Cluster = "a" }],
        };
        kit.StartProxy(options);
        Assert.Equal(502, kit.Exchange(kit.ToProxy("/bad")).Status);
        Cluster keptA = kit.Proxy!.Clusters[0], ejected = kit.Proxy.Clusters[1];
        Assert.True(ejected.Destinations[0].Ejected);

        // The same settings from another list (as a file read again gives): kept, ejection and all.
        kit.Proxy.Reload(options with { Clusters = [.. options.Clusters.Select(c => c with { Destinations = [.. c.Destinations] })] });
        Assert.Same(keptA, kit.Proxy.Clusters[0]);
        Assert.Same(ejected, kit.Proxy.Clusters[1]);
        Assert.Equal(503, kit.Exchange(kit.ToProxy("/bad")).Status);

        kit.Proxy.Reload(options with { Clusters = [options.Clusters[0], options.Clusters[1] with { EjectionTime = 10 }] });
        Assert.Same(keptA, kit.Proxy.Clusters[0]);
        Assert.NotSame(ejected, kit.Proxy.Clusters[1]);
        Assert.False(kit.Proxy.Clusters[1].Destinations[0].Ejected);
    }

    [Fact]
    public void Reloads_under_load_lose_no_request()
    {
        using var kit = new ProxyKit();
        ProxyOptions? toA = null, toB = null;
        var outcomes = new List<Outcome>();
        int answered = 0;
        void Answer(ServerResponse res, string name)
        {
            // Each answer sends the next request, so that there are always some in flight; every third reloads,
            // alternating the cluster, while the others are on their way through the proxy.
            if (++answered % 3 == 0)
                kit.Proxy!.Reload(answered % 2 == 0 ? toA! : toB!);
            if (outcomes.Count < 40)
                outcomes.Add(kit.Send(kit.ToProxy()));
            res.End(name);
        }
        int a = kit.StartUpstream((_, res) => Answer(res, "a"));
        int b = kit.StartUpstream((_, res) => Answer(res, "b"));
        toA = To("a", ("a", a)) with { Filters = [new FinishRecorder(kit.Finished)] };
        toB = To("b", ("b", b)) with { Filters = [new FinishRecorder(kit.Finished)] };
        kit.StartProxy(To("a", ("a", a)));

        outcomes.AddRange(Enumerable.Range(0, 4).Select(_ => kit.Send(kit.ToProxy())));
        LoopDriver.RunUntil(kit.Loop, () => outcomes.Count == 40 && outcomes.All(o => o.Closed));

        Assert.All(outcomes, o => Assert.Equal(200, o.Status));
        Assert.Equal(40, kit.Finished.Count);
        Assert.Contains(outcomes, o => o.Text == "a");
        Assert.Contains(outcomes, o => o.Text == "b");
    }

    [Fact]
    public void A_reload_is_refused_off_the_loop_thread_and_after_close()
    {
        using var kit = new ProxyKit();
        int a = kit.StartUpstream((_, res) => res.End("a"));
        ProxyServer proxy = kit.StartProxy(To("a", ("a", a)));

        Exception? error = null;
        var thread = new Thread(() => error = Record.Exception(() => proxy.Reload(To("a", ("a", a)))));
        thread.Start();
        thread.Join();
        Assert.IsType<InvalidOperationException>(error);
        proxy.Close();
        Assert.Throws<InvalidOperationException>(() => proxy.Reload(To("a", ("a", a))));
    }

    [Fact]
    public void A_retired_cluster_stops_its_health_checks()
    {
        using var kit = new ProxyKit();
        int checks = 0;
        int a = kit.StartUpstream((req, res) => { if (req.Url == "/health") checks++; res.End(); });
        var options = new ProxyOptions
        {
            Clusters = [new ProxyCluster { Name = "a", Destinations = [$"127.0.0.1:{a}"], HealthCheck = new ProxyHealthCheck { Path = "/health", Interval = 20 } }],
            Routes = [new ProxyRoute { Cluster = "a" }],
        };
        kit.StartProxy(options);
        LoopDriver.RunUntil(kit.Loop, () => checks >= 2);

        kit.Proxy!.Reload(options with { Clusters = [options.Clusters[0] with { HealthCheck = null }] });
        int after = checks;
        LoopDriver.RunFor(kit.Loop, 100);

        Assert.InRange(checks, after, after + 1); // one may have been in flight
    }

    [Fact]
    public void Reloads_leave_no_timer_lookup_or_connection_of_a_retired_cluster_behind()
    {
        // Each reload retires the cluster (its health check changed): once the proxy closes, the loop has no handle left,
        // which it would if a retired cluster's health-check or lookup timer, probe, or pooled connection outlived it.
        var loop = new Loop();
        var upstream = Http.Http.CreateServer(loop, (_, res) => res.End("ok"));
        upstream.Listen(0, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => upstream.Port > 0);
        ProxyOptions Config(int i) => new()
        {
            Clusters = [new ProxyCluster
            {
                Name = "a", Destinations = [$"localhost:{upstream.Port}"], ResolveInterval = 5,
                HealthCheck = new ProxyHealthCheck { Path = "/health", Interval = 5 + i % 2 },
            }],
            Routes = [new ProxyRoute { Cluster = "a" }],
            Lookup = _ => [System.Net.IPAddress.Loopback],
        };
        var proxy = new ProxyServer(loop, Config(0));
        proxy.Listen(0, "127.0.0.1");
        var client = new Http.Client.Agent(loop);
        for (int i = 1; i <= 10; i++)
        {
            int status = 0;
            Http.Http.Get(loop, new Http.Client.RequestOptions { Host = "127.0.0.1", Port = proxy.Port, Agent = client }, res => { status = res.StatusCode; res.Resume(); });
            LoopDriver.RunUntil(loop, () => status == 200); // a pooled upstream connection in the cluster about to retire
            proxy.Reload(Config(i));
        }

        client.Destroy();
        proxy.Dispose();
        upstream.CloseAllConnections();
        upstream.Close();
        LoopDriver.AssertNothingLeft(loop);
    }
}

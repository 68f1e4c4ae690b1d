using System.Net;
using System.Text;
using Uvnet.Http.Server;
using Uvnet.Net;
using Uvnet.Proxy.Clusters;
using Uvnet.Proxy.Forwarding;
using Uvnet.Proxy.Routing;

namespace Uvnet.Proxy.Tests;

/// <summary>
/// Active health checks (envoy's HTTP health checker, nginx plus's health_check, HAProxy's option httpchk: the
/// behaviours of envoy's test/common/upstream/health_checker_impl_test.cc Success/Timeout/thresholds, ported to
/// loop-driven tests), and the periodic lookup of host name destinations.
/// </summary>
public sealed class HealthCheckTests
{
    private static ProxyHealthCheck Fast(int unhealthy = 1, int healthy = 1) =>
        new() { Path = "/health", Interval = 20, Timeout = 500, UnhealthyThreshold = unhealthy, HealthyThreshold = healthy };

    private static ProxyOptions Cluster(ProxyHealthCheck check, params int[] ports) => new()
    {
        Clusters = [new ProxyCluster { Name = "app", Destinations = [.. ports.Select(p => $"127.0.0.1:{p}")], HealthCheck = check, LoadBalancing = LoadBalancing.RoundRobin }],
        Routes = [new ProxyRoute { Cluster = "app" }],
    };

    /// <summary>An upstream whose /health answers <paramref name="health"/>() and whose other paths answer <paramref name="name"/>; counts its checks.</summary>
    private static int Upstream(ProxyKit kit, string name, Func<int> health, Action? checkedOnce = null) => kit.StartUpstream((req, res) =>
    {
        if (req.Url == "/health")
        {
            checkedOnce?.Invoke();
            res.StatusCode = health();
            res.End();
            return;
        }
        res.End(name);
    });

    [Fact]
    public void An_unhealthy_destination_gets_no_traffic()
    {
        using var kit = new ProxyKit();
        int sick = Upstream(kit, "sick", () => 503);
        int well = Upstream(kit, "well", () => 200);
        kit.StartProxy(Cluster(Fast(), sick, well));
        Destination sickOne = kit.Proxy!.Clusters[0].Destinations[0];

        LoopDriver.RunUntil(kit.Loop, () => !sickOne.Healthy);

        for (int i = 0; i < 4; i++)
            Assert.Equal("well", kit.Exchange(kit.ToProxy("/x")).Text);
        Assert.True(kit.Proxy.Clusters[0].Destinations[1].Healthy);
    }

    [Fact]
    public void A_cluster_whose_destinations_are_all_unhealthy_is_503()
    {
        using var kit = new ProxyKit();
        int sick = Upstream(kit, "sick", () => 500);
        kit.StartProxy(Cluster(Fast(), sick));
        LoopDriver.RunUntil(kit.Loop, () => !kit.Proxy!.Clusters[0].Destinations[0].Healthy);

        Outcome o = kit.Exchange(kit.ToProxy("/x"));

        Assert.Equal(503, o.Status);
        Assert.DoesNotContain(kit.Seen, s => s.Url == "/x");
        LoopDriver.RunUntil(kit.Loop, () => kit.Finished.Count == 1);
        Assert.Equal(ForwardError.NoDestination, kit.Finished[0].Error);
    }

    [Fact]
    public void A_destination_is_unhealthy_only_after_the_unhealthy_threshold_and_readmitted_after_the_healthy_one()
    {
        using var kit = new ProxyKit();
        int status = 503, checks = 0;
        int port = Upstream(kit, "app", () => status, () => checks++);
        kit.StartProxy(Cluster(Fast(unhealthy: 3, healthy: 2), port));
        Destination d = kit.Proxy!.Clusters[0].Destinations[0];

        LoopDriver.RunUntil(kit.Loop, () => checks == 2);
        LoopDriver.RunUntil(kit.Loop, () => d.Probe is null); // the second verdict is in
        Assert.True(d.Healthy); // two failures of three
        LoopDriver.RunUntil(kit.Loop, () => !d.Healthy);
        Assert.Equal(3, checks);
        Assert.Equal(1, kit.Proxy.Metrics.ForCluster("app")!.MarkedUnhealthy);

        status = 200;
        int passedFrom = checks;
        LoopDriver.RunUntil(kit.Loop, () => d.Healthy);
        Assert.Equal(passedFrom + 2, checks); // two passes in a row
        Assert.Equal("app", kit.Exchange(kit.ToProxy("/x")).Text);
    }

    [Fact]
    public void A_check_with_no_answer_within_its_timeout_fails()
    {
        using var kit = new ProxyKit();
        int port = kit.StartCanned((_, _) => { }); // reads the check, never answers
        kit.StartProxy(Cluster(Fast() with { Timeout = 50 }, port));

        LoopDriver.RunUntil(kit.Loop, () => !kit.Proxy!.Clusters[0].Destinations[0].Healthy);

        Assert.True(kit.Proxy!.Metrics.ForCluster("app")!.HealthCheckFailures >= 1);
    }

    [Fact]
    public void A_check_of_a_refusing_destination_fails_and_a_status_outside_the_expected_range_fails()
    {
        using var kit = new ProxyKit();
        int redirecting = Upstream(kit, "r", () => 302);
        kit.StartProxy(Cluster(Fast() with { ExpectedStatusMax = 299 }, ClosedPorts.Next().Port, redirecting));
        var destinations = kit.Proxy!.Clusters[0].Destinations;

        LoopDriver.RunUntil(kit.Loop, () => !destinations[0].Healthy && !destinations[1].Healthy);
    }

    [Fact]
    public void A_check_goes_to_the_configured_path_with_the_destination_as_host()
    {
        using var kit = new ProxyKit();
        int port = Upstream(kit, "app", () => 200);
        kit.StartProxy(Cluster(Fast() with { Path = "/health" }, port));

        LoopDriver.RunUntil(kit.Loop, () => kit.Seen.Count > 0);

        Seen check = kit.Seen[0];
        Assert.Equal(("GET", "/health"), (check.Method, check.Url));
        Assert.Equal($"127.0.0.1:{port}", check.Header("host"));
    }

    [Fact]
    public void Closing_the_proxy_stops_the_checks_and_leaves_nothing_open()
    {
        var kit = new ProxyKit();
        int checks = 0;
        int port = Upstream(kit, "app", () => 200, () => checks++);
        kit.StartProxy(Cluster(Fast(), port));
        LoopDriver.RunUntil(kit.Loop, () => checks >= 2);

        kit.Proxy!.Dispose();
        int after = checks;
        LoopDriver.RunFor(kit.Loop, 100);

        Assert.InRange(checks, after, after + 1); // one check may have been in flight
        kit.Dispose(); // CloseLoop asserts every handle closed
    }

    [Theory]
    [InlineData("Path", "health")]
    [InlineData("Interval", 0L)]
    [InlineData("Timeout", 0L)]
    [InlineData("ExpectedStatusMin", 99)]
    [InlineData("ExpectedStatusMax", 150)]
    [InlineData("HealthyThreshold", 0)]
    [InlineData("UnhealthyThreshold", 0)]
    public void A_bad_health_check_is_refused_naming_its_field(string field, object value)
    {
        var check = field switch
        {
            "Path" => new ProxyHealthCheck { Path = (string)value },
            "Interval" => new ProxyHealthCheck { Interval = (long)value },
            "Timeout" => new ProxyHealthCheck { Timeout = (long)value },
            "ExpectedStatusMin" => new ProxyHealthCheck { ExpectedStatusMin = (int)value },
            "ExpectedStatusMax" => new ProxyHealthCheck { ExpectedStatusMin = 200, ExpectedStatusMax = (int)value },
            "HealthyThreshold" => new ProxyHealthCheck { HealthyThreshold = (int)value },
            _ => new ProxyHealthCheck { UnhealthyThreshold = (int)value },
        };
        using var loop = new LoopScope();
        var error = Assert.ThrowsAny<ArgumentException>(() => new ProxyServer(loop.Loop, Cluster(check, 1)));
        Assert.Contains($"Clusters[0].HealthCheck.{field}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_host_name_is_looked_up_again_and_new_requests_follow_it_while_one_in_flight_finishes()
    {
        using var kit = new ProxyKit();
        ServerResponse? held = null;
        int port = kit.StartUpstream((req, res) =>
        {
            if (req.Url == "/slow")
                held = res; // answered after the move
            else
                res.End("v4");
        });
        HttpServer v6 = Http.Http.CreateServer(kit.Loop, (_, res) => res.End("v6"));
        bool listening = false;
        v6.Listen(port, "::1", () => listening = true);
        LoopDriver.RunUntil(kit.Loop, () => listening);
        IPAddress answer = IPAddress.Loopback;
        var proxy = new ProxyServer(kit.Loop, new ProxyOptions
        {
            Clusters = [new ProxyCluster { Name = "app", Destinations = [$"upstream.test:{port}"], ResolveInterval = 20 }],
            Routes = [new ProxyRoute { Cluster = "app" }],
            Lookup = _ => [Volatile.Read(ref answer)],
        });
        try
        {
            bool up = false;
            proxy.Listen(0, "127.0.0.1", () => up = true);
            LoopDriver.RunUntil(kit.Loop, () => up);
            Destination d = proxy.Clusters[0].Destinations[0];
            LoopDriver.RunUntil(kit.Loop, () => d.Address == "127.0.0.1");
            var through = new Http.Client.RequestOptions { Host = "127.0.0.1", Port = proxy.Port, Agent = kit.Client };
            Assert.Equal("v4", kit.Exchange(through).Text);
            Outcome slow = kit.Send(through with { Path = "/slow" });
            LoopDriver.RunUntil(kit.Loop, () => held is not null);

            Volatile.Write(ref answer, IPAddress.IPv6Loopback);
            LoopDriver.RunUntil(kit.Loop, () => d.Address == "::1");
            Assert.Equal("v6", kit.Exchange(through).Text);
            held!.End("old");
            LoopDriver.RunUntil(kit.Loop, () => slow.Closed);

            Assert.Equal("old", slow.Text); // the request in flight on the old address was not dropped
        }
        finally
        {
            proxy.Dispose();
            v6.CloseAllConnections();
            v6.Close();
        }
    }

    [Fact]
    public void A_failed_lookup_keeps_the_last_address()
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((_, res) => res.End("up"));
        int lookups = 0;
        bool fail = false;
        var proxy = new ProxyServer(kit.Loop, new ProxyOptions
        {
            Clusters = [new ProxyCluster { Name = "app", Destinations = [$"upstream.test:{port}"], ResolveInterval = 20 }],
            Routes = [new ProxyRoute { Cluster = "app" }],
            Lookup = _ =>
            {
                Interlocked.Increment(ref lookups);
                return Volatile.Read(ref fail) ? throw new System.Net.Sockets.SocketException(11001) : [IPAddress.Loopback];
            },
        });
        try
        {
            Destination d = proxy.Clusters[0].Destinations[0];
            LoopDriver.RunUntil(kit.Loop, () => d.Address == "127.0.0.1");
            Volatile.Write(ref fail, true);
            int from = Volatile.Read(ref lookups);
            LoopDriver.RunUntil(kit.Loop, () => Volatile.Read(ref lookups) >= from + 2);
            Assert.Equal("127.0.0.1", d.Address);
        }
        finally
        {
            proxy.Dispose();
        }
    }

    [Fact]
    public void A_lookup_still_in_flight_is_not_started_again_so_a_slow_answer_cannot_override_a_newer_one()
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((_, res) => res.End("up"));
        int lookups = 0;
        using var gate = new ManualResetEventSlim();
        var proxy = new ProxyServer(kit.Loop, new ProxyOptions
        {
            Clusters = [new ProxyCluster { Name = "app", Destinations = [$"upstream.test:{port}"], ResolveInterval = 10 }],
            Routes = [new ProxyRoute { Cluster = "app" }],
            Lookup = _ =>
            {
                if (Interlocked.Increment(ref lookups) > 1)
                    return [IPAddress.Loopback]; // a later lookup: the name's new address
                gate.Wait(TimeSpan.FromSeconds(30)); // the first: a resolver that hangs, then answers what was
                return [IPAddress.Parse("127.0.0.2")];
            },
        });
        try
        {
            Destination d = proxy.Clusters[0].Destinations[0];
            LoopDriver.RunUntil(kit.Loop, () => Volatile.Read(ref lookups) >= 1);
            long from = kit.Loop.Now;
            LoopDriver.RunUntil(kit.Loop, () => kit.Loop.Now >= from + 10 * 10); // ten intervals go by

            Assert.Equal(1, Volatile.Read(ref lookups)); // no second lookup of the name while the first one hangs
            Assert.Null(d.Address);
            gate.Set();
            LoopDriver.RunUntil(kit.Loop, () => d.Address == "127.0.0.1"); // then the lookups go on, in order
            Assert.True(Volatile.Read(ref lookups) >= 2);
        }
        finally
        {
            gate.Set();
            proxy.Dispose();
        }
    }

    /// <summary>A loop for a test that only builds a proxy, closed clean.</summary>
    private sealed class LoopScope : IDisposable
    {
        internal Loop Loop { get; } = new();

        public void Dispose() => LoopDriver.CloseLoop(Loop);
    }
}

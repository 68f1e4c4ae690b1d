using Uvnet.Http.Server;
using Uvnet.Proxy.Clusters;
using Uvnet.Proxy.Forwarding;
using Uvnet.Proxy.Routing;

namespace Uvnet.Proxy.Tests;

/// <summary>
/// The retry budget (envoy's retry_budget: retries in flight at most budget_percent of the requests in flight, at
/// least min_retry_concurrency; envoy's test/common/router/retry_state_impl_test.cc RetryBudget cases, ported to
/// requests) and the per-route and per-cluster metrics.
/// </summary>
public sealed class RetryBudgetAndMetricsTests
{
    private static ProxyOptions BadThenGood(int bad, int good, double percent, int min) => new()
    {
        Clusters =
        [
            new ProxyCluster
            {
                Name = "app", Destinations = [$"127.0.0.1:{bad}", $"127.0.0.1:{good}"], LoadBalancing = LoadBalancing.RoundRobin,
                ConsecutiveFailures = 0, RetryBudgetPercent = percent, RetryBudgetMinConcurrency = min,
            },
        ],
        Routes = [new ProxyRoute { Cluster = "app", Name = "all" }],
    };

    [Fact]
    public void A_budget_of_none_refuses_the_retry_and_counts_the_overflow()
    {
        using var kit = new ProxyKit();
        int good = kit.StartUpstream((_, res) => res.End("good"));
        kit.StartProxy(BadThenGood(ClosedPorts.Next().Port, good, percent: 0, min: 0));

        Outcome o = kit.Exchange(kit.ToProxy()); // round robin: the refusing destination first

        Assert.Equal(502, o.Status);
        LoopDriver.RunUntil(kit.Loop, () => kit.Finished.Count == 1);
        Assert.Equal(ForwardError.ConnectFailed, kit.Finished[0].Error);
        var counters = kit.Proxy!.Metrics.ForCluster("app")!;
        Assert.Equal((0L, 1L), (counters.Retries, counters.RetryOverflows));
    }

    [Fact]
    public void Retries_in_flight_beyond_the_budget_are_refused_and_allowed_again_once_they_end()
    {
        using var kit = new ProxyKit();
        var held = new List<ServerResponse>();
        int good = kit.StartUpstream((_, res) => held.Add(res));
        kit.StartProxy(BadThenGood(ClosedPorts.Next().Port, good, percent: 0, min: 1));

        Outcome first = kit.Send(kit.ToProxy()); // bad, then retried on good: the one retry the budget allows
        LoopDriver.RunUntil(kit.Loop, () => held.Count == 1);
        Outcome second = kit.Send(kit.ToProxy()); // good's turn
        LoopDriver.RunUntil(kit.Loop, () => held.Count == 2);
        Outcome third = kit.Exchange(kit.ToProxy()); // bad's turn: its retry would be a second in flight

        Assert.Equal(502, third.Status);
        var counters = kit.Proxy!.Metrics.ForCluster("app")!;
        Assert.Equal((1L, 1L), (counters.Retries, counters.RetryOverflows));

        foreach (ServerResponse res in held)
            res.End("good");
        LoopDriver.RunUntil(kit.Loop, () => first.Closed && second.Closed);
        Assert.Equal(["good", "good"], new[] { first.Text, second.Text });
        held.Clear();
        Outcome fourth = kit.Send(kit.ToProxy()); // good's turn
        LoopDriver.RunUntil(kit.Loop, () => held.Count == 1);
        held[0].End("good");
        LoopDriver.RunUntil(kit.Loop, () => fourth.Closed);
        held.Clear();
        Outcome fifth = kit.Send(kit.ToProxy()); // bad's turn, with no retry in flight
        LoopDriver.RunUntil(kit.Loop, () => held.Count == 1);
        held[0].End("good");
        LoopDriver.RunUntil(kit.Loop, () => fifth.Closed);

        Assert.Equal("good", fifth.Text);
        Assert.Equal(2, counters.Retries);
    }

    [Fact]
    public void Metrics_count_each_route_and_cluster_with_retries_ejections_and_latency()
    {
        using var kit = new ProxyKit();
        int good = kit.StartUpstream((req, res) => { res.StatusCode = req.Url == "/missing" ? 404 : 200; res.End(); });
        int bad = ClosedPorts.Next().Port;
        kit.StartProxy(new ProxyOptions
        {
            Clusters =
            [
                new ProxyCluster { Name = "app", Destinations = [$"127.0.0.1:{bad}", $"127.0.0.1:{good}"], LoadBalancing = LoadBalancing.RoundRobin, ConsecutiveFailures = 1 },
                new ProxyCluster { Name = "gone", Destinations = [$"127.0.0.1:{bad}"], ConsecutiveFailures = 0 },
            ],
            Routes =
            [
                new ProxyRoute { Cluster = "gone", PathPrefix = "/gone" },
                new ProxyRoute { Cluster = "app", Name = "api" },
            ],
        });

        Assert.Equal(200, kit.Exchange(kit.ToProxy("/")).Status); // bad (ejected now), retried on good
        Assert.Equal(404, kit.Exchange(kit.ToProxy("/missing")).Status);
        Assert.Equal(502, kit.Exchange(kit.ToProxy("/gone")).Status);
        LoopDriver.RunUntil(kit.Loop, () => kit.Finished.Count == 3);
        ProxyMetrics metrics = kit.Proxy!.Metrics;
        var text = new StringWriter();
        metrics.WritePrometheus(text);
        string prometheus = text.ToString();

        Assert.Equal((1L, 1L, 2L), (metrics.ForRoute("api")!.RequestsOfClass(2), metrics.ForRoute("api")!.RequestsOfClass(4), metrics.ForRoute("api")!.ResponseHeads));
        Assert.Equal(1, metrics.ForRoute("0")!.RequestsOfClass(5)); // an unnamed route is counted by its index
        var app = metrics.ForCluster("app")!;
        Assert.Equal((1L, 1L, 2L), (app.Retries, app.Ejections, app.Requests.Requests));
        Assert.Null(metrics.ForRoute("nothing"));
        Assert.Contains("uvnet_proxy_route_requests_total{route=\"api\",status_class=\"2xx\"} 1\n", prometheus);
        Assert.Contains("uvnet_proxy_route_requests_total{route=\"0\",status_class=\"5xx\"} 1\n", prometheus);
        Assert.Contains("uvnet_proxy_route_upstream_response_head_seconds_count{route=\"api\"} 2\n", prometheus);
        Assert.Contains("uvnet_proxy_route_upstream_response_head_seconds_bucket{route=\"api\",le=\"+Inf\"} 2\n", prometheus);
        Assert.Contains("uvnet_proxy_cluster_requests_total{cluster=\"gone\",status_class=\"5xx\"} 1\n", prometheus);
        Assert.Contains("uvnet_proxy_cluster_retries_total{cluster=\"app\"} 1\n", prometheus);
        Assert.Contains("uvnet_proxy_cluster_ejections_total{cluster=\"app\"} 1\n", prometheus);
        Assert.Contains("uvnet_proxy_cluster_retry_overflows_total{cluster=\"gone\"} 0\n", prometheus);
        AssertFamiliesAreGrouped(prometheus);
    }

    /// <summary>Prometheus' text format: each family's samples in one group, after its HELP and TYPE lines.</summary>
    private static void AssertFamiliesAreGrouped(string text)
    {
        var seen = new HashSet<string>();
        string? current = null;
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                current = line.Split(' ')[2];
                Assert.True(seen.Add(current), $"{current} is typed twice");
                continue;
            }
            if (line.StartsWith('#'))
                continue;
            string name = line[..line.IndexOfAny(['{', ' '])];
            Assert.True(current is not null && (name == current || name.StartsWith(current + "_", StringComparison.Ordinal)), $"{name} is outside its family ({current})");
        }
    }

    [Theory]
    [InlineData(-1.0, 3, "RetryBudgetPercent")]
    [InlineData(101.0, 3, "RetryBudgetPercent")]
    [InlineData(double.NaN, 3, "RetryBudgetPercent")]
    [InlineData(20.0, -1, "RetryBudgetMinConcurrency")]
    public void A_bad_retry_budget_is_refused_naming_its_field(double percent, int min, string field)
    {
        var loop = new Loop();
        var error = Assert.ThrowsAny<ArgumentException>(() => new ProxyServer(loop, BadThenGood(1, 2, percent, min)));
        Assert.Contains("Clusters[0]." + field, error.Message, StringComparison.Ordinal);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Metrics_readers_check_their_arguments()
    {
        var metrics = new ProxyMetrics();
        Assert.Throws<ArgumentOutOfRangeException>(() => metrics.RequestsOfClass(6));
        Assert.Throws<ArgumentOutOfRangeException>(() => metrics.Errors((ForwardError)99));
        Assert.Throws<ArgumentNullException>(() => metrics.ForRoute(null!));
        Assert.Throws<ArgumentNullException>(() => metrics.ForCluster(null!));
    }
}

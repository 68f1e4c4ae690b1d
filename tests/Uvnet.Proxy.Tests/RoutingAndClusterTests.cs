using Uvnet.Proxy.Clusters;
using Uvnet.Proxy.Routing;

namespace Uvnet.Proxy.Tests;

/// <summary>Route matching, load balancing, passive ejection, and options refused with the field named.</summary>
public sealed class RoutingAndClusterTests
{
    [Theory]
    [InlineData("api.example.com", "/", "GET", null, "a")]
    [InlineData("API.example.com:8080", "/", "GET", null, "a")]
    [InlineData("x.cdn.example.com", "/", "GET", null, "b")]
    [InlineData("cdn.example.com", "/", "GET", null, "default")] // a wildcard matches subdomains only
    [InlineData("other", "/static/app.js", "GET", null, "b")]
    [InlineData("other", "/static", "GET", null, "default")]
    [InlineData("other", "/exact", "GET", null, "a")]
    [InlineData("other", "/exact/more", "GET", null, "default")]
    [InlineData("other", "/write", "DELETE", null, "a")]
    [InlineData("other", "/write", "GET", null, "default")]
    [InlineData("other", "/", "GET", "beta", "b")]
    [InlineData("other", "/", "GET", "alpha", "default")]
    public void Routes_match_by_host_path_method_and_header_in_order(string host, string path, string method, string? variant, string expected)
    {
        using var kit = new ProxyKit();
        int a = kit.StartUpstream((req, res) => res.End("a"));
        int b = kit.StartUpstream((req, res) => res.End("b"));
        int d = kit.StartUpstream((req, res) => res.End("default"));
        kit.StartProxy(new ProxyOptions
        {
            Clusters =
            [
                new ProxyCluster { Name = "a", Destinations = [$"127.0.0.1:{a}"] },
                new ProxyCluster { Name = "b", Destinations = [$"127.0.0.1:{b}"] },
                new ProxyCluster { Name = "d", Destinations = [$"127.0.0.1:{d}"] },
            ],
            Routes =
            [
                new ProxyRoute { Cluster = "a", Host = "api.example.com" },
                new ProxyRoute { Cluster = "b", Host = "*.cdn.example.com" },
                new ProxyRoute { Cluster = "b", PathPrefix = "/static/" },
                new ProxyRoute { Cluster = "a", Path = "/exact" },
                new ProxyRoute { Cluster = "a", Path = "/write", Methods = ["POST", "DELETE"] },
                new ProxyRoute { Cluster = "b", Header = "X-Variant", HeaderValue = "beta" },
                new ProxyRoute { Cluster = "d" },
            ],
        });
        var headers = new List<KeyValuePair<string, string>> { new("Host", host) };
        if (variant is not null)
            headers.Add(new("X-Variant", variant));

        Outcome o = kit.Exchange(kit.ToProxy(path, method, [.. headers]));

        Assert.Equal(expected, o.Text);
    }

    [Fact]
    public void Round_robin_takes_each_destination_in_turn()
    {
        using var kit = new ProxyKit();
        int a = kit.StartUpstream((req, res) => res.End("a"));
        int b = kit.StartUpstream((req, res) => res.End("b"));
        kit.StartProxy(new ProxyOptions
        {
            Clusters = [new ProxyCluster { Name = "c", Destinations = [$"127.0.0.1:{a}", $"127.0.0.1:{b}"], LoadBalancing = LoadBalancing.RoundRobin }],
            Routes = [new ProxyRoute { Cluster = "c" }],
        });

        string seen = string.Concat(Enumerable.Range(0, 4).Select(_ => kit.Exchange(kit.ToProxy()).Text));

        Assert.Equal("abab", seen);
    }

    [Fact]
    public void Consistent_hashing_sends_a_key_to_the_same_destination()
    {
        using var kit = new ProxyKit();
        int a = kit.StartUpstream((req, res) => res.End("a"));
        int b = kit.StartUpstream((req, res) => res.End("b"));
        int c = kit.StartUpstream((req, res) => res.End("c"));
        kit.StartProxy(new ProxyOptions
        {
            Clusters = [new ProxyCluster { Name = "c", Destinations = [$"127.0.0.1:{a}", $"127.0.0.1:{b}", $"127.0.0.1:{c}"], LoadBalancing = LoadBalancing.ConsistentHash, HashOn = "cookie:session" }],
            Routes = [new ProxyRoute { Cluster = "c" }],
        });

        var byKey = new Dictionary<string, HashSet<string>>();
        for (int i = 0; i < 24; i++)
        {
            string key = "user" + (i % 8);
            string text = kit.Exchange(kit.ToProxy("/", "GET", new KeyValuePair<string, string>("Cookie", $"theme=dark; session={key}"))).Text;
            (byKey.TryGetValue(key, out var set) ? set : byKey[key] = []).Add(text);
        }

        Assert.All(byKey.Values, set => Assert.Single(set));
        Assert.True(byKey.Values.Select(s => s.Single()).Distinct().Count() > 1); // keys spread
    }

    [Fact]
    public void Least_requests_prefers_the_destination_with_fewer_in_flight()
    {
        using var kit = new ProxyKit();
        var parked = new List<Http.Server.ServerResponse>();
        int slow = kit.StartUpstream((req, res) => parked.Add(res));
        int fast = kit.StartUpstream((req, res) => res.End("fast"));
        kit.StartProxy(new ProxyOptions
        {
            Clusters = [new ProxyCluster { Name = "c", Destinations = [$"127.0.0.1:{slow}", $"127.0.0.1:{fast}"] }],
            Routes = [new ProxyRoute { Cluster = "c" }],
        });

        // Fill the slow one until it holds a request; with two destinations both are always the two choices, so
        // every later request goes to the one with fewer in flight: the fast one.
        var waiting = new List<Outcome>();
        while (parked.Count == 0)
        {
            Outcome o = kit.Send(kit.ToProxy());
            LoopDriver.RunUntil(kit.Loop, () => o.Closed || parked.Count > 0);
            if (!o.Closed)
                waiting.Add(o);
        }
        for (int i = 0; i < 5; i++)
            Assert.Equal("fast", kit.Exchange(kit.ToProxy()).Text);
        foreach (var res in parked)
            res.End("slow");
        LoopDriver.RunUntil(kit.Loop, () => waiting.All(o => o.Closed));
    }

    [Fact]
    public void A_destination_failing_in_a_row_is_ejected_and_readmitted_after_its_ejection_time()
    {
        using var kit = new ProxyKit();
        int good = kit.StartUpstream((req, res) => res.End("good"));
        int bad = ClosedPorts.Next().Port;
        ProxyServer proxy = kit.StartProxy(new ProxyOptions
        {
            Clusters = [new ProxyCluster { Name = "c", Destinations = [$"127.0.0.1:{bad}", $"127.0.0.1:{good}"], LoadBalancing = LoadBalancing.RoundRobin, ConsecutiveFailures = 2, EjectionTime = 300 }],
            Routes = [new ProxyRoute { Cluster = "c" }],
            MaxRetries = 1,
        });
        Destination badOne = proxy.Clusters[0].Destinations[0];

        while (!badOne.Ejected)
            Assert.Equal("good", kit.Exchange(kit.ToProxy()).Text); // each failure is retried on the good one

        Assert.Equal(2, badOne.ConsecutiveFailures);
        LoopDriver.RunFor(kit.Loop, 350);
        kit.Exchange(kit.ToProxy());
        kit.Exchange(kit.ToProxy());
        Assert.False(badOne.Ejected && badOne.ConsecutiveFailures < 2); // readmitted: tried again (and, failing, ejected again)
        Assert.True(badOne.ConsecutiveFailures >= 2);
    }

    [Fact]
    public void The_circuit_breaker_answers_503_past_max_connections_and_max_pending()
    {
        using var kit = new ProxyKit();
        var parked = new List<Http.Server.ServerResponse>();
        int port = kit.StartUpstream((req, res) => parked.Add(res));
        kit.StartProxy(new ProxyOptions
        {
            Clusters = [new ProxyCluster { Name = "c", Destinations = [$"127.0.0.1:{port}"], MaxConnections = 1, MaxPending = 1 }],
            Routes = [new ProxyRoute { Cluster = "c" }],
        });

        Outcome first = kit.Send(kit.ToProxy());
        LoopDriver.RunUntil(kit.Loop, () => parked.Count == 1);
        Outcome second = kit.Send(kit.ToProxy()); // waits for the one connection
        LoopDriver.RunUntil(kit.Loop, () => kit.Proxy!.Clusters[0].Agent.GetStats("127.0.0.1", port).Pending == 1);
        Outcome third = kit.Exchange(kit.ToProxy());

        Assert.Equal(503, third.Status);
        LoopDriver.RunUntil(kit.Loop, () => kit.Finished.Count == 1);
        Assert.Equal(Forwarding.ForwardError.CircuitOpen, kit.Finished[0].Error);
        parked[0].End("1");
        LoopDriver.RunUntil(kit.Loop, () => parked.Count == 2);
        parked[1].End("2");
        LoopDriver.RunUntil(kit.Loop, () => first.Closed && second.Closed);
        Assert.Equal(("1", "2"), (first.Text, second.Text));
    }

    public static TheoryData<ProxyOptions, string> Invalid() => new()
    {
        { new ProxyOptions { Routes = [new ProxyRoute { Cluster = "missing" }] }, "Routes[0].Cluster" },
        { new ProxyOptions { Clusters = [new ProxyCluster { Name = "c", Destinations = [] }] }, "Clusters[0].Destinations" },
        { new ProxyOptions { Clusters = [new ProxyCluster { Name = "c", Destinations = ["no-port"] }] }, "Clusters[0].Destinations[0]" },
        { new ProxyOptions { Clusters = [new ProxyCluster { Name = "c", Destinations = ["h:1"] }, new ProxyCluster { Name = "c", Destinations = ["h:2"] }] }, "Clusters[1].Name" },
        { new ProxyOptions { Clusters = [new ProxyCluster { Name = "c", Destinations = ["h:1"], LoadBalancing = LoadBalancing.ConsistentHash }] }, "Clusters[0].HashOn" },
        { new ProxyOptions { Clusters = [new ProxyCluster { Name = "c", Destinations = ["h:1"] }], Routes = [new ProxyRoute { Cluster = "c", Host = "a.*.com" }] }, "Routes[0].Host" },
        { new ProxyOptions { Clusters = [new ProxyCluster { Name = "c", Destinations = ["h:1"] }], Routes = [new ProxyRoute { Cluster = "c", PrefixRewrite = "/x" }] }, "Routes[0].PrefixRewrite" },
        { new ProxyOptions { Clusters = [new ProxyCluster { Name = "c", Destinations = ["h:1"] }], Routes = [new ProxyRoute { Cluster = "c", Methods = ["get"] }] }, "Routes[0].Methods" },
        { new ProxyOptions { Timeouts = new ProxyTimeouts { Connect = -1 } }, "Timeouts.Connect" },
        { new ProxyOptions { Clusters = [new ProxyCluster { Name = "c", Destinations = ["h:1"] }], Routes = [new ProxyRoute { Cluster = "c", Timeouts = new ProxyTimeouts { Activity = -5 } }] }, "Routes[0].Timeouts.Activity" },
        { new ProxyOptions { MaxRetries = -1 }, "MaxRetries" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_options_are_refused_naming_the_field(ProxyOptions options, string field)
    {
        using var loop = new LoopScopeForOptions();
        var error = Assert.ThrowsAny<ArgumentException>(() => new ProxyServer(loop.Loop, options));
        Assert.Contains(field, error.Message, StringComparison.Ordinal);
    }

    private sealed class LoopScopeForOptions : IDisposable
    {
        internal Loop Loop { get; } = new();

        public void Dispose() => LoopDriver.CloseLoop(Loop);
    }
}

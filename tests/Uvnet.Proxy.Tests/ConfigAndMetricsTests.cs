using Uvnet.Proxy.Clusters;
using Uvnet.Proxy.Forwarding;

namespace Uvnet.Proxy.Tests;

/// <summary>The JSON configuration (errors naming the field) and the shared counts in Prometheus' text format.</summary>
public sealed class ConfigAndMetricsTests
{
    [Fact]
    public void A_configuration_loads_every_field()
    {
        ProxyConfig config = ProxyConfig.Load("""
            {
              // comments are allowed
              "admin": { "port": 9901 },
              "timeouts": { "connect": 2000, "responseHead": 10000, "activity": 30000 },
              "maxRetries": 2,
              "clusters": [
                { "name": "app", "destinations": ["127.0.0.1:3000", "[::1]:3001"], "loadBalancing": "consistentHash", "hashOn": "client",
                  "consecutiveFailures": 3, "ejectionTime": 1000, "maxConnections": 8, "maxPending": 16 }
              ],
              "routes": [
                { "host": "*.example.com", "pathPrefix": "/api/", "prefixRewrite": "/", "methods": ["GET"], "header": "X-A", "headerValue": "b",
                  "hostRewrite": "internal", "cluster": "app", "timeouts": { "responseHead": 500 } },
                { "cluster": "app" },
              ]
            }
            """);

        Assert.Equal(9901, config.AdminPort);
        Assert.Equal("127.0.0.1", config.AdminHost);
        Assert.Equal(2000, config.Options.Timeouts.Connect);
        Assert.Equal(2, config.Options.MaxRetries);
        ProxyCluster cluster = Assert.Single(config.Options.Clusters);
        Assert.Equal(LoadBalancing.ConsistentHash, cluster.LoadBalancing);
        Assert.Equal(["127.0.0.1:3000", "[::1]:3001"], cluster.Destinations);
        Assert.Equal((3, 1000L, 8, 16), (cluster.ConsecutiveFailures, cluster.EjectionTime, cluster.MaxConnections, cluster.MaxPending));
        Assert.Equal("/api/", config.Options.Routes[0].PathPrefix);
        Assert.Equal(500, config.Options.Routes[0].Timeouts!.ResponseHead);
        Assert.Equal(60_000, config.Options.Routes[0].Timeouts!.Activity); // the default of a field left out
        Assert.Null(config.Options.Routes[1].Host);
    }

    [Theory]
    [InlineData("""{ "clusters": [ { "name": "a", "destinations": ["h:1"], "weight": 2 } ] }""", "Clusters[0].weight: not a known field")]
    [InlineData("""{ "routes": [ { "cluster": 1 } ] }""", "Routes[0].Cluster: a string")]
    [InlineData("""{ "routes": [ { "cluster": "missing" } ] }""", "Routes[0].Cluster: no cluster")]
    [InlineData("""{ "clusters": [ { "name": "a", "destinations": ["h:1"], "loadBalancing": "random" } ] }""", "Clusters[0].LoadBalancing")]
    [InlineData("""{ "clusters": [ { "name": "a", "destinations": ["h"] } ] }""", "Clusters[0].Destinations[0]")]
    [InlineData("""{ "timeouts": { "connect": "5s" } }""", "Timeouts.Connect: a whole number")]
    [InlineData("""{ "timeouts": { "connect": -1 } }""", "Timeouts.Connect")]
    [InlineData("""{ "admin": { "host": "::1" } }""", "Admin.Port: required")]
    [InlineData("""{ "clusters": {} }""", "Clusters: a list")]
    [InlineData("""{ "clusters": [ """, "not JSON")]
    [InlineData("""[]""", "(root): an object")]
    public void A_bad_configuration_is_refused_naming_the_field(string json, string expected)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => ProxyConfig.Load(json));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Metrics_count_requests_by_status_class_errors_and_upstream_latency()
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((req, res) => { res.StatusCode = req.Url == "/missing" ? 404 : 200; res.End(); });
        kit.StartProxy(ports: port);
        kit.Exchange(kit.ToProxy("/"));
        kit.Exchange(kit.ToProxy("/missing"));
        LoopDriver.RunUntil(kit.Loop, () => kit.Finished.Count == 2);
        kit.Proxy!.Dispose();
        var metrics = kit.Proxy.Metrics;

        var text = new StringWriter();
        metrics.WritePrometheus(text);

        Assert.Equal(2, metrics.Requests);
        Assert.Equal(1, metrics.RequestsOfClass(2));
        Assert.Equal(1, metrics.RequestsOfClass(4));
        Assert.Equal(0, metrics.Errors(ForwardError.ConnectFailed));
        string prometheus = text.ToString();
        Assert.Contains("uvnet_proxy_requests_total{status_class=\"2xx\"} 1\n", prometheus);
        Assert.Contains("uvnet_proxy_requests_total{status_class=\"4xx\"} 1\n", prometheus);
        Assert.Contains("uvnet_proxy_forward_errors_total{error=\"ConnectFailed\"} 0\n", prometheus);
        Assert.Contains("uvnet_proxy_upstream_response_head_seconds_bucket{le=\"+Inf\"} 2\n", prometheus);
        Assert.Contains("uvnet_proxy_upstream_response_head_seconds_count 2\n", prometheus);
    }

    [Fact]
    public void Proxies_of_two_loops_add_to_one_set_of_counts()
    {
        var metrics = new ProxyMetrics();
        foreach (int _ in new[] { 1, 2 })
        {
            using var kit = new ProxyKit();
            int port = kit.StartUpstream((req, res) => res.End());
            var proxy = new ProxyServer(kit.Loop, ProxyKit.Simple(null, null, port), null, metrics);
            bool listening = false;
            proxy.Listen(0, "127.0.0.1", () => listening = true);
            LoopDriver.RunUntil(kit.Loop, () => listening);
            var o = kit.Exchange(new Http.Client.RequestOptions { Host = "127.0.0.1", Port = proxy.Port, Agent = kit.Client });
            Assert.Equal(200, o.Status);
            LoopDriver.RunUntil(kit.Loop, () => metrics.Requests == _);
            proxy.Dispose();
        }
        Assert.Equal(2, metrics.RequestsOfClass(2));
    }
}

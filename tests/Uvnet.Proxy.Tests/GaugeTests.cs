using Uvnet.Http.Server;
using Uvnet.Proxy.Clusters;
using Uvnet.Proxy.Listeners;
using Uvnet.Proxy.Metrics;
using Uvnet.Proxy.Routing;

namespace Uvnet.Proxy.Tests;

/// <summary>
/// Gauges beside the counters (envoy's <c>upstream_cx_active</c>, <c>upstream_rq_pending_active</c>,
/// <c>membership_healthy</c>, <c>downstream_cx_active</c> per listener): read on the loop after connections open and
/// close, after reloads, and across loops through <see cref="ProxyMetrics.CollectGauges"/>.
/// </summary>
public sealed class GaugeTests
{
    private static ProxyOptions One(int port, int maxConnections = 1024, string name = "app") => new()
    {
        Clusters = [new ProxyCluster { Name = name, Destinations = [$"127.0.0.1:{port}"], MaxConnections = maxConnections }],
        Routes = [new ProxyRoute { Cluster = name }],
    };

    private static ClusterGauges Gauges(ProxyKit kit, string cluster = "app") => kit.Proxy!.ReadGauges().Clusters[cluster];

    [Fact]
    public void A_listener_s_connections_gauge_rises_as_clients_connect_and_falls_as_they_close()
    {
        using var kit = new ProxyKit();
        kit.StartProxy(One(1));
        string name = kit.Proxy!.Listeners[0].Name;
        Assert.Equal(0, kit.Proxy.ReadGauges().ListenerConnections[name]);

        RawClient first = kit.Raw(""), second = kit.Raw("");
        LoopDriver.RunUntil(kit.Loop, () => kit.Proxy.Listeners[0].ConnectionsOpen == 2);
        Assert.Equal(2, kit.Proxy.ReadGauges().ListenerConnections[name]);

        first.Socket!.Destroy();
        LoopDriver.RunUntil(kit.Loop, () => kit.Proxy.ReadGauges().ListenerConnections[name] == 1);
        second.Socket!.End();
        LoopDriver.RunUntil(kit.Loop, () => kit.Proxy.ReadGauges().ListenerConnections[name] == 0);
        Assert.Equal($"127.0.0.1:{kit.Proxy.Port}", name);
    }

    [Fact]
    public void A_cluster_s_gauges_count_its_pool_open_idle_and_requests_pending()
    {
        using var kit = new ProxyKit();
        var held = new List<ServerResponse>();
        int upstream = kit.StartUpstream((_, res) => held.Add(res));
        kit.StartProxy(One(upstream, maxConnections: 1));
        Assert.Equal(new ClusterGauges(0, 0, 0, 1, 0), Gauges(kit));

        Outcome a = kit.Send(kit.ToProxy("/a"));
        Outcome b = kit.Send(kit.ToProxy("/b"));
        LoopDriver.RunUntil(kit.Loop, () => held.Count == 1 && Gauges(kit).RequestsPending == 1);
        Assert.Equal(new ClusterGauges(1, 0, 1, 1, 0), Gauges(kit));

        held[0].End("a");
        LoopDriver.RunUntil(kit.Loop, () => held.Count == 2);
        Assert.Equal(new ClusterGauges(1, 0, 0, 1, 0), Gauges(kit));
        held[1].End("b");
        LoopDriver.RunUntil(kit.Loop, () => a.Closed && b.Closed && Gauges(kit).ConnectionsIdle == 1);
        Assert.Equal(new ClusterGauges(1, 1, 0, 1, 0), Gauges(kit));
    }

    [Fact]
    public void An_upstream_closing_its_idle_connection_leaves_the_gauges()
    {
        using var kit = new ProxyKit();
        var sockets = new List<Net.Socket>();
        int upstream = kit.StartCanned((s, _) => s.Write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray()), sockets);
        kit.StartProxy(One(upstream));
        kit.Exchange(kit.ToProxy());
        LoopDriver.RunUntil(kit.Loop, () => Gauges(kit).ConnectionsIdle == 1);

        sockets[0].Destroy();

        LoopDriver.RunUntil(kit.Loop, () => Gauges(kit).ConnectionsOpen == 0);
        Assert.Equal(new ClusterGauges(0, 0, 0, 1, 0), Gauges(kit));
    }

    [Fact]
    public void Ejected_and_unhealthy_destinations_count_as_unhealthy_and_readmitted_ones_as_healthy()
    {
        using var kit = new ProxyKit();
        int good = kit.StartUpstream((_, res) => res.End("ok"));
        int refused = ClosedPort();
        kit.StartProxy(new ProxyOptions
        {
            Clusters = [new ProxyCluster { Name = "app", Destinations = [$"127.0.0.1:{refused}", $"127.0.0.1:{good}"], LoadBalancing = LoadBalancing.RoundRobin, ConsecutiveFailures = 1, EjectionTime = 2000 }],
            Routes = [new ProxyRoute { Cluster = "app" }],
        });
        Assert.Equal((2, 0), (Gauges(kit).HealthyDestinations, Gauges(kit).UnhealthyDestinations));

        while (!kit.Proxy!.Clusters[0].Destinations[0].Ejected)
            kit.Exchange(kit.ToProxy());
        Assert.Equal((1, 1), (Gauges(kit).HealthyDestinations, Gauges(kit).UnhealthyDestinations));

        // Its ejection over, it counts as healthy again (on probation) before any request picks it.
        LoopDriver.RunUntil(kit.Loop, () => Gauges(kit).HealthyDestinations == 2);
        Assert.Equal(0, Gauges(kit).UnhealthyDestinations);
    }

    [Fact]
    public void After_a_reload_a_removed_cluster_s_pool_counts_until_it_closes_and_a_removed_listener_s_connections_until_they_close()
    {
        using var kit = new ProxyKit();
        var held = new List<ServerResponse>();
        int upstream = kit.StartUpstream((_, res) => held.Add(res));
        kit.StartProxy(One(upstream, name: "old"));
        kit.Proxy!.Reload(One(upstream, name: "old"), [new ProxyListenerOptions { Name = "extra", Host = "127.0.0.1" }]);
        LoopDriver.RunUntil(kit.Loop, () => kit.Proxy.Listeners[1].Port != 0);
        Outcome inFlight = kit.Send(kit.ToProxy() with { Port = kit.Proxy.Listeners[1].Port });
        LoopDriver.RunUntil(kit.Loop, () => held.Count == 1);

        kit.Proxy.Reload(One(upstream, name: "new"), []);

        ProxyGauges during = kit.Proxy.ReadGauges();
        Assert.Equal(1, during.Clusters["old"].ConnectionsOpen); // draining: the request in flight holds it
        Assert.Equal((0, 0), (during.Clusters["old"].HealthyDestinations, during.Clusters["old"].UnhealthyDestinations));
        Assert.Equal(new ClusterGauges(0, 0, 0, 1, 0), during.Clusters["new"]);
        Assert.Equal(1, during.ListenerConnections["extra"]); // the listener closed, its connection still open

        held[0].End("late");
        LoopDriver.RunUntil(kit.Loop, () => inFlight.Closed);
        kit.Client.Destroy(); // the client's idle connection to the removed listener closes
        LoopDriver.RunUntil(kit.Loop, () =>
        {
            ProxyGauges after = kit.Proxy.ReadGauges();
            return !after.Clusters.ContainsKey("old") && !after.ListenerConnections.ContainsKey("extra");
        });
        Assert.Equal((200, "late"), (inFlight.Status, inFlight.Text));
    }

    [Fact]
    public void CollectGauges_reads_every_loop_s_proxy_and_the_Prometheus_text_carries_them()
    {
        using var kit = new ProxyKit();
        int upstream = kit.StartUpstream((_, res) => res.End("ok"));
        kit.StartProxy(One(upstream));
        kit.Exchange(kit.ToProxy());
        LoopDriver.RunUntil(kit.Loop, () => Gauges(kit).ConnectionsIdle == 1);
        // A second loop's proxy adding to the same metrics, with a connection of its own on its listener.
        using var other = new OtherLoop(kit.Proxy!.Metrics, upstream);
        other.ConnectOnce();

        ProxyGauges? collected = null;
        kit.Proxy.Metrics.CollectGauges(kit.Loop, g => collected = g);
        Assert.Null(collected); // never inside the call
        LoopDriver.RunUntil(kit.Loop, () => collected is not null);

        Assert.Equal(new ClusterGauges(1, 1, 0, 1, 0), collected!.Clusters["app"]);
        Assert.Equal(1, collected.ListenerConnections[other.ListenerName]);
        var text = new StringWriter();
        kit.Proxy.Metrics.WritePrometheus(text, collected);
        string prometheus = text.ToString();
        Assert.Contains("# TYPE uvnet_proxy_cluster_upstream_connections gauge\nuvnet_proxy_cluster_upstream_connections{cluster=\"app\"} 1\n", prometheus, StringComparison.Ordinal);
        Assert.Contains("uvnet_proxy_cluster_upstream_connections_idle{cluster=\"app\"} 1\n", prometheus, StringComparison.Ordinal);
        Assert.Contains("uvnet_proxy_cluster_requests_pending{cluster=\"app\"} 0\n", prometheus, StringComparison.Ordinal);
        Assert.Contains("uvnet_proxy_cluster_destinations{cluster=\"app\",state=\"healthy\"} 1\n", prometheus, StringComparison.Ordinal);
        Assert.Contains("uvnet_proxy_cluster_destinations{cluster=\"app\",state=\"unhealthy\"} 0\n", prometheus, StringComparison.Ordinal);
        Assert.Contains($"uvnet_proxy_listener_connections{{listener=\"{other.ListenerName}\"}} 1\n", prometheus, StringComparison.Ordinal);
        var plain = new StringWriter();
        kit.Proxy.Metrics.WritePrometheus(plain);
        Assert.DoesNotContain("gauge", plain.ToString(), StringComparison.Ordinal); // counters only without gauges
    }

    [Fact]
    public void ReadGauges_and_CollectGauges_are_refused_off_the_loop_s_thread()
    {
        using var kit = new ProxyKit();
        kit.StartProxy(One(1));
        List<Exception?> errors = LoopDriver.ExceptionsOffTheLoop(kit.Loop,
            () => kit.Proxy!.ReadGauges(),
            () => kit.Proxy!.Metrics.CollectGauges(kit.Loop, _ => { }),
            () => kit.Proxy!.Clusters[0].ReadGauges());
        Assert.All(errors, e => Assert.IsType<InvalidOperationException>(e));
        Assert.Throws<ArgumentNullException>(() => kit.Proxy!.Metrics.CollectGauges(kit.Loop, null!));
    }

    private static int ClosedPort()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>A proxy on a loop of its own, run on a thread of its own, adding to <paramref name="metrics"/>.</summary>
    private sealed class OtherLoop : IDisposable
    {
        private readonly Loop _loop = new();
        private readonly Thread _thread;
        private readonly ManualResetEventSlim _listening = new(), _connected = new();
        private System.Net.Sockets.TcpClient? _client;
        private volatile bool _stop;
        private int _port;

        internal OtherLoop(ProxyMetrics metrics, int upstream)
        {
            _thread = new Thread(() =>
            {
                var proxy = new ProxyServer(_loop, One(upstream), metrics: metrics);
                proxy.Server.Connection += _ => _connected.Set();
                proxy.Listen(0, "127.0.0.1", () =>
                {
                    _port = proxy.Port;
                    _listening.Set();
                });
                var timer = new TimerHandle(_loop);
                timer.Start(t =>
                {
                    if (!_stop)
                        return;
                    t.Close();
                    proxy.Dispose();
                }, 10, 10);
                _loop.Run();
            });
            _thread.Start();
            Assert.True(_listening.Wait(TimeSpan.FromSeconds(20)));
        }

        internal string ListenerName => $"127.0.0.1:{_port}";

        internal void ConnectOnce()
        {
            _client = new System.Net.Sockets.TcpClient();
            _client.Connect(System.Net.IPAddress.Loopback, _port);
            Assert.True(_connected.Wait(TimeSpan.FromSeconds(20)));
        }

        public void Dispose()
        {
            _client?.Dispose();
            _stop = true;
            _thread.Join();
            _loop.Dispose();
        }
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using Uvnet.Proxy.Forwarding;
using Uvnet.Proxy.Metrics;

namespace Uvnet.Proxy;

/// <summary>
/// Counts shared by the proxies of every loop (updated with interlocked adds, read from any thread), written in
/// Prometheus' text format by <see cref="WritePrometheus(TextWriter, ProxyGauges?)"/>: requests by status class and
/// the upstream's response-head latency, in all and per route and cluster; forwarding errors by kind; each cluster's
/// retries, retry-budget overflows, ejections and health checks. A route or cluster is counted under its name from its
/// first configuration on, across reloads. Gauges (pools, health, open connections) are read from each loop's proxy
/// on its thread by <see cref="CollectGauges"/>.
/// </summary>
public sealed class ProxyMetrics
{
    private readonly RequestCounters _total = new();
    private readonly long[] _errors = new long[Enum.GetValues<ForwardError>().Length];
    private readonly ConcurrentDictionary<string, RequestCounters> _routes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ClusterCounters> _clusters = new(StringComparer.Ordinal);
    private readonly List<ProxyServer> _proxies = []; // every loop's proxy adding to these counts, for the gauges; locked

    /// <summary>Requests ended so far (every status class, and those cut without a response).</summary>
    public long Requests => _total.Requests;

    /// <summary>Requests that ended with a status of class <paramref name="statusClass"/> (1 to 5; 0: none sent).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="statusClass"/> is not 0 to 5.</exception>
    public long RequestsOfClass(int statusClass) => _total.RequestsOfClass(statusClass);

    /// <summary>Exchanges that ended with <paramref name="error"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="error"/> is not a <see cref="ForwardError"/>.</exception>
    public long Errors(ForwardError error)
    {
        if (!Enum.IsDefined(error))
            throw new ArgumentOutOfRangeException(nameof(error), error, "Not a ForwardError.");
        return Interlocked.Read(ref _errors[(int)error]);
    }

    /// <summary>The counts of the route named <paramref name="name"/> (<see cref="Routing.ProxyRoute.Name"/>, or its index), or null before it served.</summary>
    public RequestCounters? ForRoute(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _routes.GetValueOrDefault(name);
    }

    /// <summary>The counts of the cluster named <paramref name="name"/>, or null when no proxy has had it.</summary>
    public ClusterCounters? ForCluster(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _clusters.GetValueOrDefault(name);
    }

    /// <summary>A route's counts, made when a configuration names it (never per request).</summary>
    internal RequestCounters Route(string name) => _routes.GetOrAdd(name, static _ => new RequestCounters());

    /// <summary>A cluster's counts, made when a configuration names it (never per request).</summary>
    internal ClusterCounters Cluster(string name) => _clusters.GetOrAdd(name, static _ => new ClusterCounters());

    internal void OnFinished(int status, ForwardError error, RequestCounters? route, ClusterCounters? cluster)
    {
        _total.OnFinished(status);
        route?.OnFinished(status);
        cluster?.Requests.OnFinished(status);
        if (error != ForwardError.None)
            Interlocked.Increment(ref _errors[(int)error]);
    }

    internal void OnResponseHead(long milliseconds, RequestCounters? route, ClusterCounters? cluster)
    {
        _total.OnResponseHead(milliseconds);
        route?.OnResponseHead(milliseconds);
        cluster?.Requests.OnResponseHead(milliseconds);
    }

    internal void Register(ProxyServer proxy)
    {
        lock (_proxies)
            _proxies.Add(proxy);
    }

    internal void Unregister(ProxyServer proxy)
    {
        lock (_proxies)
            _proxies.Remove(proxy);
    }

    /// <summary>
    /// Reads the gauges of every open proxy adding to these counts, each on its own loop's thread, and hands their sum
    /// (<see cref="ClusterGauges"/> says how loops combine) to <paramref name="done"/> on <paramref name="loop"/>'s
    /// thread. A proxy whose loop has ended is left out.
    /// </summary>
    /// <exception cref="InvalidOperationException">The call is off <paramref name="loop"/>'s thread.</exception>
    public void CollectGauges(Loop loop, Action<ProxyGauges> done)
    {
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentNullException.ThrowIfNull(done);
        loop.VerifyAccess();
        ProxyServer[] proxies;
        lock (_proxies)
            proxies = [.. _proxies];
        var clusters = new Dictionary<string, ClusterGauges>(StringComparer.Ordinal);
        var listeners = new Dictionary<string, int>(StringComparer.Ordinal);
        int left = proxies.Length + 1; // one more for this call, so that done never runs inside it
        void Add(ProxyGauges? gauges)
        {
            lock (clusters)
            {
                gauges?.MergeInto(clusters, listeners);
                if (--left > 0)
                    return;
            }
            loop.Post(() => done(new ProxyGauges(clusters, listeners)));
        }
        foreach (ProxyServer proxy in proxies)
        {
            try
            {
                proxy.Loop.Post(() => Add(proxy.IsClosed ? null : proxy.ReadGauges()));
            }
            catch (ObjectDisposedException)
            {
                Add(null); // its loop has ended: nothing of it is open
            }
        }
        Add(null);
    }

    /// <summary>Writes every counter in Prometheus' text exposition format (version 0.0.4).</summary>
    public void WritePrometheus(TextWriter output) => WritePrometheus(output, null);

    /// <summary>
    /// Writes every counter, and <paramref name="gauges"/> (from <see cref="CollectGauges"/>, or one loop's
    /// <see cref="ProxyServer.ReadGauges"/>) when given, in Prometheus' text exposition format (version 0.0.4).
    /// </summary>
    public void WritePrometheus(TextWriter output, ProxyGauges? gauges)
    {
        ArgumentNullException.ThrowIfNull(output);
        CultureInfo c = CultureInfo.InvariantCulture;
        var routes = _routes.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (Labels: $"route=\"{Escape(p.Key)}\",", Counters: p.Value)).ToList();
        var clusters = _clusters.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        var clusterRequests = clusters.Select(p => (Labels: $"cluster=\"{Escape(p.Key)}\",", Counters: p.Value.Requests)).ToList();
        RequestFamilies(output, "uvnet_proxy_", "The proxy's ", [("", _total)]);
        Family(output, "uvnet_proxy_forward_errors_total", "counter", "Exchanges not forwarded whole, by stage and side.");
        foreach (ForwardError error in Enum.GetValues<ForwardError>())
        {
            if (error != ForwardError.None)
                output.Write(string.Create(c, $"uvnet_proxy_forward_errors_total{{error=\"{error}\"}} {Errors(error)}\n"));
        }
        RequestFamilies(output, "uvnet_proxy_route_", "A route's ", routes);
        RequestFamilies(output, "uvnet_proxy_cluster_", "A cluster's ", clusterRequests);
        ClusterFamily(output, clusters, "retries_total", "Requests sent again to another destination.", static k => k.Retries);
        ClusterFamily(output, clusters, "retry_overflows_total", "Retries the retry budget refused.", static k => k.RetryOverflows);
        ClusterFamily(output, clusters, "ejections_total", "Destinations ejected after consecutive failures.", static k => k.Ejections);
        ClusterFamily(output, clusters, "health_check_failures_total", "Active health checks that failed.", static k => k.HealthCheckFailures);
        ClusterFamily(output, clusters, "marked_unhealthy_total", "Times a destination became unhealthy by its health checks.", static k => k.MarkedUnhealthy);
        if (gauges is not null)
            WriteGauges(output, gauges);
    }

    private static void WriteGauges(TextWriter output, ProxyGauges gauges)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        var clusters = gauges.Clusters.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        void ClusterGauge(string name, string help, Func<ClusterGauges, int> value)
        {
            Family(output, "uvnet_proxy_cluster_" + name, "gauge", help);
            foreach (var (cluster, g) in clusters)
                output.Write(string.Create(c, $"uvnet_proxy_cluster_{name}{{cluster=\"{Escape(cluster)}\"}} {value(g)}\n"));
        }
        ClusterGauge("upstream_connections", "Upstream connections open or connecting, busy or idle, across loops.", static g => g.ConnectionsOpen);
        ClusterGauge("upstream_connections_idle", "Upstream connections idle in the pool, across loops.", static g => g.ConnectionsIdle);
        ClusterGauge("requests_pending", "Requests waiting for an upstream connection, across loops.", static g => g.RequestsPending);
        Family(output, "uvnet_proxy_cluster_destinations", "gauge", "Destinations by health: healthy on every loop, or unhealthy or ejected on one.");
        foreach (var (cluster, g) in clusters)
        {
            output.Write(string.Create(c, $"uvnet_proxy_cluster_destinations{{cluster=\"{Escape(cluster)}\",state=\"healthy\"}} {g.HealthyDestinations}\n"));
            output.Write(string.Create(c, $"uvnet_proxy_cluster_destinations{{cluster=\"{Escape(cluster)}\",state=\"unhealthy\"}} {g.UnhealthyDestinations}\n"));
        }
        Family(output, "uvnet_proxy_listener_connections", "gauge", "Downstream connections open on a listener, across loops.");
        foreach (var (listener, open) in gauges.ListenerConnections.OrderBy(p => p.Key, StringComparer.Ordinal))
            output.Write(string.Create(c, $"uvnet_proxy_listener_connections{{listener=\"{Escape(listener)}\"}} {open}\n"));
    }

    /// <summary>The request counts and the latency histogram of each of <paramref name="sets"/>, one family after the other.</summary>
    private static void RequestFamilies(TextWriter output, string prefix, string whose, List<(string Labels, RequestCounters Counters)> sets)
    {
        Family(output, prefix + "requests_total", "counter", whose + "requests ended, by the class of the status sent (none: cut without a response).");
        foreach (var (labels, counters) in sets)
            counters.WriteRequests(output, prefix, labels);
        Family(output, prefix + "upstream_response_head_seconds", "histogram", whose + "time from sending to the upstream to its response's head.");
        foreach (var (labels, counters) in sets)
            counters.WriteLatency(output, prefix, labels);
    }

    private static void Family(TextWriter output, string name, string type, string help)
    {
        output.Write($"# HELP {name} {help}\n");
        output.Write($"# TYPE {name} {type}\n");
    }

    private static void ClusterFamily(TextWriter output, List<KeyValuePair<string, ClusterCounters>> clusters, string name, string help, Func<ClusterCounters, long> value)
    {
        Family(output, "uvnet_proxy_cluster_" + name, "counter", help);
        foreach (var (cluster, counters) in clusters)
            output.Write(string.Create(CultureInfo.InvariantCulture, $"uvnet_proxy_cluster_{name}{{cluster=\"{Escape(cluster)}\"}} {value(counters)}\n"));
    }

    /// <summary>A label value as Prometheus' text format writes it (backslash, quote and line feed escaped).</summary>
    private static string Escape(string value) => value.Replace("\\", @"\\").Replace("\"", "\\\"").Replace("\n", @"\n");
}

namespace Uvnet.Proxy.Metrics;

/// <summary>
/// A cluster's state now (gauges, beside the counts of <see cref="ClusterCounters"/>): its connection pool and its
/// destinations' health.
/// </summary>
/// <param name="ConnectionsOpen">Upstream connections open or connecting, busy or idle (health checks' too).</param>
/// <param name="ConnectionsIdle">Open upstream connections idle in the pool, kept alive for the next request.</param>
/// <param name="RequestsPending">Requests waiting for a connection (the circuit breaker's <see cref="Clusters.ProxyCluster.MaxPending"/> bounds them).</param>
/// <param name="HealthyDestinations">Destinations that get traffic: healthy by their health checks and not ejected.</param>
/// <param name="UnhealthyDestinations">Destinations left out: unhealthy by their health checks, or ejected after consecutive failures.</param>
public readonly record struct ClusterGauges(int ConnectionsOpen, int ConnectionsIdle, int RequestsPending, int HealthyDestinations, int UnhealthyDestinations)
{
    /// <summary>
    /// The gauges of one cluster on two loops: connections and requests add up; a destination's health is each loop's
    /// own (its own checks and ejections), so the healthy count is the smaller and the unhealthy one the larger.
    /// </summary>
    internal ClusterGauges Merge(ClusterGauges other) => new(
        ConnectionsOpen + other.ConnectionsOpen,
        ConnectionsIdle + other.ConnectionsIdle,
        RequestsPending + other.RequestsPending,
        Math.Min(HealthyDestinations, other.HealthyDestinations),
        Math.Max(UnhealthyDestinations, other.UnhealthyDestinations));

    /// <summary>A retired cluster's pool beside the current one's of the same name: its connections count, its health does not.</summary>
    internal ClusterGauges WithPoolOf(ClusterGauges retired) =>
        this with { ConnectionsOpen = ConnectionsOpen + retired.ConnectionsOpen, ConnectionsIdle = ConnectionsIdle + retired.ConnectionsIdle, RequestsPending = RequestsPending + retired.RequestsPending };
}

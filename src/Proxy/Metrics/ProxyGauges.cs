namespace Uvnet.Proxy.Metrics;

/// <summary>
/// The proxy's gauges at one moment: each cluster's (<see cref="ClusterGauges"/>) and each listener's open downstream
/// connections, by name; one loop's (<see cref="ProxyServer.ReadGauges"/>) or every loop's
/// (<see cref="ProxyMetrics.CollectGauges"/>).
/// </summary>
public sealed class ProxyGauges
{
    internal ProxyGauges(Dictionary<string, ClusterGauges> clusters, Dictionary<string, int> listeners)
    {
        Clusters = clusters;
        ListenerConnections = listeners;
    }

    /// <summary>Each cluster's gauges, by name: those of the configuration in use, and those of retired ones whose pools are still open.</summary>
    public IReadOnlyDictionary<string, ClusterGauges> Clusters { get; }

    /// <summary>Each open listener's downstream connections open, by <see cref="Listeners.ProxyListener.Name"/>.</summary>
    public IReadOnlyDictionary<string, int> ListenerConnections { get; }

    /// <summary>Adds these gauges (one loop's) to those of the loops merged so far (see <see cref="ClusterGauges"/>).</summary>
    internal void MergeInto(Dictionary<string, ClusterGauges> clusters, Dictionary<string, int> listeners)
    {
        foreach (var (name, gauges) in Clusters)
            clusters[name] = clusters.TryGetValue(name, out ClusterGauges seen) ? seen.Merge(gauges) : gauges;
        foreach (var (name, open) in ListenerConnections)
            listeners[name] = listeners.GetValueOrDefault(name) + open;
    }
}

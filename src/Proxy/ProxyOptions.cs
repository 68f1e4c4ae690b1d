using Uvnet.Http.Client;
using Uvnet.Proxy.Clusters;
using Uvnet.Proxy.Hooks;
using Uvnet.Proxy.Routing;

namespace Uvnet.Proxy;

/// <summary>A proxy's settings: routes, clusters, filters and timeouts. Validated by <see cref="ProxyServer"/>'s constructor.</summary>
public sealed record ProxyOptions
{
    /// <summary>Routes, tried in order: the first that matches serves the request.</summary>
    public IReadOnlyList<ProxyRoute> Routes { get; init; } = [];

    /// <summary>The clusters routes name.</summary>
    public IReadOnlyList<ProxyCluster> Clusters { get; init; } = [];

    /// <summary>Filters run for every request, in this order, before the route's own.</summary>
    public IReadOnlyList<ProxyFilter> Filters { get; init; } = [];

    /// <summary>Timeouts of every route that sets none of its own.</summary>
    public ProxyTimeouts Timeouts { get; init; } = new();

    /// <summary>
    /// How many times a request is sent again to another destination after a connect failure, or after a reset before
    /// any response byte when it is idempotent and no body byte was forwarded (envoy's <c>num_retries</c>: 1).
    /// </summary>
    public int MaxRetries { get; init; } = 1;

    /// <summary>The pseudonym this proxy adds to <c>Via</c> (RFC 9110 §7.6.3).</summary>
    public string ViaName { get; init; } = "uvnet";

    /// <summary>The upstream connection pool's settings (the proxy's own <see cref="Agent"/> on each loop).</summary>
    public AgentOptions Agent { get; init; } = new() { Timeout = 0 }; // the proxy's own timeouts apply, not the agent's 5 s

    /// <summary>
    /// How host name destinations are looked up every <see cref="ProxyCluster.ResolveInterval"/>, on the thread pool;
    /// null: <see cref="System.Net.Dns.GetHostAddresses(string)"/>. An exception or an empty answer keeps the last address.
    /// </summary>
    public Func<string, System.Net.IPAddress[]>? Lookup { get; init; }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Routes, nameof(Routes));
        ArgumentNullException.ThrowIfNull(Clusters, nameof(Clusters));
        ArgumentNullException.ThrowIfNull(Filters, nameof(Filters));
        ArgumentNullException.ThrowIfNull(Timeouts, nameof(Timeouts));
        ArgumentNullException.ThrowIfNull(Agent, nameof(Agent));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRetries, nameof(MaxRetries));
        ArgumentException.ThrowIfNullOrWhiteSpace(ViaName, nameof(ViaName));
        if (ViaName.AsSpan().ContainsAnyExceptInRange(' ', '~'))
            throw new ArgumentException($"ViaName: \"{ViaName}\" holds a control character (it goes in every Via field).", nameof(ViaName));
        Timeouts.Validate("Timeouts");
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < Clusters.Count; i++)
        {
            ProxyCluster cluster = Clusters[i] ?? throw new ArgumentException($"Clusters[{i}]: null.", nameof(Clusters));
            cluster.Validate($"Clusters[{i}]");
            if (!names.Add(cluster.Name))
                throw new ArgumentException($"Clusters[{i}].Name: \"{cluster.Name}\" is named twice.", nameof(Clusters));
        }
        for (int i = 0; i < Routes.Count; i++)
        {
            ProxyRoute route = Routes[i] ?? throw new ArgumentException($"Routes[{i}]: null.", nameof(Routes));
            route.Validate($"Routes[{i}]");
            if (!names.Contains(route.Cluster))
                throw new ArgumentException($"Routes[{i}].Cluster: no cluster is named \"{route.Cluster}\".", nameof(Routes));
        }
        for (int i = 0; i < Filters.Count; i++)
        {
            if (Filters[i] is null)
                throw new ArgumentException($"Filters[{i}]: null.", nameof(Filters));
        }
    }
}

/// <summary>A route's or a proxy's timeouts, in milliseconds (0: none).</summary>
public sealed record ProxyTimeouts
{
    /// <summary>Connecting to a destination (envoy's cluster <c>connect_timeout</c>: 5 s). A timeout is 504.</summary>
    public long Connect { get; init; } = 5_000;

    /// <summary>From sending the request to the response's head (envoy's route <c>timeout</c>: 15 s). A timeout is 504.</summary>
    public long ResponseHead { get; init; } = 15_000;

    /// <summary>
    /// Without progress in either direction, once the head arrived or while the request body is sent (nginx's
    /// <c>proxy_read_timeout</c>: 60 s). Before the response's head it is 504; after, the client's connection is cut.
    /// </summary>
    public long Activity { get; init; } = 60_000;

    internal void Validate(string field)
    {
        if (Connect < 0)
            throw new ArgumentOutOfRangeException(field + ".Connect", Connect, "A timeout is 0 (none) or more.");
        if (ResponseHead < 0)
            throw new ArgumentOutOfRangeException(field + ".ResponseHead", ResponseHead, "A timeout is 0 (none) or more.");
        if (Activity < 0)
            throw new ArgumentOutOfRangeException(field + ".Activity", Activity, "A timeout is 0 (none) or more.");
    }
}

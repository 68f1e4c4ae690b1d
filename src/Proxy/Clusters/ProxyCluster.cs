namespace Uvnet.Proxy.Clusters;

/// <summary>How a cluster picks the destination of a request.</summary>
public enum LoadBalancing
{
    /// <summary>Least requests in flight among two destinations picked at random (power of two choices; envoy's default policy).</summary>
    LeastRequests,

    /// <summary>Each destination in turn.</summary>
    RoundRobin,

    /// <summary>The same key to the same destination while it is healthy (rendezvous hashing on <see cref="ProxyCluster.HashOn"/>).</summary>
    ConsistentHash,
}

/// <summary>A set of upstream destinations that serve the same content.</summary>
public sealed record ProxyCluster
{
    /// <summary>The name routes give.</summary>
    public required string Name { get; init; }

    /// <summary>Destinations as "host:port" ("127.0.0.1:3000", "[::1]:3000", "app.internal:8080"); a host name is resolved at each new connection.</summary>
    public required IReadOnlyList<string> Destinations { get; init; }

    /// <summary>The policy (<see cref="LoadBalancing.LeastRequests"/>).</summary>
    public LoadBalancing LoadBalancing { get; init; } = LoadBalancing.LeastRequests;

    /// <summary>For <see cref="LoadBalancing.ConsistentHash"/>: "header:Name", "cookie:name" or "client" (the client's address).</summary>
    public string? HashOn { get; init; }

    /// <summary>Consecutive failures (connect failures, resets, 5xx... of 502/503/504) after which a destination is ejected (envoy's outlier detection: 5; 0: never).</summary>
    public int ConsecutiveFailures { get; init; } = 5;

    /// <summary>How long an ejected destination is left out, in milliseconds (envoy's base ejection time: 30 s).</summary>
    public long EjectionTime { get; init; } = 30_000;

    /// <summary>Connections to each destination at most; requests beyond wait (envoy's circuit breaker <c>max_connections</c>: 1024).</summary>
    public int MaxConnections { get; init; } = 1024;

    /// <summary>Requests waiting for a connection at most, per destination; one beyond is answered 503 (envoy's <c>max_pending_requests</c>: 1024).</summary>
    public int MaxPending { get; init; } = 1024;

    internal void Validate(string field)
    {
        if (string.IsNullOrEmpty(Name))
            throw new ArgumentException($"{field}.Name: required.", field + ".Name");
        if (Destinations is null || Destinations.Count == 0)
            throw new ArgumentException($"{field}.Destinations: at least one.", field + ".Destinations");
        for (int i = 0; i < Destinations.Count; i++)
        {
            if (!TryParseDestination(Destinations[i], out _, out _))
                throw new ArgumentException($"{field}.Destinations[{i}]: \"{Destinations[i]}\" is not host:port.", field + ".Destinations");
        }
        if (!Enum.IsDefined(LoadBalancing))
            throw new ArgumentOutOfRangeException(field + ".LoadBalancing", LoadBalancing, "Not a policy.");
        if (LoadBalancing == LoadBalancing.ConsistentHash && !IsHashKey(HashOn))
            throw new ArgumentException($"{field}.HashOn: \"header:Name\", \"cookie:name\" or \"client\" for ConsistentHash.", field + ".HashOn");
        if (ConsecutiveFailures < 0)
            throw new ArgumentOutOfRangeException(field + ".ConsecutiveFailures", ConsecutiveFailures, "0 (never eject) or more.");
        if (EjectionTime < 0)
            throw new ArgumentOutOfRangeException(field + ".EjectionTime", EjectionTime, "0 or more.");
        if (MaxConnections < 1)
            throw new ArgumentOutOfRangeException(field + ".MaxConnections", MaxConnections, "At least 1.");
        if (MaxPending < 0)
            throw new ArgumentOutOfRangeException(field + ".MaxPending", MaxPending, "0 or more.");
    }

    private static bool IsHashKey(string? key) =>
        key == "client" || (key is not null && (key.StartsWith("header:", StringComparison.Ordinal) && key.Length > 7 || key.StartsWith("cookie:", StringComparison.Ordinal) && key.Length > 7));

    /// <summary>Splits "host:port" ("[v6]:port" for an IPv6 address).</summary>
    internal static bool TryParseDestination(string? text, out string host, out int port)
    {
        host = "";
        port = 0;
        if (string.IsNullOrEmpty(text))
            return false;
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            return false;
        host = text[..colon];
        if (host.StartsWith('['))
        {
            if (!host.EndsWith(']') || host.Length < 3)
                return false;
            host = host[1..^1];
        }
        else if (host.Contains(':'))
        {
            return false; // an IPv6 address goes in brackets
        }
        return !host.AsSpan().ContainsAnyExceptInRange('!', '~') && !host.AsSpan().ContainsAny("/?#@"); // the HTTP client's rule for a host
    }
}

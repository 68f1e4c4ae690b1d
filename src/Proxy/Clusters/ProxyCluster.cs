using System.Security.Cryptography.X509Certificates;
using Uvnet.Tls;

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

    /// <summary>Destinations as "host:port" ("127.0.0.1:3000", "[::1]:3000", "app.internal:8080"); a host name is looked up every <see cref="ResolveInterval"/>.</summary>
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

    /// <summary>The active health check; null: none (passive ejection alone).</summary>
    public ProxyHealthCheck? HealthCheck { get; init; }

    /// <summary>
    /// How often a host name destination is looked up again, in milliseconds (envoy's <c>dns_refresh_rate</c>: 5 s).
    /// New connections go to the address found; when the answer changes, connections to the old address are not
    /// reused (idle ones close, busy ones finish their request). 0: the name is looked up at each new connection.
    /// </summary>
    public long ResolveInterval { get; init; } = 5_000;

    /// <summary>
    /// Retries in flight at most, as a percentage of the cluster's requests in flight (envoy's retry budget
    /// <c>budget_percent</c>: 20), so that retries cannot multiply the load of an outage.
    /// </summary>
    public double RetryBudgetPercent { get; init; } = 20;

    /// <summary>Retries in flight the budget allows whatever the percentage gives (envoy's <c>min_retry_concurrency</c>: 3).</summary>
    public int RetryBudgetMinConcurrency { get; init; } = 3;

    /// <summary>
    /// TLS to the destinations (the HTTP client's https); null: plain HTTP. The certificate is verified as the options
    /// say, against the destination's host name (its configured name, not the address it was found at) unless
    /// <see cref="TlsClientOptions.ServerName"/> names another; ALPN offers <c>http/1.1</c> when the options offer nothing.
    /// Health checks go over TLS too.
    /// </summary>
    public TlsClientOptions? Tls { get; init; }

    /// <summary>Whether a cluster made from <paramref name="other"/> would behave as one made from this (a reload keeps its state then).</summary>
    internal bool SameAs(ProxyCluster other) =>
        this with { Destinations = other.Destinations, Tls = other.Tls } == other && Destinations.SequenceEqual(other.Destinations, StringComparer.Ordinal)
        && SameTls(Tls, other.Tls);

    /// <summary>
    /// TLS settings alike by value: a reloaded file makes new objects of the same settings, which keep the cluster (and
    /// its pooled connections, so every setting must be compared; a reflection test checks each public one is).
    /// </summary>
    private static bool SameTls(TlsClientOptions? a, TlsClientOptions? b) =>
        a == b || a is not null && b is not null
            && a.ServerName == b.ServerName && a.DangerousAcceptAnyServerCertificate == b.DangerousAcceptAnyServerCertificate && a.HandshakeTimeout == b.HandshakeTimeout
            && (a.AlpnProtocols ?? []).SequenceEqual(b.AlpnProtocols ?? [], StringComparer.Ordinal)
            && SameCertificates(a.CaCertificates, b.CaCertificates)
            && a.ClientCertificate?.Thumbprint == b.ClientCertificate?.Thumbprint
            && SameCertificates(a.ClientCertificateChain, b.ClientCertificateChain);

    private static bool SameCertificates(X509Certificate2Collection? a, X509Certificate2Collection? b) =>
        (a ?? []).Select(c => c.Thumbprint).SequenceEqual((b ?? []).Select(c => c.Thumbprint), StringComparer.Ordinal);

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
        HealthCheck?.Validate(field + ".HealthCheck");
        if (ResolveInterval < 0)
            throw new ArgumentOutOfRangeException(field + ".ResolveInterval", ResolveInterval, "0 (at each connection) or more.");
        if (!double.IsFinite(RetryBudgetPercent) || RetryBudgetPercent is < 0 or > 100)
            throw new ArgumentOutOfRangeException(field + ".RetryBudgetPercent", RetryBudgetPercent, "A percentage, 0 to 100.");
        if (RetryBudgetMinConcurrency < 0)
            throw new ArgumentOutOfRangeException(field + ".RetryBudgetMinConcurrency", RetryBudgetMinConcurrency, "0 or more.");
        try
        {
            Tls?.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{field}.Tls: {e.Message}", field + ".Tls", e);
        }
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

namespace Uvnet.Proxy.Clusters;

/// <summary>
/// A cluster's active health check (envoy's HTTP health checker, nginx plus's <c>health_check</c>, HAProxy's
/// <c>option httpchk</c>): every <see cref="Interval"/> each destination is sent <c>GET</c> <see cref="Path"/> on a
/// connection of its own; a status outside <see cref="ExpectedStatusMin"/> to <see cref="ExpectedStatusMax"/>, a failed
/// connection or no answer within <see cref="Timeout"/> is a failure. A destination that fails
/// <see cref="UnhealthyThreshold"/> checks in a row gets no traffic until it passes <see cref="HealthyThreshold"/> in a
/// row. Destinations start healthy (nginx's and HAProxy's default), and are checked at once.
/// </summary>
public sealed record ProxyHealthCheck
{
    /// <summary>The path asked for (with its query, if any).</summary>
    public string Path { get; init; } = "/";

    /// <summary>Between checks of a destination, in milliseconds (nginx plus: 5 s).</summary>
    public long Interval { get; init; } = 5_000;

    /// <summary>How long a check may take, connection included, in milliseconds (HAProxy's <c>timeout check</c>).</summary>
    public long Timeout { get; init; } = 2_000;

    /// <summary>The lowest status that passes (nginx plus and HAProxy pass 2xx and 3xx).</summary>
    public int ExpectedStatusMin { get; init; } = 200;

    /// <summary>The highest status that passes.</summary>
    public int ExpectedStatusMax { get; init; } = 399;

    /// <summary>Passes in a row that make an unhealthy destination healthy (HAProxy's <c>rise</c>: 2).</summary>
    public int HealthyThreshold { get; init; } = 2;

    /// <summary>Failures in a row that make a healthy destination unhealthy (HAProxy's <c>fall</c>: 3).</summary>
    public int UnhealthyThreshold { get; init; } = 3;

    internal void Validate(string field)
    {
        // The HTTP client's rule for a request-target: refused here, not as a failed check on every interval.
        if (string.IsNullOrEmpty(Path) || !Path.StartsWith('/') || Path.AsSpan().ContainsAnyExceptInRange('\u0021', '\u00ff'))
            throw new ArgumentException($"{field}.Path: \"{Path}\" does not start with '/' or holds a space or control character.", field + ".Path");
        if (Interval < 1)
            throw new ArgumentOutOfRangeException(field + ".Interval", Interval, "At least 1 ms.");
        if (Timeout < 1)
            throw new ArgumentOutOfRangeException(field + ".Timeout", Timeout, "At least 1 ms.");
        if (ExpectedStatusMin is < 100 or > 999)
            throw new ArgumentOutOfRangeException(field + ".ExpectedStatusMin", ExpectedStatusMin, "A status, 100 to 999.");
        if (ExpectedStatusMax < ExpectedStatusMin || ExpectedStatusMax > 999)
            throw new ArgumentOutOfRangeException(field + ".ExpectedStatusMax", ExpectedStatusMax, "A status, from ExpectedStatusMin to 999.");
        if (HealthyThreshold < 1)
            throw new ArgumentOutOfRangeException(field + ".HealthyThreshold", HealthyThreshold, "At least 1.");
        if (UnhealthyThreshold < 1)
            throw new ArgumentOutOfRangeException(field + ".UnhealthyThreshold", UnhealthyThreshold, "At least 1.");
    }
}

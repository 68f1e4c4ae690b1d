namespace Uvnet.Proxy.Metrics;

/// <summary>A cluster's counts across every loop: its requests, and what its retries, ejections and health checks did.</summary>
public sealed class ClusterCounters
{
    private long _retries, _retryOverflows, _ejections, _healthCheckFailures, _markedUnhealthy;

    internal ClusterCounters()
    {
    }

    /// <summary>The cluster's requests by status class, and its upstream latency.</summary>
    public RequestCounters Requests { get; } = new();

    /// <summary>Requests sent again to another destination (envoy's <c>upstream_rq_retry</c>).</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Retries the retry budget refused (envoy's <c>upstream_rq_retry_overflow</c>).</summary>
    public long RetryOverflows => Interlocked.Read(ref _retryOverflows);

    /// <summary>Destinations ejected after consecutive failures (envoy's <c>outlier_detection.ejections_enforced_total</c>).</summary>
    public long Ejections => Interlocked.Read(ref _ejections);

    /// <summary>Active health checks that failed (envoy's <c>health_check.failure</c>).</summary>
    public long HealthCheckFailures => Interlocked.Read(ref _healthCheckFailures);

    /// <summary>Times a destination became unhealthy by its health checks.</summary>
    public long MarkedUnhealthy => Interlocked.Read(ref _markedUnhealthy);

    internal void OnRetry() => Interlocked.Increment(ref _retries);

    internal void OnRetryOverflow() => Interlocked.Increment(ref _retryOverflows);

    internal void OnEjection() => Interlocked.Increment(ref _ejections);

    internal void OnHealthCheckFailure() => Interlocked.Increment(ref _healthCheckFailures);

    internal void OnMarkedUnhealthy() => Interlocked.Increment(ref _markedUnhealthy);
}

using Uvnet.Http.Client;

namespace Uvnet.Proxy.Clusters;

/// <summary>
/// A cluster's active health checks on one loop: a timer that sends each destination its check, one at a time per
/// destination, on a connection of its own (not the cluster's pool: a check must not wait behind traffic, nor count
/// against <see cref="ProxyCluster.MaxConnections"/>).
/// </summary>
internal sealed class HealthChecker
{
    private readonly Cluster _cluster;
    private readonly ProxyHealthCheck _check;
    private readonly TimerHandle _timer;
    private readonly Action<ClientRequest, ClientResponse> _onResponse;
    private readonly Action<ClientRequest, Exception> _onError;
    private readonly Action<ClientRequest> _onTimeout;

    internal HealthChecker(Cluster cluster, ProxyHealthCheck check)
    {
        _cluster = cluster;
        _check = check;
        _onResponse = (probe, response) =>
        {
            response.Resume(); // the body is not looked at
            Settle(probe, response.StatusCode >= _check.ExpectedStatusMin && response.StatusCode <= _check.ExpectedStatusMax);
        };
        _onError = (probe, _) => Settle(probe, passed: false);
        _onTimeout = probe =>
        {
            Settle(probe, passed: false);
            probe.Destroy();
        };
        _timer = new TimerHandle(cluster.Loop);
        _timer.Start(_ => CheckAll(), 0, check.Interval); // the first round at once: a dead destination is found before its traffic finds it
        _timer.Unref(); // checks alone do not keep a loop running
    }

    /// <summary>Stops checking; checks in flight are dropped without a verdict.</summary>
    internal void Stop()
    {
        if (_timer.IsClosing)
            return;
        _timer.Close();
        foreach (Destination d in _cluster.Destinations)
        {
            if (d.Probe is { } probe)
            {
                d.Probe = null;
                probe.Destroy();
            }
        }
    }

    private void CheckAll()
    {
        foreach (Destination d in _cluster.Destinations)
        {
            if (d.Probe is not null)
                continue; // still waiting for the last one (its timeout will settle it)
            ClientRequest probe = Http.Http.Request(_cluster.Loop, new RequestOptions
            {
                Host = d.ConnectHost,
                Port = d.Port,
                Path = _check.Path,
                NoAgent = true,
                Tls = d.Tls,
                Timeout = _check.Timeout,
                Headers = [new("Host", d.ToString()), new("User-Agent", "uvnet-health-check")],
            });
            d.Probe = probe;
            probe.Response += _onResponse;
            probe.Error += _onError;
            probe.Timeout += _onTimeout;
            probe.End();
        }
    }

    /// <summary>The verdict of <paramref name="probe"/>: a streak toward the threshold that changes the destination's health.</summary>
    private void Settle(ClientRequest probe, bool passed)
    {
        Destination? d = null;
        foreach (Destination candidate in _cluster.Destinations)
        {
            if (candidate.Probe == probe)
                d = candidate;
        }
        if (d is null)
            return; // settled already (an error after its response), or dropped by Stop
        d.Probe = null;
        if (passed)
        {
            d.HealthStreak = Math.Max(0, d.HealthStreak) + 1;
            if (!d.Healthy && d.HealthStreak >= _check.HealthyThreshold)
                d.Healthy = true;
            return;
        }
        _cluster.Counters.OnHealthCheckFailure();
        d.HealthStreak = Math.Min(0, d.HealthStreak) - 1;
        if (d.Healthy && -d.HealthStreak >= _check.UnhealthyThreshold)
        {
            d.Healthy = false;
            _cluster.Counters.OnMarkedUnhealthy();
        }
        if (probe.Res is { Complete: false } response)
            response.Destroy(); // a failing status's body is not waited for
    }
}

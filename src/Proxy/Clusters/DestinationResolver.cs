using System.Net;
using Uvnet.Tls;

namespace Uvnet.Proxy.Clusters;

/// <summary>
/// Looks a cluster's host name destinations up again every <see cref="ProxyCluster.ResolveInterval"/> on one loop (on
/// the thread pool, as the socket's own lookup), so that a name that moves is followed (nginx resolves once at start,
/// the failure its users hit). A failed lookup keeps the last address (envoy's rule: DNS trouble does not take an
/// upstream away). When an address is left, the pool's idle connections close so that none to it is reused.
/// </summary>
internal sealed class DestinationResolver
{
    private readonly Cluster _cluster;
    private readonly TimerHandle _timer;
    private readonly Func<string, IPAddress[]> _lookup;
    private readonly List<(string Address, int Port, TlsClientOptions? Tls)> _left = [];
    private readonly bool[] _lookingUp; // per destination: a lookup is on the thread pool
    private bool _stopped;

    internal DestinationResolver(Cluster cluster, long interval, Func<string, IPAddress[]> lookup)
    {
        _cluster = cluster;
        _lookup = lookup;
        _lookingUp = new bool[cluster.Destinations.Count];
        _timer = new TimerHandle(cluster.Loop);
        _timer.Start(_ => LookUpAll(), 0, interval);
        _timer.Unref(); // lookups alone do not keep a loop running
    }

    internal void Stop()
    {
        if (_stopped)
            return;
        _stopped = true;
        _timer.Close();
    }

    private void LookUpAll()
    {
        DropLeftConnections();
        for (int i = 0; i < _lookingUp.Length; i++)
        {
            Destination d = _cluster.Destinations[i];
            // One lookup at a time per name: a slow one's answer, coming after a newer one's, would take the name back
            // to an address it has left (and a resolver that hangs would pile a lookup per interval on the pool).
            if (_lookingUp[i] || IPAddress.TryParse(d.Host, out _))
                continue;
            _lookingUp[i] = true;
            string host = d.Host;
            int index = i;
            _cluster.Loop.QueueWork(() => _lookup(host), (addresses, error) =>
            {
                _lookingUp[index] = false;
                if (!_stopped && error is null && addresses is { Length: > 0 })
                    Found(d, addresses);
            });
        }
    }

    private void Found(Destination d, IPAddress[] addresses)
    {
        foreach (IPAddress address in addresses)
        {
            if (address.ToString() == d.Address)
                return; // still there: connections to it stay good
        }
        if (d.Address is { } old)
            _left.Add((old, d.Port, d.Tls));
        d.Address = addresses[0].ToString();
        _left.RemoveAll(l => l.Address == d.Address && l.Port == d.Port); // moved back: its connections are good again
        DropLeftConnections();
    }

    /// <summary>
    /// Idle connections to an address no longer in use close (the agent closes idle ones of every origin: a lookup that
    /// moved is rare); a busy one finishes its request and is closed at a later round, until none is left.
    /// </summary>
    private void DropLeftConnections()
    {
        bool idle = false;
        for (int i = _left.Count - 1; i >= 0; i--)
        {
            var stats = _cluster.Agent.GetStats(_left[i].Address, _left[i].Port, _left[i].Tls);
            if (stats.Connected == 0)
                _left.RemoveAt(i);
            else if (stats.Free > 0)
                idle = true;
        }
        if (idle)
            _cluster.Agent.Destroy();
    }
}

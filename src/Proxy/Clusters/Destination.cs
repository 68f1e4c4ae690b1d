using Uvnet.Http.Client;
using Uvnet.Tls;

namespace Uvnet.Proxy.Clusters;

/// <summary>One upstream of a cluster, with its state on one loop (counts, ejection and health are per loop, as envoy's per-worker state).</summary>
public sealed class Destination
{
    internal Destination(string host, int port, TlsClientOptions? tls)
    {
        Host = host;
        Port = port;
        Tls = tls;
    }

    /// <summary>The host name or address, as configured.</summary>
    public string Host { get; }

    /// <summary>The port.</summary>
    public int Port { get; }

    /// <summary>The address a host name was last found at, which new connections go to; null: <see cref="Host"/> is an address, or not looked up yet.</summary>
    public string? Address { get; internal set; }

    /// <summary>Requests sent to it and not finished.</summary>
    public int InFlight { get; internal set; }

    /// <summary>Failures in a row (a success resets it).</summary>
    public int ConsecutiveFailures { get; internal set; }

    /// <summary>Whether it is left out of load balancing now (passive ejection).</summary>
    public bool Ejected => EjectedUntil > 0;

    /// <summary>Whether its active health checks let it have traffic (always, without a <see cref="ProxyCluster.HealthCheck"/>).</summary>
    public bool Healthy { get; internal set; } = true;

    /// <summary>The loop time (ms) until which it is ejected; 0: not ejected.</summary>
    internal long EjectedUntil { get; set; }

    /// <summary>The TLS settings of its connections (its cluster's, naming its host); null: plain HTTP.</summary>
    internal TlsClientOptions? Tls { get; }

    /// <summary>What connections are made to: the address found, else the configured host.</summary>
    internal string ConnectHost => Address ?? Host;

    /// <summary>Health checks passed (or failed) in a row, toward a threshold.</summary>
    internal int HealthStreak { get; set; }

    /// <summary>The health check in flight, if one is.</summary>
    internal ClientRequest? Probe { get; set; }

    /// <inheritdoc/>
    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

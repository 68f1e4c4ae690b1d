namespace Uvnet.Proxy.Clusters;

/// <summary>One upstream of a cluster, with its state on one loop (counts and ejection are per loop, as envoy's per-worker state).</summary>
public sealed class Destination
{
    internal Destination(string host, int port)
    {
        Host = host;
        Port = port;
    }

    /// <summary>The host name or address connected to.</summary>
    public string Host { get; }

    /// <summary>The port.</summary>
    public int Port { get; }

    /// <summary>Requests sent to it and not finished.</summary>
    public int InFlight { get; internal set; }

    /// <summary>Failures in a row (a success resets it).</summary>
    public int ConsecutiveFailures { get; internal set; }

    /// <summary>Whether it is left out of load balancing now (passive ejection).</summary>
    public bool Ejected => EjectedUntil > 0;

    /// <summary>The loop time (ms) until which it is ejected; 0: not ejected.</summary>
    internal long EjectedUntil { get; set; }

    /// <inheritdoc/>
    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

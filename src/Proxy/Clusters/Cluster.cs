using System.Net;
using Uvnet.Http.Client;
using Uvnet.Http.Server;
using Uvnet.Proxy.Metrics;
using Uvnet.Tls;

namespace Uvnet.Proxy.Clusters;

/// <summary>
/// A <see cref="ProxyCluster"/> on one loop: its destinations' state, its connection pool (an <see cref="Agent"/> of its
/// own, so that <see cref="ProxyCluster.MaxConnections"/> bounds each destination), load balancing, passive ejection,
/// active health checks, the periodic lookup of host names, and the retry budget.
/// </summary>
public sealed class Cluster
{
    private readonly Destination[] _destinations;
    private readonly Destination?[] _candidates;
    private readonly Random _random = new();
    private readonly HealthChecker? _health;
    private readonly DestinationResolver? _resolver;
    private int _next;
    private bool _retired;

    internal Cluster(Loop loop, ProxyCluster options, AgentOptions agent, ClusterCounters counters, Func<string, IPAddress[]>? lookup = null)
    {
        Loop = loop;
        Options = options;
        Counters = counters;
        _destinations = new Destination[options.Destinations.Count];
        for (int i = 0; i < _destinations.Length; i++)
        {
            ProxyCluster.TryParseDestination(options.Destinations[i], out string host, out int port);
            _destinations[i] = new Destination(host, port, UpstreamTls(options.Tls, host));
        }
        _candidates = new Destination?[_destinations.Length];
        Agent = new Agent(loop, AgentOptions(agent, options));
        if (options.HealthCheck is { } check)
            _health = new HealthChecker(this, check);
        if (options.ResolveInterval > 0 && _destinations.Any(d => !IPAddress.TryParse(d.Host, out _)))
            _resolver = new DestinationResolver(this, options.ResolveInterval, lookup ?? Dns.GetHostAddresses);
    }

    /// <summary>
    /// The TLS settings of connections to <paramref name="host"/>: the cluster's, offering http/1.1 by ALPN, and naming
    /// the host for SNI and verification when it is a name (a lookup's address would otherwise be checked instead).
    /// </summary>
    internal static TlsClientOptions? UpstreamTls(TlsClientOptions? tls, string host)
    {
        if (tls is null || (tls.AlpnProtocols is { Count: > 0 } && (tls.ServerName is not null || IPAddress.TryParse(host, out _))))
            return tls;
        return tls.WithServerNameAndAlpn(
            tls.ServerName ?? (IPAddress.TryParse(host, out _) ? null : host),
            tls.AlpnProtocols is { Count: > 0 } alpn ? alpn : ["http/1.1"]);
    }

    /// <summary>
    /// The pool's settings: the proxy's, bounded by the cluster's connections, its requests recycled (the exchange keeps
    /// its upstream pair readable until it ends, then the agent reuses it).
    /// </summary>
    internal static AgentOptions AgentOptions(AgentOptions agent, ProxyCluster options) =>
        agent with { MaxSockets = options.MaxConnections, RecycleRequests = true };

    /// <summary>The loop whose state this is.</summary>
    public Loop Loop { get; }

    /// <summary>The settings.</summary>
    public ProxyCluster Options { get; }

    /// <summary>The name.</summary>
    public string Name => Options.Name;

    /// <summary>The destinations, in configured order.</summary>
    public IReadOnlyList<Destination> Destinations => _destinations;

    /// <summary>The connection pool of the cluster's destinations.</summary>
    public Agent Agent { get; }

    /// <summary>The cluster's counts (shared by its proxies on every loop).</summary>
    internal ClusterCounters Counters { get; }

    /// <summary>Retries of the cluster's exchanges in progress (the retry budget's count).</summary>
    internal int ActiveRetries { get; set; }

    /// <summary>
    /// Whether one more retry fits the budget: retries in flight stay under <see cref="ProxyCluster.RetryBudgetPercent"/>
    /// of the requests in flight (this one included), or <see cref="ProxyCluster.RetryBudgetMinConcurrency"/>. A refusal
    /// is counted.
    /// </summary>
    internal bool TryRetry()
    {
        int inFlight = 1; // the request asking, whose failed attempt is no longer counted
        foreach (Destination d in _destinations)
            inFlight += d.InFlight;
        double budget = Math.Max(Options.RetryBudgetMinConcurrency, inFlight * Options.RetryBudgetPercent / 100);
        if (ActiveRetries + 1 > budget)
        {
            Counters.OnRetryOverflow();
            return false;
        }
        ActiveRetries++;
        Counters.OnRetry();
        return true;
    }

    /// <summary>
    /// A reload left the cluster out: checks and lookups stop, and its pool closes once its last request is over (the
    /// exchanges that started on it finish on it).
    /// </summary>
    internal void Retire()
    {
        _retired = true;
        Stop();
        CloseIdlePoolWhenDone();
    }

    /// <summary>Stops health checks and lookups (the proxy closes, or the cluster is retired).</summary>
    internal void Stop()
    {
        _health?.Stop();
        _resolver?.Stop();
    }

    private void CloseIdlePoolWhenDone()
    {
        foreach (Destination d in _destinations)
        {
            if (d.InFlight > 0)
                return;
        }
        // On the next turn: the last response's connection goes back to the pool after the events that ended it.
        Loop.Post(static agent => agent.Destroy(), Agent);
    }

    /// <summary>
    /// A destination for <paramref name="request"/> that is healthy, not ejected and not <paramref name="tried"/> (the one a
    /// retry leaves), or null when there is none. <paramref name="client"/>: the client's address, for hashing on it.
    /// </summary>
    internal Destination? Pick(IncomingMessage request, string? client, Destination? tried)
    {
        int count = 0;
        long now = Loop.Now;
        foreach (Destination d in _destinations)
        {
            if (d.EjectedUntil > 0 && d.EjectedUntil <= now)
            {
                d.EjectedUntil = 0; // its ejection is over: back on probation (one failure more ejects it again)
                d.ConsecutiveFailures = Math.Max(0, Options.ConsecutiveFailures - 1);
            }
            if (d.EjectedUntil == 0 && d.Healthy && d != tried)
                _candidates[count++] = d;
        }
        Destination? picked = count switch
        {
            0 => null,
            1 => _candidates[0],
            _ => Options.LoadBalancing switch
            {
                LoadBalancing.RoundRobin => _candidates[(int)((uint)_next++ % (uint)count)],
                LoadBalancing.ConsistentHash => Rendezvous(HashKey(request, client), count),
                _ => LeastOfTwo(count),
            },
        };
        Array.Clear(_candidates);
        return picked;
    }

    /// <summary>The cluster's gauges on this loop: its pool (every origin's, an address a lookup left included) and its destinations' health.</summary>
    /// <exception cref="InvalidOperationException">The call is off the loop's thread.</exception>
    public ClusterGauges ReadGauges()
    {
        int idle = 0, pending = 0, healthy = 0;
        long now = Loop.Now;
        foreach (Destination d in _destinations)
        {
            PoolStats stats = Agent.GetStats(d.ConnectHost, d.Port, d.Tls);
            idle += stats.Free;
            pending += stats.Pending;
            if (d.Healthy && (d.EjectedUntil == 0 || d.EjectedUntil <= now))
                healthy++;
        }
        return new ClusterGauges(Agent.TotalSockets, idle, pending, healthy, _destinations.Length - healthy);
    }

    /// <summary>Whether a request to <paramref name="destination"/> would wait beyond <see cref="ProxyCluster.MaxPending"/>.</summary>
    internal bool IsOverloaded(Destination destination)
    {
        PoolStats stats = Agent.GetStats(destination.ConnectHost, destination.Port, destination.Tls);
        return stats.Connected >= Options.MaxConnections && stats.Pending >= Options.MaxPending;
    }

    internal void ReportSuccess(Destination destination)
    {
        destination.ConsecutiveFailures = 0;
        if (_retired)
            CloseIdlePoolWhenDone();
    }

    /// <summary>A failure of <paramref name="destination"/>: ejected after <see cref="ProxyCluster.ConsecutiveFailures"/> in a row.</summary>
    internal void ReportFailure(Destination destination)
    {
        destination.ConsecutiveFailures++;
        if (_retired)
            CloseIdlePoolWhenDone();
        if (Options.ConsecutiveFailures > 0 && destination.ConsecutiveFailures >= Options.ConsecutiveFailures && Options.EjectionTime > 0)
        {
            long now = Loop.Now;
            if (destination.EjectedUntil == 0)
                Counters.OnEjection();
            // Saturating, as the loop's timers: a sum past the clock's range would wrap negative (never readmitted, never reported).
            destination.EjectedUntil = Options.EjectionTime > long.MaxValue - now ? long.MaxValue : now + Options.EjectionTime;
        }
    }

    private Destination LeastOfTwo(int count)
    {
        int a = _random.Next(count);
        int b = _random.Next(count - 1);
        if (b >= a)
            b++; // two distinct choices
        Destination first = _candidates[a]!, second = _candidates[b]!;
        return second.InFlight < first.InFlight ? second : first;
    }

    /// <summary>The candidate with the highest hash of (key, destination): a destination leaving moves only its own keys.</summary>
    private Destination Rendezvous(string key, int count)
    {
        Destination best = _candidates[0]!;
        ulong bestScore = 0;
        for (int i = 0; i < count; i++)
        {
            Destination d = _candidates[i]!;
            ulong score = Fnv(Fnv(14695981039346656037UL, key), d.ToString());
            if (i == 0 || score > bestScore)
            {
                best = d;
                bestScore = score;
            }
        }
        return best;
    }

    private string HashKey(IncomingMessage request, string? client)
    {
        string on = Options.HashOn!;
        if (on == "client")
            return client ?? "";
        if (on.StartsWith("header:", StringComparison.Ordinal))
            return request.Headers.Get(on[7..]) ?? "";
        return Cookie(request.Headers.Get("cookie"), on.AsSpan(7));
    }

    private static string Cookie(string? header, ReadOnlySpan<char> name)
    {
        if (header is null)
            return "";
        foreach (Range part in header.AsSpan().Split(';'))
        {
            ReadOnlySpan<char> pair = header.AsSpan()[part].Trim(' ');
            int eq = pair.IndexOf('=');
            if (eq > 0 && pair[..eq].SequenceEqual(name))
                return pair[(eq + 1)..].ToString();
        }
        return "";
    }

    private static ulong Fnv(ulong hash, string text)
    {
        foreach (char c in text)
            hash = (hash ^ c) * 1099511628211UL;
        return hash;
    }
}

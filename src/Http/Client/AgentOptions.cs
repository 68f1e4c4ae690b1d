namespace Uvnet.Http.Client;

/// <summary>An <see cref="Agent"/>'s settings, as Node's <c>new http.Agent(options)</c> (defaults are the global agent's).</summary>
public sealed record AgentOptions
{
    /// <summary>Keep connections open between requests and reuse them (Node's global agent: true since Node 19).</summary>
    public bool KeepAlive { get; init; } = true;

    /// <summary>Connections per host:port at most; requests beyond wait in the pool's queue (Node: Infinity).</summary>
    public int MaxSockets { get; init; } = int.MaxValue;

    /// <summary>Idle connections kept per host:port; a connection freed beyond this is closed (Node: 256).</summary>
    public int MaxFreeSockets { get; init; } = 256;

    /// <summary>Connections across every host:port at most (Node: Infinity).</summary>
    public int MaxTotalSockets { get; init; } = int.MaxValue;

    /// <summary>
    /// The sockets' inactivity timeout in milliseconds (0: none), as Node's agent <c>timeout</c>: an idle pooled
    /// connection is closed after it, and a request's Timeout is raised after it (Node's global agent: 5000).
    /// </summary>
    public long Timeout { get; init; } = 5000;

    /// <summary>Which idle connection serves the next request: the most recently used (Lifo, Node's default) or the oldest.</summary>
    public AgentScheduling Scheduling { get; init; } = AgentScheduling.Lifo;

    /// <summary>Requests one connection serves before it is closed (0: no cap), as undici's <c>maxRequestsPerClient</c>.</summary>
    public int MaxRequestsPerSocket { get; init; }

    /// <summary>
    /// How much sooner than the server's <c>Keep-Alive: timeout=N</c> hint an idle connection is given up, so that a
    /// request is not sent as the server closes (undici's <c>keepAliveTimeoutThreshold</c>, 1000 ms).
    /// </summary>
    public long KeepAliveTimeoutThreshold { get; init; } = 1000;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSockets, 1, nameof(MaxSockets));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxFreeSockets, nameof(MaxFreeSockets));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTotalSockets, 1, nameof(MaxTotalSockets));
        ArgumentOutOfRangeException.ThrowIfNegative(Timeout, nameof(Timeout));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRequestsPerSocket, nameof(MaxRequestsPerSocket));
        ArgumentOutOfRangeException.ThrowIfNegative(KeepAliveTimeoutThreshold, nameof(KeepAliveTimeoutThreshold));
        if (!Enum.IsDefined(Scheduling))
            throw new ArgumentOutOfRangeException(nameof(Scheduling));
    }
}

/// <summary>Which idle connection an <see cref="Agent"/> hands out next (Node's <c>scheduling</c>).</summary>
public enum AgentScheduling
{
    /// <summary>The most recently freed: few connections stay warm, the rest time out.</summary>
    Lifo,

    /// <summary>The longest idle: requests spread over every open connection.</summary>
    Fifo,
}

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

    /// <summary>
    /// Reuse each request made by <see cref="Http.Request(Loop, RequestOptions, Action{ClientResponse}?)"/> and its
    /// response for a later request once the request has closed (on the next loop turn), so that the keep-alive path
    /// allocates nothing (off by default: Node's objects stay readable for ever). Then a
    /// <see cref="ClientRequest"/> or <see cref="ClientResponse"/> must not be kept past the request's
    /// <see cref="ClientRequest.Close"/>: recycled, every member throws <see cref="ObjectDisposedException"/>. An
    /// upgraded request and those of <see cref="LoopHttpClient"/> are never recycled.
    /// </summary>
    public bool RecycleRequests { get; init; }

    /// <summary>
    /// Requests in flight on one connection at most, as undici's <c>pipelining</c> (1, the default: none pipelined). A
    /// request is sent behind others only when it is safe to repeat: a GET or HEAD, ended with no body, without
    /// <c>Expect</c>, <c>Upgrade</c> or <c>Connection: close</c>, and only behind such requests; the others wait for an
    /// idle connection or open one. Responses are matched in order. When the connection fails, or a response ends it
    /// (<c>Connection: close</c>), the requests behind the one answered are sent once more on a fresh connection, then
    /// fail with ECONNRESET "socket hang up". An idle connection is preferred, then room on a busy one, then a new one.
    /// </summary>
    public int Pipelining { get; init; } = 1;

    /// <summary>
    /// TLS sessions kept to resume later https connections, one per host, port and TLS settings, the oldest dropped
    /// beyond (Node's <c>maxCachedSessions</c>, 100): a new connection to an origin offers the last session (ticket) its
    /// predecessors received, so its handshake is an abbreviated one. 0: none kept, every handshake is a full one.
    /// </summary>
    public int MaxCachedSessions { get; init; } = 100;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(MaxCachedSessions, nameof(MaxCachedSessions));
        ArgumentOutOfRangeException.ThrowIfLessThan(Pipelining, 1, nameof(Pipelining));
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

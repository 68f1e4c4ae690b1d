using System.Runtime.CompilerServices;
using Uvnet.Http.Server;
using Uvnet.Tls;

namespace Uvnet.Http.Client;

/// <summary>
/// A pool of keep-alive connections on one loop, keyed by host and port, as Node's <c>http.Agent</c>: requests take an
/// idle connection (<see cref="AgentScheduling"/>), open a new one under <see cref="AgentOptions.MaxSockets"/> per
/// origin and <see cref="AgentOptions.MaxTotalSockets"/> in all, or wait in their origin's queue. An idle connection
/// keeps reading, so a server's FIN, RST or stray bytes remove it at once; it closes after its idle timeout, which
/// is kept under the server's <c>Keep-Alive: timeout</c> hint. A connection whose response was malformed or cut, or
/// not read off the wire, is never reused. Members are for the loop's thread.
/// </summary>
public sealed class Agent
{
    private static readonly ConditionalWeakTable<Loop, Agent> s_global = new();

    // Recycled requests kept for reuse at most (with RecycleRequests): more than this many closing at once is a burst
    // whose surplus the collector takes back.
    private const int MaxRecycled = 1024;

    // Keyed by TLS settings too (Node's getName adds every TLS option): an https origin never shares a plain one's
    // connections, nor one verified otherwise. The options object is the key: one per distinct setting.
    private readonly Dictionary<(string Host, int Port, TlsClientOptions? Tls), ConnectionPool> _pools = [];
    private readonly Stack<ClientRequest> _recycled = new();
    private ConnectionPool? _lastPool; // the pool PoolOf found last
    private TlsSessionCache? _sessions;
    private int _totalSockets;

    /// <summary>An agent on <paramref name="loop"/> (defaults: Node's global agent's).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public Agent(Loop loop, AgentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(loop);
        options ??= new AgentOptions();
        options.Validate();
        Loop = loop;
        Options = options;
    }

    /// <summary>The loop's default agent (Node's <c>http.globalAgent</c>, one per loop), used when a request names none.</summary>
    public static Agent GetGlobal(Loop loop)
    {
        ArgumentNullException.ThrowIfNull(loop);
        return s_global.GetValue(loop, static l => new Agent(l));
    }

    /// <summary>The loop whose connections these are.</summary>
    public Loop Loop { get; }

    /// <summary>The settings.</summary>
    public AgentOptions Options { get; }

    /// <summary>The counts for one origin (all zero when it was never used); <paramref name="tls"/>: the https requests' <see cref="RequestOptions.Tls"/>.</summary>
    public PoolStats GetStats(string host, int port, TlsClientOptions? tls = null)
    {
        LoopThread.Verify(Loop, nameof(Agent), unstarted: true);
        return _pools.TryGetValue((host, port, tls), out ConnectionPool? pool)
            ? new PoolStats(pool.Count, pool.FreeCount, pool.WaitingCount, pool.Created, pool.Reused)
            : default;
    }

    /// <summary>Open or connecting connections across every origin.</summary>
    public int TotalSockets
    {
        get
        {
            LoopThread.Verify(Loop, nameof(Agent), unstarted: true);
            return _totalSockets;
        }
    }

    /// <summary>
    /// Closes every idle connection (Node's <c>agent.destroy()</c> closes busy ones too: here their requests own them)
    /// and frees the TLS sessions kept.
    /// </summary>
    public void Destroy()
    {
        LoopThread.Verify(Loop, nameof(Agent), unstarted: true);
        foreach (ConnectionPool pool in _pools.Values)
            pool.DestroyFree();
        _sessions?.Clear();
    }

    /// <summary>The TLS sessions its https connections resume with (<see cref="AgentOptions.MaxCachedSessions"/>), made on first use.</summary>
    internal TlsSessionCache Sessions => _sessions ??= new TlsSessionCache(Options.MaxCachedSessions);

    /// <summary>Requests kept for reuse.</summary>
    internal int RecycledCount => _recycled.Count;

    /// <summary>A recycled request to use again, or null (see <see cref="AgentOptions.RecycleRequests"/>).</summary>
    internal ClientRequest? RentRequest() => _recycled.TryPop(out ClientRequest? request) ? request : null;

    /// <summary>Keeps a request that closed, with its response, for a later <see cref="RentRequest"/>.</summary>
    internal void ReturnRequest(ClientRequest request)
    {
        if (_recycled.Count < MaxRecycled)
            _recycled.Push(request);
    }

    internal void AddRequest(ClientRequest request, bool fresh) => PoolOf(request).Add(request, fresh);

    /// <summary>
    /// The pool of <paramref name="request"/>'s origin, made on first use. The last one found is tried first: a proxy's
    /// cluster sends request after request to one origin, and its host is one string, compared by reference at once
    /// (the table would hash it each time). Pools are never removed, so the one kept stays valid.
    /// </summary>
    private ConnectionPool PoolOf(ClientRequest request)
    {
        string host = request.Host;
        int port = request.Port;
        TlsClientOptions? tls = request.Tls;
        if (_lastPool is { } last && last.Port == port && last.Tls == tls && last.Host == host)
            return last;
        if (!_pools.TryGetValue((host, port, tls), out ConnectionPool? pool))
            _pools[(host, port, tls)] = pool = new ConnectionPool(this, host, port, tls);
        return _lastPool = pool;
    }

    /// <summary>A request destroyed while it waited for a connection leaves its origin's queue.</summary>
    internal void RemoveWaiting(ClientRequest request)
    {
        if (_pools.TryGetValue((request.Host, request.Port, request.Tls), out ConnectionPool? pool))
            pool.RemoveWaiting(request);
    }

    /// <summary>Counts a new connection of <paramref name="pool"/> against the total, closing another origin's idle one if needed.</summary>
    internal bool ReserveSocket(ConnectionPool pool)
    {
        if (_totalSockets >= Options.MaxTotalSockets)
        {
            // As Node: an idle connection elsewhere gives way to a request that has none.
            // Its place passes to the new connection at once: the total never counts both.
            ConnectionPool? donor = _pools.Values.FirstOrDefault(p => p.FreeCount > 0);
            if (donor is null)
                return false;
            donor.EvictOneFree();
            return true;
        }
        _totalSockets++;
        return true;
    }

    /// <summary>
    /// Whether another origin's request waits only for room under <see cref="AgentOptions.MaxTotalSockets"/>, which a
    /// connection of <paramref name="pool"/> closed instead of kept idle would make.
    /// </summary>
    internal bool IsWantedElsewhere(ConnectionPool pool)
    {
        if (_totalSockets < Options.MaxTotalSockets)
            return false;
        foreach (ConnectionPool other in _pools.Values)
        {
            if (other != pool && other.WaitingCount > 0 && other.Count < Options.MaxSockets)
                return true;
        }
        return false;
    }

    internal void OnSocketRemoved(ConnectionPool pool)
    {
        _totalSockets--;
        if (pool.TryServeWaiting())
            return;
        foreach (ConnectionPool other in _pools.Values)
        {
            if (other != pool && other.TryServeWaiting())
                return;
        }
    }
}

/// <summary>One origin's counts in an <see cref="Agent"/> (as undici's pool stats).</summary>
/// <param name="Connected">Open or connecting connections, idle ones included.</param>
/// <param name="Free">Idle connections.</param>
/// <param name="Pending">Requests waiting for a connection.</param>
/// <param name="Created">Connections opened so far.</param>
/// <param name="Reused">Requests served by a connection that had served another.</param>
public readonly record struct PoolStats(int Connected, int Free, int Pending, long Created, long Reused);

using Uvnet.Tls;

namespace Uvnet.Http.Client;

/// <summary>
/// One origin's connections in an <see cref="Agent"/> (Node's per-name <c>sockets</c>, <c>freeSockets</c> and
/// <c>requests</c>): idle ones kept for reuse, requests waiting for a connection past <see cref="AgentOptions.MaxSockets"/>.
/// </summary>
internal sealed class ConnectionPool(Agent agent, string host, int port, TlsClientOptions? tls)
{
    private readonly List<ClientConnection> _free = [];
    private readonly List<ClientConnection> _busy = []; // with requests in flight, when the agent pipelines
    private readonly Queue<ClientRequest> _waiting = new();

    internal Agent Agent { get; } = agent;

    internal string Host { get; } = host;

    internal int Port { get; } = port;

    /// <summary>The TLS settings of the origin's connections; null for http.</summary>
    internal TlsClientOptions? Tls { get; } = tls;

    /// <summary>Open or connecting connections, idle ones included.</summary>
    internal int Count { get; private set; }

    internal int FreeCount => _free.Count;

    internal int WaitingCount => _waiting.Count;

    internal long Created { get; private set; }

    internal long Reused { get; private set; }

    /// <summary>Serves <paramref name="request"/> with an idle connection, a new one, or queues it.</summary>
    internal void Add(ClientRequest request, bool fresh)
    {
        if (!fresh && TakeFree() is { } free)
        {
            Reused++;
            Assign(free, request);
        }
        else if (!fresh && Agent.Options.Pipelining > 1 && WithRoomFor(request) is { } busy)
        {
            Reused++;
            busy.Assign(request, reused: true);
        }
        else if (Count < Agent.Options.MaxSockets && Agent.ReserveSocket(this))
            Open(request);
        else
            _waiting.Enqueue(request);
    }

    /// <summary>A connection finished a response and may serve another: the next waiting request, or the idle set.</summary>
    internal void Release(ClientConnection connection)
    {
        _busy.Remove(connection);
        AgentOptions options = Agent.Options;
        if (!options.KeepAlive || options.MaxRequestsPerSocket > 0 && connection.Served >= options.MaxRequestsPerSocket)
        {
            connection.Destroy();
            return;
        }
        long idle = IdleTimeout(connection);
        if (idle == 0)
        {
            connection.Destroy(); // the server's hint leaves no safe time to reuse it
            return;
        }
        if (_waiting.TryDequeue(out ClientRequest? next))
        {
            Reused++;
            Assign(connection, next);
            FillPipeline(connection);
            return;
        }
        if (_free.Count >= options.MaxFreeSockets || Agent.IsWantedElsewhere(this))
        {
            connection.Destroy(); // its close lets a request of another origin open one under MaxTotalSockets
            return;
        }
        _free.Add(connection);
        connection.MarkFree(idle < 0 ? 0 : idle);
    }

    /// <summary>A connection closed: it leaves the pool, and a waiting request may get a new one in its place.</summary>
    internal void Remove(ClientConnection connection)
    {
        _free.Remove(connection);
        _busy.Remove(connection);
        Count--;
        Agent.OnSocketRemoved(this);
    }

    /// <summary>Opens a connection for the first waiting request if the limits allow it now.</summary>
    internal bool TryServeWaiting()
    {
        if (_waiting.Count == 0 || Count >= Agent.Options.MaxSockets || !Agent.ReserveSocket(this))
            return false;
        Open(_waiting.Dequeue());
        return true;
    }

    /// <summary>Takes a request destroyed while it waited out of the queue (Node's removeRequest), keeping the others' order.</summary>
    internal void RemoveWaiting(ClientRequest request)
    {
        for (int n = _waiting.Count; n > 0; n--)
        {
            ClientRequest r = _waiting.Dequeue();
            if (r != request)
                _waiting.Enqueue(r);
        }
    }

    /// <summary>
    /// Closes the oldest idle connection to make room under <see cref="AgentOptions.MaxTotalSockets"/>: it stops counting
    /// now, not when its close completes, so the agent's total is handed to the new connection.
    /// </summary>
    internal void EvictOneFree()
    {
        ClientConnection oldest = _free[0];
        _free.RemoveAt(0);
        Count--;
        oldest.Evict();
    }

    /// <summary>Destroys every connection it knows of (idle ones; busy ones are their requests').</summary>
    internal void DestroyFree()
    {
        foreach (ClientConnection c in _free.ToArray())
            c.Destroy();
        _free.Clear();
    }

    /// <summary>Sends waiting requests behind those in flight on <paramref name="connection"/> while it has room, in their order.</summary>
    internal void FillPipeline(ClientConnection connection)
    {
        while (_waiting.TryPeek(out ClientRequest? next) && connection.CanPipeline(next, Agent.Options))
        {
            _waiting.Dequeue();
            Reused++;
            connection.Assign(next, reused: true);
        }
    }

    private void Open(ClientRequest request)
    {
        Count++;
        Created++;
        var connection = new ClientConnection(this);
        if (Agent.Options.Pipelining > 1)
            _busy.Add(connection);
        connection.Assign(request, reused: false);
    }

    private void Assign(ClientConnection connection, ClientRequest request)
    {
        if (Agent.Options.Pipelining > 1)
            _busy.Add(connection);
        connection.Assign(request, reused: true);
    }

    /// <summary>A busy connection that can take <paramref name="request"/> behind its own (see <see cref="AgentOptions.Pipelining"/>).</summary>
    private ClientConnection? WithRoomFor(ClientRequest request)
    {
        foreach (ClientConnection c in _busy)
        {
            if (c.CanPipeline(request, Agent.Options))
                return c;
        }
        return null;
    }

    private ClientConnection? TakeFree()
    {
        while (_free.Count > 0)
        {
            int index = Agent.Options.Scheduling == AgentScheduling.Lifo ? _free.Count - 1 : 0;
            ClientConnection c = _free[index];
            _free.RemoveAt(index);
            if (c.IsUsable)
                return c;
            c.Destroy(); // closing already: its close removes it
        }
        return null;
    }

    /// <summary>
    /// How long the connection may idle: the agent's timeout, shortened below the server's Keep-Alive hint by
    /// <see cref="AgentOptions.KeepAliveTimeoutThreshold"/> (undici's rule); 0 when the hint leaves no time, -1 for none.
    /// </summary>
    private long IdleTimeout(ClientConnection connection)
    {
        long timeout = Agent.Options.Timeout > 0 ? Agent.Options.Timeout : -1;
        if (connection.KeepAliveHint < 0)
            return timeout;
        long hinted = connection.KeepAliveHint - Agent.Options.KeepAliveTimeoutThreshold;
        if (hinted <= 0)
            return 0;
        return timeout < 0 ? hinted : Math.Min(timeout, hinted);
    }
}

using Uvnet.Tls.Interop;

namespace Uvnet.Tls;

/// <summary>
/// The sessions a client keeps to resume with, by host, port and TLS settings (Node's agent <c>_sessionCache</c>):
/// each connection offers the last session its key received and stores the ones it receives; the oldest key goes
/// once <see cref="Capacity"/> are held (Node's <c>maxCachedSessions</c>). One loop's (an agent's): not locked.
/// </summary>
internal sealed class TlsSessionCache(int capacity)
{
    private readonly Dictionary<(string Host, int Port, TlsClientOptions Options), SafeSslSessionHandle> _sessions = [];
    private readonly List<(string Host, int Port, TlsClientOptions Options)> _order = []; // insertion order, oldest first

    internal int Capacity { get; } = capacity;

    internal int Count => _sessions.Count;

    /// <summary>
    /// Counts <see cref="Clear"/>s: a connection notes it when it starts, and the sessions it receives after a clear
    /// are not kept (a handshake still running when the agent was destroyed would put one back).
    /// </summary>
    internal int Generation { get; private set; }

    internal SafeSslSessionHandle? Get((string Host, int Port, TlsClientOptions Options) key) => _sessions.GetValueOrDefault(key);

    /// <summary>
    /// Keeps <paramref name="session"/> for its key, replacing the one before (a later ticket is the fresher), unless
    /// it comes from a connection started before the last <see cref="Clear"/> (<paramref name="generation"/>).
    /// </summary>
    internal void Put((string Host, int Port, TlsClientOptions Options) key, SafeSslSessionHandle session, int generation)
    {
        if (Capacity == 0 || generation != Generation)
        {
            session.Dispose();
            return;
        }
        if (_sessions.Remove(key, out SafeSslSessionHandle? old))
            old.Dispose();
        else
        {
            if (_order.Count == Capacity)
                Evict(_order[0]);
            _order.Add(key);
        }
        _sessions[key] = session;
    }

    /// <summary>Forgets the key's session (a handshake that offered it failed: Node's _evictSession).</summary>
    internal void Evict((string Host, int Port, TlsClientOptions Options) key)
    {
        if (_sessions.Remove(key, out SafeSslSessionHandle? session))
        {
            session.Dispose();
            _order.Remove(key);
        }
    }

    /// <summary>Frees every session (the agent is destroyed).</summary>
    internal void Clear()
    {
        foreach (SafeSslSessionHandle session in _sessions.Values)
            session.Dispose();
        _sessions.Clear();
        _order.Clear();
        Generation++;
    }
}

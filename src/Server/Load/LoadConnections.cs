using Uvnet.Net;

namespace Uvnet.Server.Load;

/// <summary>
/// A worker's connections of one protocol: by index, the one a group of slots uses now (made when there is none, or it
/// went away), and every one not closed yet, gone ones included, for the timeouts and the end of the run.
/// </summary>
internal sealed class LoadConnections<T>(int count, Func<T> connect, Action<Socket> track)
    where T : class, ILoadConnection<T>
{
    private readonly T?[] _byIndex = new T?[count];
    private readonly List<T> _open = [];

    /// <summary>The connection at <paramref name="index"/> that takes requests.</summary>
    internal T For(int index) => _byIndex[index] is { IsUsable: true } open ? open : Connect(index);

    /// <summary>Fails the requests idle for <paramref name="timeoutMs"/> on every connection not closed yet.</summary>
    internal void CheckTimeouts(long now, long timeoutMs)
    {
        // A timeout may close connections (and remove them) as the list is walked.
        for (int i = _open.Count - 1; i >= 0; i--)
        {
            if (i < _open.Count)
                _open[i].CheckTimeouts(now, timeoutMs);
        }
    }

    /// <summary>The run is over, every request closed: the connections go.</summary>
    internal void DestroyAll()
    {
        foreach (T connection in _open.ToArray())
            connection.Destroy();
    }

    // Apart from For: the closure below captures the index, and C# makes its object at the entry of the method that
    // declares it, which would be on every request.
    private T Connect(int index)
    {
        T connection = connect();
        connection.Gone += gone =>
        {
            if (_byIndex[index] == gone)
                _byIndex[index] = null;
        };
        connection.Socket.Closed += (_, _) => _open.Remove(connection);
        track(connection.Socket);
        _open.Add(connection);
        _byIndex[index] = connection;
        return connection;
    }
}

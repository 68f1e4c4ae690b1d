using Uvnet.Net;

namespace Uvnet.Server.Load;

/// <summary>What a worker needs of one load connection, HTTP/1.1's or HTTP/2's, to keep its slots supplied.</summary>
internal interface ILoadConnection<TSelf>
    where TSelf : ILoadConnection<TSelf>
{
    /// <summary>The connection's socket (tracked by the worker for its byte counts).</summary>
    Socket Socket { get; }

    /// <summary>Whether it takes another request.</summary>
    bool IsUsable { get; }

    /// <summary>Raised once it takes no more requests: its slots need another connection.</summary>
    event Action<TSelf>? Gone;

    /// <summary>Fails the requests idle for <paramref name="timeoutMs"/> at <paramref name="now"/>.</summary>
    void CheckTimeouts(long now, long timeoutMs);

    /// <summary>Closes it at once.</summary>
    void Destroy();
}

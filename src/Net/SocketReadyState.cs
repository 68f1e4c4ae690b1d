namespace Uvnet.Net;

/// <summary>A socket's state, as Node's <c>socket.readyState</c>.</summary>
public enum SocketReadyState
{
    /// <summary>Connecting (or resolving the host).</summary>
    Opening,

    /// <summary>Readable and writable.</summary>
    Open,

    /// <summary>Our side has ended; the peer may still send.</summary>
    ReadOnly,

    /// <summary>The peer has ended; we may still write.</summary>
    WriteOnly,

    /// <summary>Neither way: not connected, destroyed or closed.</summary>
    Closed,
}

namespace Uvnet.Net;

/// <summary>Options of a <see cref="Socket"/>, as Node's <c>new net.Socket(options)</c>.</summary>
public sealed record SocketOptions
{
    /// <summary>
    /// When false (the default, as Node), a socket whose peer ends ends its own side too, once its queued
    /// writes are flushed. When true, it stays writable until <see cref="Socket.End(ReadOnlyMemory{byte}, Action?)"/>.
    /// </summary>
    public bool AllowHalfOpen { get; init; }

    /// <summary>The buffered byte count past which <see cref="Socket.Write(ReadOnlyMemory{byte}, Action{NetException?}?)"/> returns false (Node's 16 KiB).</summary>
    public int WritableHighWaterMark { get; init; } = 16 * 1024;
}

/// <summary>Options of a <see cref="Server"/>, as Node's <c>net.createServer(options)</c>.</summary>
public sealed record ServerOptions
{
    /// <summary>Accepted sockets allow half-open connections (see <see cref="SocketOptions.AllowHalfOpen"/>).</summary>
    public bool AllowHalfOpen { get; init; }

    /// <summary>Accepted sockets start paused: nothing is read until <see cref="Socket.Resume"/>.</summary>
    public bool PauseOnConnect { get; init; }

    /// <summary>TCP_NODELAY on accepted sockets.</summary>
    public bool NoDelay { get; init; }

    /// <summary>SO_KEEPALIVE on accepted sockets, after <see cref="KeepAliveInitialDelay"/>.</summary>
    public bool KeepAlive { get; init; }

    /// <summary>Idle milliseconds before the first keep-alive probe (rounded up to a second).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int KeepAliveInitialDelay
    {
        get;
        // Checked here rather than for each accepted socket, where it would throw with the connection already counted.
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    }

    /// <summary>The listen backlog when <see cref="Server.Listen(int, string?, int?, Action?)"/> is not given one (Node's 511).</summary>
    public int Backlog { get; init; } = 511;

    /// <summary>
    /// Binds with SO_REUSEPORT (Node's <c>reusePort</c>), so several sockets listen on one port. The risk: any other
    /// process of the same user that sets it too can then listen on the port, without an error, and take a share of
    /// the connections. For one server per loop of this process, use <see cref="SharePort"/>. Not with it.
    /// </summary>
    public bool ReusePort { get; init; }

    /// <summary>
    /// Lets the servers of this process that listen on one address and port with this option (one per loop, each
    /// on its own thread) share one listening socket: the first binds the port, held against every other process
    /// (EADDRINUSE), and the others accept from the same socket (<see cref="TcpBindFlags.SharePort"/>). Not with
    /// <see cref="ReusePort"/>.
    /// </summary>
    public bool SharePort { get; init; }

    /// <summary>Options given to each accepted socket.</summary>
    internal SocketOptions SocketOptions => new() { AllowHalfOpen = AllowHalfOpen };
}

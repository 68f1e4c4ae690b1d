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
    public int KeepAliveInitialDelay { get; init; }

    /// <summary>The listen backlog when <see cref="Server.Listen(int, string?, int?, Action?)"/> is not given one (Node's 511).</summary>
    public int Backlog { get; init; } = 511;

    /// <summary>Binds with SO_REUSEPORT, so several loops (one per core) can listen on one port.</summary>
    public bool ReusePort { get; init; }

    /// <summary>Options given to each accepted socket.</summary>
    internal SocketOptions SocketOptions => new() { AllowHalfOpen = AllowHalfOpen };
}

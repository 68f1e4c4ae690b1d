namespace Uvnet.Net;

/// <summary>
/// What <see cref="Net.CreateConnection(Loop, ConnectOptions, Action?)"/> connects to and how, as Node's
/// <c>net.createConnection(options)</c>: a <see cref="Port"/> (on <see cref="Host"/>) or a <see cref="Path"/>, and the
/// socket's options.
/// </summary>
public sealed record ConnectOptions
{
    /// <summary>The TCP port; null to connect to <see cref="Path"/>.</summary>
    public int? Port { get; init; }

    /// <summary>The host for <see cref="Port"/>: a name (resolved off the loop) or an IP address; Node's default "localhost".</summary>
    public string Host { get; init; } = "localhost";

    /// <summary>The Unix socket path, when no <see cref="Port"/> is given.</summary>
    public string? Path { get; init; }

    /// <summary>See <see cref="SocketOptions.AllowHalfOpen"/>.</summary>
    public bool AllowHalfOpen { get; init; }

    /// <summary>TCP_NODELAY once connected (<see cref="Socket.SetNoDelay"/>).</summary>
    public bool NoDelay { get; init; }

    /// <summary>SO_KEEPALIVE once connected, after <see cref="KeepAliveInitialDelay"/> (<see cref="Socket.SetKeepAlive"/>).</summary>
    public bool KeepAlive { get; init; }

    /// <summary>Idle milliseconds before the first keep-alive probe (0: the system's default).</summary>
    public int KeepAliveInitialDelay { get; init; }

    /// <summary>Milliseconds without activity before <see cref="Socket.Timeout"/> (0: none), as <see cref="Socket.SetTimeout"/>.</summary>
    public long Timeout { get; init; }
}

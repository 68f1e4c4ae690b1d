namespace Uvnet.Server.Hosting;

/// <summary>How <see cref="ServerHost.TryStart"/> runs a server.</summary>
public sealed record ServerHostOptions
{
    /// <summary>
    /// How long a graceful stop waits for connections to finish before closing them. Under docker's 10 s and
    /// systemd's 90 s stop timeouts, so a SIGTERM ends in an orderly exit rather than a SIGKILL.
    /// </summary>
    public static readonly TimeSpan DefaultGracePeriod = TimeSpan.FromSeconds(5);

    /// <summary>How many loops, each on its own thread.</summary>
    public int Loops { get; init; } = 1;

    /// <summary>The port to listen on; 0: a free one, chosen by the first loop and shared by the others.</summary>
    public int Port { get; init; }

    /// <summary>The address to listen on; <c>localhost</c>: 127.0.0.1 and ::1 (see <see cref="LoopServices"/>); null: every interface, dual stack.</summary>
    public string? Host { get; init; }

    /// <summary>See <see cref="DefaultGracePeriod"/>.</summary>
    public TimeSpan GracePeriod { get; init; } = DefaultGracePeriod;

    /// <summary>How long every loop may take to start listening before the start counts as failed.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Told about an exception a callback threw on a loop (a bug: I/O errors are events, not exceptions); the
    /// loop stays consistent and runs on. Null: written to stderr.
    /// </summary>
    public Action<int, Exception>? LoopException { get; init; }

    /// <summary>
    /// Told about an error accepting a connection on a loop that listens (EMFILE, ENFILE: out of descriptors; the
    /// connections waiting are closed); the loop goes on. Null: ignored. Called on the loop's thread.
    /// </summary>
    public Action<Exception>? AcceptError { get; init; }

    /// <summary>Whether each loop watches SIGINT and SIGTERM and shuts the host down gracefully on the first (the program does; tests need not).</summary>
    public bool HandleSignals { get; init; }

    /// <summary>How often each loop writes a <see cref="LoopStats"/> line (its handles and open connections); null: never.</summary>
    public TimeSpan? StatsInterval { get; init; }

    /// <summary>
    /// Whether the <see cref="LoopStats"/> lines also give <c>ssl=N</c>, the OpenSSL connection objects alive in the
    /// process (<see cref="Tls.Tls.LiveSessionCount"/>): set when serving HTTPS, so a soak can tell that every
    /// connection freed its own.
    /// </summary>
    internal bool StatsCountSsl { get; init; }

    /// <summary>Where the <see cref="LoopStats"/> lines go; null: stderr. Every loop writes to it, one line a call, through one lock.</summary>
    public TextWriter? StatsOutput { get; init; }

    /// <summary>Called once when the shutdown begins (on the thread that asked for it); not when the start fails.</summary>
    public Action? ShutdownStarted { get; init; }
}

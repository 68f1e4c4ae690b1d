namespace Uvnet;

/// <summary>How a <see cref="Loop"/> waits for I/O.</summary>
public enum LoopBackend
{
    /// <summary>
    /// The <c>UVNET_BACKEND</c> environment variable's choice (<c>epoll</c> or <c>io_uring</c>), and without it the
    /// system's facility: epoll on Linux, kqueue on macOS and the BSDs.
    /// </summary>
    Default,

    /// <summary>Linux epoll, level-triggered, as libuv.</summary>
    Epoll,

    /// <summary>kqueue (macOS, the BSDs).</summary>
    Kqueue,

    /// <summary>
    /// Linux io_uring (5.17 or later), opt-in: the same readiness as <see cref="Epoll"/>, with every change of what
    /// the loop watches submitted together with its wait in one system call. Where io_uring is missing or blocked
    /// (kernels built without it, <c>kernel.io_uring_disabled</c>, container seccomp profiles), the loop runs on
    /// epoll and <see cref="Loop.BackendFallbackReason"/> says why.
    /// </summary>
    IoUring,
}

/// <summary>Settings of a new <see cref="Loop"/>.</summary>
public sealed class LoopOptions
{
    /// <summary>The name of the environment variable <see cref="LoopBackend.Default"/> reads: <c>UVNET_BACKEND</c>.</summary>
    public const string BackendEnvironmentVariable = "UVNET_BACKEND";

    /// <summary>The I/O backend; <see cref="LoopBackend.Default"/> (the environment's choice, else the system's) by default.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a <see cref="LoopBackend"/>.</exception>
    public LoopBackend Backend
    {
        get => _backend;
        set => _backend = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "not a LoopBackend");
    }

    private LoopBackend _backend;

    /// <summary>For tests: the status io_uring_setup is taken to fail with (0: it is called).</summary>
    internal int SimulatedIoUringSetupStatus { get; set; }

    /// <summary>
    /// The backend <paramref name="requested"/> means where <paramref name="environment"/> is the value of
    /// <see cref="BackendEnvironmentVariable"/> (null when unset).
    /// </summary>
    /// <exception cref="InvalidOperationException">The variable names no backend.</exception>
    internal static LoopBackend Resolve(LoopBackend requested, string? environment)
    {
        if (requested != LoopBackend.Default)
            return requested;
        return environment switch
        {
            null or "" => OperatingSystem.IsLinux() ? LoopBackend.Epoll : LoopBackend.Kqueue,
            "epoll" => LoopBackend.Epoll,
            "io_uring" => LoopBackend.IoUring,
            "kqueue" => LoopBackend.Kqueue,
            _ => throw new InvalidOperationException(
                $"{BackendEnvironmentVariable}='{environment}' names no backend: use epoll, io_uring or kqueue, or unset it."),
        };
    }
}

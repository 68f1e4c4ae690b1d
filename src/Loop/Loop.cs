using System.Diagnostics;
using Uvnet.Io;
using Uvnet.Threading;
using Uvnet.Timers;

namespace Uvnet;

/// <summary>
/// An event loop, as libuv's <c>uv_loop_t</c>: it owns handles (timers, watchers, streams), waits for I/O
/// with epoll or kqueue, and runs every callback on the thread that calls <see cref="Run(RunMode)"/>.
/// </summary>
/// <remarks>
/// <para>One thread drives a loop at a time; any number of loops may run, each on its own thread. Members
/// are for that thread only, except <see cref="Post(Action)"/>, its overloads and <see cref="AsyncHandle.Send"/>,
/// which any thread may call. A call from another thread while the loop runs throws.</para>
/// <para>A callback that throws: the exception leaves <see cref="Run(RunMode)"/> on the loop thread. The loop
/// stays consistent (the handle that threw and every other handle keep their state; the rest of that phase's
/// callbacks run in the next iteration, and level-triggered I/O is reported again), so the caller may handle
/// the exception and call <see cref="Run(RunMode)"/> again. An idle, prepare or check handle that threw and
/// is still started runs again first in its next phase, so one that always throws holds back those after it:
/// stop it, or close it, before running again.</para>
/// </remarks>
public sealed partial class Loop : IDisposable
{
    private static Loop? s_default;

    // libuv's clock: milliseconds from a monotonic source, read once per iteration.
    private static readonly long s_ticksPerMillisecond = Stopwatch.Frequency / 1000;

    private readonly IPoller _poller;
    private readonly LoopSynchronizationContext _synchronizationContext;
    private long _now;
    private long _timerStartCounter;
    private bool _stopRequested;
    private bool _closed;
    private int _runningThreadId;
    private int _lastRunThreadId;

    private Handle? _firstHandle;
    // Handles closed and waiting for the closing phase, with their callbacks: a ring buffer, reused.
    private (Handle Handle, Action<Handle>? Callback)[] _closing = new (Handle, Action<Handle>?)[16];
    private int _closingStart, _closingCount;

    /// <summary>Creates a loop with its own poller; dispose it (with no handles left) to release it.</summary>
    /// <exception cref="InvalidOperationException">The <c>UVNET_BACKEND</c> environment variable names no backend.</exception>
    public Loop() : this(s_defaultOptions)
    {
    }

    private static readonly LoopOptions s_defaultOptions = new();

    /// <summary>Creates a loop with its own poller, the one <paramref name="options"/> chooses; dispose it (with no handles left) to release it.</summary>
    /// <exception cref="PlatformNotSupportedException">The backend chosen is not this system's (epoll or io_uring off Linux, kqueue on it).</exception>
    /// <exception cref="InvalidOperationException">The backend is <see cref="LoopBackend.Default"/> and the <c>UVNET_BACKEND</c> environment variable names no backend.</exception>
    public Loop(LoopOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        LoopBackend backend = LoopOptions.Resolve(options.Backend, Environment.GetEnvironmentVariable(LoopOptions.BackendEnvironmentVariable));
        if ((backend == LoopBackend.Kqueue) == OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException($"The {backend} backend is not available on this system.");
        (_poller, Backend, BackendFallbackReason) = CreatePoller(backend, options.SimulatedIoUringSetupStatus);
        Wakeup = new Wakeup();
        int status = _poller.Add(Wakeup.ReadFd, WakeupToken, IoEvents.Read);
        if (status < 0)
            throw new InvalidOperationException($"cannot watch the loop's wakeup descriptor: {UvError.Message(status)}");
        _synchronizationContext = new LoopSynchronizationContext(this);
        UpdateTime();
    }

    private static (IPoller, LoopBackend, string?) CreatePoller(LoopBackend backend, int simulatedSetupStatus)
    {
        if (backend == LoopBackend.Kqueue)
            return (new KqueuePoller(), backend, null);
        if (backend == LoopBackend.IoUring)
        {
            int status = simulatedSetupStatus;
            if (status == 0 && IoUringPoller.TryCreate(out status) is { } ring)
                return (ring, backend, null);
            return (new EpollPoller(), LoopBackend.Epoll, $"io_uring unavailable ({UvError.Name(status)}: {UvError.Message(status)})");
        }
        return (new EpollPoller(), backend, null);
    }

    /// <summary>
    /// The backend the loop waits with: <see cref="LoopBackend.Epoll"/>, <see cref="LoopBackend.IoUring"/> or
    /// <see cref="LoopBackend.Kqueue"/>; epoll where io_uring was asked for and could not be had (see
    /// <see cref="BackendFallbackReason"/>).
    /// </summary>
    public LoopBackend Backend { get; }

    /// <summary>
    /// Why the loop runs on epoll although io_uring was asked for (for instance <c>io_uring unavailable (EPERM:
    /// operation not permitted)</c> where a container blocks it); null when it runs on the backend asked for.
    /// </summary>
    public string? BackendFallbackReason { get; }

    /// <summary>A process-wide loop, created on first use, and again on the next use after it was closed (libuv's <c>uv_default_loop</c>).</summary>
    public static Loop Default => LazyInitializer.EnsureInitialized(ref s_default);

    /// <summary>
    /// The loop's cached time in milliseconds, from a monotonic clock: read at the start of each iteration and
    /// again after the poll waited (so a timer started after a long wait counts from its end, as in libuv).
    /// </summary>
    public long Now => _now;

    /// <summary>Whether anything keeps the loop alive: an active referenced handle, an active request, a closing handle, pending callbacks, or posted or deferred work.</summary>
    public bool IsAlive =>
        ActiveHandles > 0 || ActiveRequests > 0 || _closingCount > 0 || _pendingHead is not null || !_posted.IsEmpty || !_deferred.IsEmpty;

    /// <summary>Number of handles on the loop that are not closed yet, closing ones included.</summary>
    public int HandleCount { get; private set; }

    /// <summary>Whether the calling thread is the one running the loop.</summary>
    public bool IsLoopThread => _runningThreadId == Environment.CurrentManagedThreadId;

    /// <summary>
    /// The thread running the loop or, between runs (Run(Once) in a loop, <see cref="RunUntil(Task)"/>), the one that
    /// ran it last; 0 before the first run. Only that thread knows the loop is not about to run again, so state the
    /// loop's callbacks made is its alone even between runs (<see cref="VerifyAccess"/> admits any thread then).
    /// </summary>
    internal int OwnerThreadId => _runningThreadId != 0 ? _runningThreadId : _lastRunThreadId;

    /// <summary>Active referenced handles (libuv's <c>active_handles</c>).</summary>
    internal int ActiveHandles { get; set; }

    /// <summary>Requests in flight (connect, write, shutdown...).</summary>
    internal int ActiveRequests { get; set; }

    internal TimerHeap Timers { get; } = new();

    internal WatcherQueue<IdleHandle> IdleQueue { get; } = new();

    internal WatcherQueue<PrepareHandle> PrepareQueue { get; } = new();

    internal WatcherQueue<CheckHandle> CheckQueue { get; } = new();

    internal Wakeup Wakeup { get; }

    /// <summary>Re-reads the clock into <see cref="Now"/> (the loop does this at the start of each iteration).</summary>
    public void UpdateTime() => _now = Stopwatch.GetTimestamp() / s_ticksPerMillisecond;

    /// <summary>Makes <see cref="Run(RunMode)"/> return after the current iteration, as <c>uv_stop</c>.</summary>
    public void Stop()
    {
        VerifyAccess();
        _stopRequested = true;
    }

    /// <summary>Calls <paramref name="visitor"/> for every handle not yet closed, closing ones included, as <c>uv_walk</c>. The visitor may close handles.</summary>
    public void Walk(Action<Handle> visitor)
    {
        ArgumentNullException.ThrowIfNull(visitor);
        VerifyAccess();
        for (Handle? h = _firstHandle; h is not null;)
        {
            Handle? next = h.NextInLoop;
            visitor(h);
            h = next;
        }
    }

    /// <summary>
    /// Releases the loop's resources, as <c>uv_loop_close</c>: returns 0, or <see cref="UvError.EBUSY"/>
    /// (and does nothing) while handles remain, work queued with <see cref="QueueWork{TResult}"/> has not
    /// called back, or posted callbacks have not run: close the handles and run the loop until it is no
    /// longer alive. Once closed, <see cref="Post(Action)"/> throws.
    /// </summary>
    public int Close()
    {
        VerifyAccess();
        if (_closed)
            return 0;
        // The post queue closes last, and only when empty: from then on a post throws instead of being lost.
        if (HandleCount > 0 || ActiveRequests > 0 || _runningThreadId != 0 || !_deferred.IsEmpty || !_posted.TryClose())
            return UvError.EBUSY;
        _closed = true;
        // A closed default loop is forgotten, so Default makes a new one, as uv_loop_close does for uv_default_loop.
        Interlocked.CompareExchange(ref s_default, null, this);
        _poller.Dispose();
        Wakeup.Dispose();
        DisposeIo();
        CloseReserveDescriptor();
        return 0;
    }

    /// <summary>Closes the loop.</summary>
    /// <exception cref="InvalidOperationException">Handles, work or posted callbacks remain (<see cref="UvError.EBUSY"/>).</exception>
    public void Dispose()
    {
        if (Close() == UvError.EBUSY)
            throw new InvalidOperationException($"The loop still has {HandleCount} handle(s), {ActiveRequests} request(s) in flight or posted callbacks: close the handles and run the loop until it is not alive before disposing it (EBUSY).");
    }

    // 64 bits, so that a timer may stay started while any number of others start (Net restarts one per read):
    // 32 bits wrap within hours on a busy server. Start ids are compared only by their difference, so that
    // even the wrap at 2^64 keeps the start order.
    internal long NextTimerStartId() => unchecked(_timerStartCounter++);

    /// <summary>Moves the start counter, so a test can take it across the wrap.</summary>
    internal void SetTimerStartCounter(long value) => _timerStartCounter = value;

    internal void AddHandle(Handle handle)
    {
        handle.NextInLoop = _firstHandle;
        if (_firstHandle is not null)
            _firstHandle.PreviousInLoop = handle;
        _firstHandle = handle;
        HandleCount++;
    }

    internal void RemoveHandle(Handle handle)
    {
        if (handle.PreviousInLoop is not null)
            handle.PreviousInLoop.NextInLoop = handle.NextInLoop;
        else
            _firstHandle = handle.NextInLoop;
        if (handle.NextInLoop is not null)
            handle.NextInLoop.PreviousInLoop = handle.PreviousInLoop;
        handle.PreviousInLoop = handle.NextInLoop = null;
        HandleCount--;
    }

    internal void QueueClosing(Handle handle, Action<Handle>? callback)
    {
        if (_closingCount == _closing.Length)
        {
            var bigger = new (Handle, Action<Handle>?)[_closing.Length * 2];
            for (int i = 0; i < _closingCount; i++)
                bigger[i] = _closing[(_closingStart + i) % _closing.Length];
            _closing = bigger;
            _closingStart = 0;
        }
        _closing[(_closingStart + _closingCount) % _closing.Length] = (handle, callback);
        _closingCount++;
    }

    /// <summary>
    /// Throws <see cref="InvalidOperationException"/> when called from a thread other than the one running the
    /// loop: loops are single-threaded by design. Layers built on the loop call it at their entry points.
    /// </summary>
    public void VerifyAccess()
    {
        int running = _runningThreadId;
        if (running != 0 && running != Environment.CurrentManagedThreadId)
            throw new InvalidOperationException("The loop is running on another thread; use Loop.Post or an AsyncHandle to reach it.");
    }

    internal void ThrowIfClosed() => ObjectDisposedException.ThrowIf(_closed, this);
}

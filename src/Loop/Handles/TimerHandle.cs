namespace Uvnet;

/// <summary>
/// Calls back after a timeout, once or repeatedly, as libuv's <c>uv_timer_t</c>. Times are milliseconds
/// against <see cref="Loop.Now"/>, the loop's cached clock.
/// </summary>
/// <remarks>
/// Timers with the same due time fire in the order they were started. A timer started from a timer
/// callback never fires in the same pass, even with a timeout of 0. Timeouts too large to add to the
/// clock clamp to "never" instead of wrapping around.
/// </remarks>
public sealed class TimerHandle : Handle
{
    private Action<TimerHandle>? _callback;
    private long _repeat;

    // Heap bookkeeping, owned by the loop's TimerHeap.
    internal long Due;
    internal long StartId;

    /// <summary>Creates a stopped timer on <paramref name="loop"/>.</summary>
    public TimerHandle(Loop loop) : base(loop)
    {
    }

    /// <summary>The repeat interval in milliseconds; 0 means the timer fires once. Read when the timer fires (to re-arm it) and by <see cref="Again"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public long Repeat
    {
        get => _repeat;
        set
        {
            // A negative interval would re-arm the timer in the past: it would fire on every pass.
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _repeat = value;
        }
    }

    /// <summary>Milliseconds until the timer fires, against <see cref="Loop.Now"/>; 0 when stopped or already due.</summary>
    public long DueIn => IsActive ? Math.Max(0, Due - Loop.Now) : 0;

    /// <summary>
    /// Starts (or restarts) the timer: <paramref name="callback"/> runs once <paramref name="timeoutMs"/>
    /// have passed, then every <paramref name="repeatMs"/> if that is not 0.
    /// </summary>
    public void Start(Action<TimerHandle> callback, long timeoutMs, long repeatMs = 0)
    {
        ArgumentNullException.ThrowIfNull(callback);
        ArgumentOutOfRangeException.ThrowIfNegative(timeoutMs);
        ArgumentOutOfRangeException.ThrowIfNegative(repeatMs);
        VerifyUsable();
        _callback = callback;
        Repeat = repeatMs;
        Arm(timeoutMs);
    }

    /// <summary>Stops the timer; its callback will not run. Idempotent.</summary>
    public void Stop()
    {
        Loop.VerifyAccess();
        Disarm();
    }

    /// <summary>
    /// As libuv's <c>uv_timer_again</c>: stops the timer and, if it repeats, restarts it with the repeat
    /// interval as the timeout.
    /// </summary>
    /// <exception cref="InvalidOperationException">The timer was never started.</exception>
    public void Again()
    {
        VerifyUsable();
        if (_callback is null)
            throw new InvalidOperationException("Again needs a timer that was started at least once.");
        Disarm();
        if (Repeat != 0)
            Arm(Repeat);
    }

    private void Arm(long timeoutMs)
    {
        Disarm();
        long now = Loop.Now;
        Due = timeoutMs > long.MaxValue - now ? long.MaxValue : now + timeoutMs;
        StartId = Loop.NextTimerStartId();
        Loop.Timers.Insert(this);
        SetActive(true);
    }

    private void Disarm()
    {
        if (QueueIndex < 0)
            return;
        Loop.Timers.Remove(this);
        SetActive(false);
    }

    /// <summary>Runs the due timer: re-arms it first if it repeats, so the callback may stop or restart it.</summary>
    internal void Fire()
    {
        Disarm();
        if (Repeat != 0)
            Arm(Repeat);
        _callback!(this);
    }

    private protected override void OnClosing() => Disarm();
}

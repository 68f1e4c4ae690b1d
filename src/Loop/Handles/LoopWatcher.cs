namespace Uvnet;

/// <summary>
/// The shape shared by <see cref="IdleHandle"/>, <see cref="PrepareHandle"/> and <see cref="CheckHandle"/>:
/// a callback that runs once per loop iteration, in that handle type's phase, while started.
/// </summary>
/// <typeparam name="TSelf">The concrete handle type, passed to the callback.</typeparam>
public abstract class LoopWatcher<TSelf> : Handle where TSelf : LoopWatcher<TSelf>
{
    private readonly WatcherQueue<TSelf> _queue;
    private Action<TSelf>? _callback;

    private protected LoopWatcher(Loop loop, WatcherQueue<TSelf> queue) : base(loop) => _queue = queue;

    /// <summary>Starts calling <paramref name="callback"/> once per iteration. Starting a started handle only replaces the callback.</summary>
    public void Start(Action<TSelf> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        VerifyUsable();
        _callback = callback;
        if (QueueIndex >= 0)
            return;
        _queue.Add((TSelf)this);
        SetActive(true);
    }

    /// <summary>Stops the callbacks. Idempotent.</summary>
    public void Stop()
    {
        Loop.VerifyAccess();
        Detach();
    }

    private void Detach()
    {
        if (QueueIndex < 0)
            return;
        _queue.Remove((TSelf)this);
        SetActive(false);
    }

    internal void Invoke() => _callback!((TSelf)this);

    private protected override void OnClosing() => Detach();
}

/// <summary>Runs once per loop iteration, before the loop polls; while one is active the poll does not block.</summary>
public sealed class IdleHandle : LoopWatcher<IdleHandle>
{
    /// <summary>Creates a stopped idle handle on <paramref name="loop"/>.</summary>
    public IdleHandle(Loop loop) : base(loop, loop.IdleQueue)
    {
    }
}

/// <summary>Runs once per loop iteration, right before the loop polls for I/O.</summary>
public sealed class PrepareHandle : LoopWatcher<PrepareHandle>
{
    /// <summary>Creates a stopped prepare handle on <paramref name="loop"/>.</summary>
    public PrepareHandle(Loop loop) : base(loop, loop.PrepareQueue)
    {
    }
}

/// <summary>Runs once per loop iteration, right after the loop has polled for I/O.</summary>
public sealed class CheckHandle : LoopWatcher<CheckHandle>
{
    /// <summary>Creates a stopped check handle on <paramref name="loop"/>.</summary>
    public CheckHandle(Loop loop) : base(loop, loop.CheckQueue)
    {
    }
}

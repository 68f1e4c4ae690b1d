namespace Uvnet;

/// <summary>
/// Wakes the loop from any thread, as libuv's <c>uv_async_t</c>. <see cref="Send"/> is the one member safe
/// to call from other threads; sends coalesce, so many sends before the loop wakes run the callback once.
/// The callback runs on the loop thread. An async handle is active from creation and keeps the loop alive
/// until closed or unreferenced.
/// </summary>
public sealed class AsyncHandle : Handle
{
    private readonly Action<AsyncHandle> _callback;
    private int _pending;

    /// <summary>Creates an active async handle on <paramref name="loop"/> that runs <paramref name="callback"/> after sends.</summary>
    public AsyncHandle(Loop loop, Action<AsyncHandle> callback) : base(Validate(loop, callback))
    {
        _callback = callback;
        loop.AddAsync(this);
        SetActive(true);
    }

    /// <summary>
    /// Asks the loop to run the callback. Thread-safe; does not block; calls that arrive before the callback
    /// runs are coalesced into one run. Has no effect once the handle is closing.
    /// </summary>
    public void Send()
    {
        if (Interlocked.Exchange(ref _pending, 1) == 0)
            Loop.Wakeup.Signal();
    }

    /// <summary>Runs the callback if a send arrived; the flag clears first, so a send during the callback runs it again.</summary>
    internal void Dispatch()
    {
        if (IsClosing || Interlocked.Exchange(ref _pending, 0) == 0)
            return;
        _callback(this);
    }

    // Checked before the base constructor adds the handle to the loop, where a handle whose constructor
    // threw could never be closed and would keep the loop from closing.
    private static Loop Validate(Loop loop, Action<AsyncHandle> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return loop;
    }

    // Removed only in the closing phase, so the wakeup's pass over the async handles never sees the list shift.
    private protected override void OnClosed() => Loop.RemoveAsync(this);
}

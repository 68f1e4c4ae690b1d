using Uvnet.Timers;

namespace Uvnet;

public sealed partial class Loop
{
    private IoHandle? _pendingHead, _pendingTail;

    // The last handle the running pending pass takes (null: the pass is over). A handle closed during the pass leaves
    // the queue (CancelPending), so the mark moves to the one queued before it: otherwise the pass would run on into
    // what its callbacks queue, as long as they queue more, and never let the loop poll (libuv moves the queue aside).
    private IoHandle? _passLast;

    /// <summary>
    /// Runs the loop, as <c>uv_run</c>. Each iteration: update the time, run due timers, run pending I/O
    /// callbacks, idle, prepare, poll for I/O, check, then close callbacks. Returns whether the loop is
    /// still alive (<see cref="IsAlive"/>). Work the loop's thread deferred runs after the pending callbacks
    /// and again after the poll's.
    /// </summary>
    /// <remarks>
    /// The poll waits 0 ms when anything is pending, an idle handle is active or <see cref="Stop"/> was
    /// called; otherwise until the next timer, or indefinitely when only I/O can wake it. While it runs,
    /// the loop's <see cref="SynchronizationContext"/> is current on the calling thread.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The loop is already running (on this or another thread).</exception>
    public bool Run(RunMode mode = RunMode.Default)
    {
        ThrowIfClosed();
        if (_runningThreadId != 0)
            throw new InvalidOperationException("The loop is already running; Run cannot be nested or shared between threads.");
        _runningThreadId = _lastRunThreadId = Environment.CurrentManagedThreadId;
        SynchronizationContext? previousContext = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(_synchronizationContext);
        try
        {
            return RunIterations(mode);
        }
        finally
        {
            _stopRequested = false;
            _runningThreadId = 0;
            SynchronizationContext.SetSynchronizationContext(previousContext);
        }
    }

    // libuv's "a small fixed number of times to avoid loop starvation" (uv_run, since libuv 1.44.2): with the pass
    // before the poll, a writer whose callback always writes again sends nine writes an iteration between polls.
    private const int MaxPendingPassesAfterPoll = 8;

    private bool RunIterations(RunMode mode)
    {
        bool alive = IsAlive;
        if (!alive)
            UpdateTime();
        while (alive && !_stopRequested)
        {
            UpdateTime();
            // libuv's can_sleep, taken before the callbacks run: Run(Once) waits in the poll only when the
            // iteration found nothing to do, so an idle handle that stops itself does not make it block. Work deferred
            // by the last iteration's check or close callbacks (or between runs) is such work, as a pending callback.
            bool canSleep = _pendingHead is null && IdleQueue.ActiveCount == 0 && _deferred.IsEmpty;
            bool ranTimers = RunTimers();
            RunPending();
            // What the timers and pending callbacks deferred (a write's completion ending an exchange), before the poll:
            // left queued, it would make the poll return at once, and cost an empty epoll_wait.
            _deferred.RunQueued();
            IdleQueue.Run();
            PrepareQueue.Run();

            int timeout = 0;
            if ((mode == RunMode.Once && canSleep && !ranTimers) || mode == RunMode.Default)
                timeout = BackendTimeout();
            Poll(timeout);
            // As libuv's uv_run: the callbacks the poll's I/O made ready at once (a write finished inside a read
            // callback) run in this iteration, a few passes at most so that a callback that always queues
            // another cannot starve the poll. Deferred work runs in the same passes, after the pending callbacks,
            // so that what it makes ready (a write it sent that finished at once) runs in the next pass.
            for (int pass = 0; pass < MaxPendingPassesAfterPoll && (_pendingHead is not null || !_deferred.IsEmpty); pass++)
            {
                RunPending();
                _deferred.RunQueued();
            }

            CheckQueue.Run();
            RunClosing();

            if (mode == RunMode.Once && !ranTimers)
            {
                // The poll may have waited for a timer: fire it in this iteration, as uv_run does. Only when
                // no timer fired before the poll, so a repeating timer fires at most once per Run(Once).
                UpdateTime();
                RunTimers();
            }
            alive = IsAlive;
            if (mode != RunMode.Default)
                break;
        }
        return alive;
    }

    /// <summary>How long the poll may block: libuv's <c>uv_backend_timeout</c>.</summary>
    private int BackendTimeout()
    {
        if (_stopRequested || (ActiveHandles == 0 && ActiveRequests == 0))
            return 0;
        if (_pendingHead is not null || IdleQueue.ActiveCount > 0 || _closingCount > 0 || !_posted.IsEmpty || !_deferred.IsEmpty)
            return 0;
        TimerHandle? next = Timers.Min;
        if (next is null)
            return -1;
        long wait = next.Due - _now;
        return wait <= 0 ? 0 : wait >= int.MaxValue ? int.MaxValue : (int)wait;
    }

    /// <summary>Fires the due timers; returns whether any fired.</summary>
    private bool RunTimers()
    {
        // Timers started during this pass (including re-armed repeats) have start ids at or past the
        // limit: they wait for the next pass even when already due.
        long limit = _timerStartCounter;
        bool fired = false;
        while (Timers.Min is { } timer && timer.Due <= _now && TimerHeap.StartedBefore(timer.StartId, limit))
        {
            fired = true;
            timer.Fire();
        }
        return fired;
    }

    /// <summary>Defers <paramref name="handle"/>'s <see cref="IoHandle.OnPending"/> to the next pending phase (libuv's <c>uv__io_feed</c>).</summary>
    internal void QueuePending(IoHandle handle)
    {
        if (handle.IsPending)
            return;
        handle.IsPending = true;
        if (_pendingTail is null)
            _pendingHead = handle;
        else
            _pendingTail.NextPending = handle;
        _pendingTail = handle;
    }

    internal void CancelPending(IoHandle handle)
    {
        if (!handle.IsPending)
            return;
        IoHandle? previous = null;
        for (IoHandle? h = _pendingHead; h is not null; previous = h, h = h.NextPending)
        {
            if (h != handle)
                continue;
            if (previous is null)
                _pendingHead = h.NextPending;
            else
                previous.NextPending = h.NextPending;
            if (_pendingTail == h)
                _pendingTail = previous;
            if (_passLast == h)
                _passLast = previous; // null when h was the head: what came before it in the pass has run
            break;
        }
        handle.NextPending = null;
        handle.IsPending = false;
    }

    private void RunPending()
    {
        // Only what was queued before the pass began: a callback that queues again runs in the next pass.
        _passLast = _pendingTail;
        while (_passLast is not null && _pendingHead is { } h)
        {
            _pendingHead = h.NextPending;
            if (_pendingHead is null)
                _pendingTail = null;
            h.NextPending = null;
            h.IsPending = false;
            if (h == _passLast)
                _passLast = null;
            h.OnPending();
        }
    }

    private void RunClosing()
    {
        // Only handles closed before the phase began: those closed by these callbacks finish next iteration,
        // as in libuv. One at a time, so that a callback that throws leaves the rest queued.
        for (int n = _closingCount; n > 0; n--)
        {
            var (handle, callback) = _closing[_closingStart];
            _closing[_closingStart] = default;
            _closingStart = (_closingStart + 1) % _closing.Length;
            _closingCount--;
            handle.FinishClose(callback);
        }
    }
}

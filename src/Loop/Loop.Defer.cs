using Uvnet.Threading;

namespace Uvnet;

public sealed partial class Loop
{
    private readonly DeferQueue _deferred = new();

    /// <summary>
    /// Runs <paramref name="callback"/>(<paramref name="state"/>) on the loop thread later in this iteration, once the
    /// phase's callbacks have returned: deferred by a timer or pending callback, before the idle phase; by the poll's
    /// callbacks (or the pending ones they made ready), before the check phase; by a check or close callback, or outside
    /// <see cref="Run(RunMode)"/>, at the start of the next iteration, before its poll.
    /// For work the loop's thread leaves for after the call under way (a request started once its caller subscribed, an
    /// object recycled once every call that raised its events returned): from that thread nothing is locked and the
    /// wakeup descriptor is not written, as libuv's code would continue its callback chain or use a check handle rather
    /// than an async handle. From any other thread (or before the loop first ran), as <see cref="Post{TState}(Action{TState}, TState)"/>.
    /// Callbacks run in the order deferred; a deferred callback keeps the loop alive until it ran.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The loop is closed: the callback could never run.</exception>
    internal void Defer<TState>(Action<TState> callback, TState state)
    {
        if (OwnerThreadId != Environment.CurrentManagedThreadId)
        {
            Post(callback, state);
            return;
        }
        ThrowIfClosed();
        _deferred.Enqueue(LoopCallback.Of(callback, state));
    }

    /// <summary>How many times a post, an async send or a completed task wrote the loop's wakeup descriptor: the loop's own work should not.</summary>
    internal long WakeupWrites => Wakeup.Writes;
}

using System.Threading.Tasks.Sources;
using Uvnet.Threading;

namespace Uvnet.Net;

/// <summary>
/// The awaitable behind a socket's <see cref="ValueTask"/>s (a read, a write, a connect). The socket keeps one per
/// kind and reuses it once its result has been taken, so the steady state allocates nothing; an operation started
/// while that one is still in use gets one of its own. Completed only on the loop thread.
/// </summary>
/// <remarks>
/// A <see cref="ValueTask"/> over it is awaited once: taking the result releases the operation for the next call,
/// and the version token makes a second await of the same ValueTask throw <see cref="InvalidOperationException"/>
/// (it would otherwise observe another operation's result).
/// </remarks>
internal sealed class SocketOperation : IValueTaskSource<int>, IValueTaskSource
{
    private readonly Loop _loop;
    private ManualResetValueTaskSourceCore<int> _core; // a mutable struct: never readonly
    private int _inUse;
    private Action<NetException?>? _callback;

    private SocketOperation(Loop loop) => _loop = loop;

    /// <summary>The operation kept in <paramref name="slot"/> when it is free, else a new one for this call alone.</summary>
    internal static SocketOperation Claim(ref SocketOperation? slot, Loop loop)
    {
        SocketOperation kept = slot ??= new SocketOperation(loop);
        if (Interlocked.Exchange(ref kept._inUse, 1) == 0)
            return kept;
        return new SocketOperation(loop) { _inUse = 1 };
    }

    /// <summary>
    /// Whether this thread may use <paramref name="loop"/>'s sockets directly: it runs the loop, or ran it last and the
    /// loop is between runs (as <see cref="Loop.RunUntil(Func{Task})"/> starts code), or the loop never ran. Any other
    /// thread posts to the loop, since only the loop's own thread knows the loop is not running elsewhere.
    /// </summary>
    internal static bool IsOwnerThread(Loop loop) => loop.OwnerThreadId is var owner && (owner == 0 || owner == Environment.CurrentManagedThreadId);

    /// <summary>The current run's token: it changes when the operation is reused.</summary>
    internal short Version => _core.Version;

    /// <summary>A ValueTask over this operation's current run.</summary>
    internal ValueTask Task => new(this, _core.Version);

    /// <summary>A ValueTask of int over this operation's current run.</summary>
    internal ValueTask<int> TaskOfInt => new(this, _core.Version);

    /// <summary>Completes the operation with the error, or successfully: a write's or connect's callback (one delegate per operation, reused).</summary>
    internal Action<NetException?> Callback => _callback ??= Complete;

    /// <summary>Completes successfully with <paramref name="result"/>.</summary>
    internal void Complete(int result) => _core.SetResult(result);

    /// <summary>Completes with <paramref name="error"/>, or successfully when it is null.</summary>
    internal void Complete(Exception? error)
    {
        if (error is null)
            _core.SetResult(0);
        else
            _core.SetException(error);
    }

    /// <summary>Gives the operation back unstarted (the call that claimed it threw before starting it).</summary>
    internal void Release() => Volatile.Write(ref _inUse, 0);

    /// <inheritdoc/>
    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    /// <inheritdoc/>
    public int GetResult(short token)
    {
        // A stale token throws here, before anything changes: the operation may already carry another call.
        if (_core.GetStatus(token) == ValueTaskSourceStatus.Pending)
            return _core.GetResult(token); // throws: not completed
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _core.Reset();
            Release();
        }
    }

    void IValueTaskSource.GetResult(short token) => GetResult(token);

    /// <inheritdoc/>
    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        // Awaited under the loop's context on the loop's thread (running it, or between its runs, as RunUntil starts
        // code): the operation completes inside a loop callback on this thread, where that context is current, so
        // resuming there inline is what posting to the context would do, a turn sooner and without allocating the
        // post. Completions never come from inside a user's call (a Destroy fails pending operations from the close
        // callback), so the continuation runs where an event handler could.
        _core.OnCompleted(continuation, state, token, ResumeInlineOnLoop(_loop, flags));
    }

    /// <summary>
    /// <paramref name="flags"/> without <see cref="ValueTaskSourceOnCompletedFlags.UseSchedulingContext"/> when the
    /// await happens under <paramref name="loop"/>'s context on its thread (see <see cref="OnCompleted"/>): the
    /// continuation then runs inline where the operation completes. Shared by every loop-completed awaitable of Net.
    /// </summary>
    internal static ValueTaskSourceOnCompletedFlags ResumeInlineOnLoop(Loop loop, ValueTaskSourceOnCompletedFlags flags)
    {
        if ((flags & ValueTaskSourceOnCompletedFlags.UseSchedulingContext) != 0
            && IsOwnerThread(loop)
            && SynchronizationContext.Current is LoopSynchronizationContext context
            && context.Loop == loop
            && TaskScheduler.Current == TaskScheduler.Default)
        {
            flags &= ~ValueTaskSourceOnCompletedFlags.UseSchedulingContext;
        }
        return flags;
    }
}

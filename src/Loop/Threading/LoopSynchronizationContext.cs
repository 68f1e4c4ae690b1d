namespace Uvnet.Threading;

/// <summary>
/// Current while a loop runs, so that an <c>await</c> inside a loop callback resumes on the loop thread,
/// as a UI framework's context does for its thread.
/// </summary>
public sealed class LoopSynchronizationContext : SynchronizationContext
{
    /// <summary>Creates the context of <paramref name="loop"/>.</summary>
    public LoopSynchronizationContext(Loop loop)
    {
        ArgumentNullException.ThrowIfNull(loop);
        Loop = loop;
    }

    /// <summary>The loop continuations run on.</summary>
    public Loop Loop { get; }

    /// <summary>Queues <paramref name="d"/> to run on the loop thread, as <see cref="Loop.Post(Action)"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="d"/> is null: refused here, on the caller's thread,
    /// rather than failing later inside <see cref="Loop.Run(RunMode)"/>.</exception>
    /// <remarks>
    /// Once the loop is closed, <paramref name="d"/> is dropped: the await it resumes never completes, as a Node
    /// promise's continuations never run once the process's loop has ended, and as WPF's dispatcher drops work after
    /// shutdown. Its caller is the TPL, on whatever thread completed the awaited task: an exception from here would
    /// not reach the awaiting code but be rethrown on the thread pool, ending the process (work still in flight when
    /// a loop closes, a database call say, would take down every other loop with it). Finish such work before
    /// closing, with <see cref="Loop.RunUntil(Task)"/>.
    /// </remarks>
    public override void Post(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        Loop.TryPost(d, state);
    }

    /// <summary>Runs <paramref name="d"/> on the loop thread and waits for it; runs it inline when already there.</summary>
    /// <exception cref="ObjectDisposedException">The loop is closed: <paramref name="d"/> could never run, and the caller, waiting for it, is told at once.</exception>
    public override void Send(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (Loop.IsLoopThread)
        {
            d(state);
            return;
        }
        using var done = new ManualResetEventSlim();
        Exception? error = null;
        Loop.Post(() =>
        {
            try { d(state); }
            catch (Exception e) { error = e; }
            finally { done.Set(); }
        });
        done.Wait();
        if (error is not null)
            throw new AggregateException(error);
    }

    /// <inheritdoc/>
    public override SynchronizationContext CreateCopy() => this;
}

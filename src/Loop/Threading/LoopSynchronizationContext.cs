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
    /// <exception cref="ObjectDisposedException">The loop is closed: nothing can run on it any more (a
    /// continuation of work still in flight when the loop closed ends here; finish such work first, with
    /// <see cref="Loop.RunUntil(Task)"/>).</exception>
    public override void Post(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        Loop.Post(d, state);
    }

    /// <summary>Runs <paramref name="d"/> on the loop thread and waits for it; runs it inline when already there.</summary>
    /// <exception cref="ObjectDisposedException">The loop is closed (see <see cref="Post"/>).</exception>
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

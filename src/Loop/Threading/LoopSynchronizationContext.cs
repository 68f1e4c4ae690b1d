namespace Uvnet.Threading;

/// <summary>
/// Current while a loop runs, so that an <c>await</c> inside a loop callback resumes on the loop thread,
/// as a UI framework's context does for its thread.
/// </summary>
public sealed class LoopSynchronizationContext : SynchronizationContext
{
    /// <summary>Creates the context of <paramref name="loop"/>.</summary>
    public LoopSynchronizationContext(Loop loop) => Loop = loop;

    /// <summary>The loop continuations run on.</summary>
    public Loop Loop { get; }

    /// <inheritdoc/>
    public override void Post(SendOrPostCallback d, object? state) => Loop.Post(d, state);

    /// <summary>Runs <paramref name="d"/> on the loop thread and waits for it; runs it inline when already there.</summary>
    public override void Send(SendOrPostCallback d, object? state)
    {
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

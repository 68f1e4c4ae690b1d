using Uvnet.Threading;

namespace Uvnet;

public sealed partial class Loop
{
    private readonly PostQueue _posted = new();
    private readonly List<AsyncHandle> _asyncHandles = [];

    /// <summary>
    /// Runs <paramref name="callback"/> on the loop thread in a later iteration. Any thread; callbacks run in
    /// posting order. Queued callbacks keep the loop alive, and <see cref="Close"/> answers EBUSY until they ran.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The loop is closed: the callback could never run.</exception>
    public void Post(Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        Posted(_posted.TryEnqueue(callback));
    }

    /// <summary>
    /// Runs <paramref name="callback"/>(<paramref name="state"/>) on the loop thread in a later iteration.
    /// Any thread. Allocates nothing per call when <typeparamref name="TState"/> is a reference type and the
    /// callback is a cached delegate (a static lambda).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The loop is closed: the callback could never run.</exception>
    public void Post<TState>(Action<TState> callback, TState state)
    {
        ArgumentNullException.ThrowIfNull(callback);
        Posted(_posted.TryEnqueue(callback, state));
    }

    /// <summary>
    /// <see cref="Post{TState}(Action{TState}, TState)"/> that tells rather than throws: false, and nothing queued,
    /// once the loop is closed. For posts from a runtime thread, where an exception ends the process.
    /// </summary>
    internal bool TryPost<TState>(Action<TState> callback, TState state) => Queued(_posted.TryEnqueue(callback, state));

    /// <inheritdoc cref="TryPost{TState}(Action{TState}, TState)"/>
    internal bool TryPost(SendOrPostCallback callback, object? state) => Queued(_posted.TryEnqueue(callback, state));

    private void Posted(bool queued) => ObjectDisposedException.ThrowIf(!Queued(queued), this);

    /// <summary>Wakes the loop for a callback that was <paramref name="queued"/>; returns <paramref name="queued"/>.</summary>
    private bool Queued(bool queued)
    {
        if (queued)
            Wakeup.Signal();
        return queued;
    }

    /// <summary>
    /// Runs the loop until <paramref name="task"/> completes, then returns its result (or throws its
    /// exception). The loop waits (without spinning) even when nothing else keeps it alive.
    /// </summary>
    /// <remarks>
    /// An await resumes on the loop thread when it captured the loop's context, as awaits inside loop
    /// callbacks do. A task started before this call, outside the loop, captured the caller's context
    /// instead, and its awaits resume there: start async code with <see cref="RunUntil(Func{Task})"/>.
    /// </remarks>
    public void RunUntil(Task task)
    {
        ArgumentNullException.ThrowIfNull(task);
        WaitFor(task);
        task.GetAwaiter().GetResult();
    }

    /// <inheritdoc cref="RunUntil(Task)"/>
    public T RunUntil<T>(Task<T> task)
    {
        ArgumentNullException.ThrowIfNull(task);
        WaitFor(task);
        return task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Calls <paramref name="start"/> with the loop's context current, then runs the loop until the task it
    /// returned completes, and returns its result (or throws its exception). Every await in the started code
    /// resumes on the loop thread, the first one included.
    /// </summary>
    public void RunUntil(Func<Task> start)
    {
        ArgumentNullException.ThrowIfNull(start);
        RunUntil(StartInLoopContext(start));
    }

    /// <inheritdoc cref="RunUntil(Func{Task})"/>
    public T RunUntil<T>(Func<Task<T>> start)
    {
        ArgumentNullException.ThrowIfNull(start);
        return RunUntil(StartInLoopContext(start));
    }

    private TTask StartInLoopContext<TTask>(Func<TTask> start)
    {
        VerifyAccess();
        SynchronizationContext? previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(_synchronizationContext);
        try
        {
            return start();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    private void WaitFor(Task task)
    {
        if (task.IsCompleted)
            return;
        // Completion may happen on any thread: make it wake the loop. Until then this keeps the loop alive.
        task.ConfigureAwait(false).GetAwaiter().OnCompleted(Wakeup.Signal);
        ActiveRequests++;
        try
        {
            while (!task.IsCompleted)
                Run(RunMode.Once);
        }
        finally
        {
            ActiveRequests--;
        }
    }

    internal void AddAsync(AsyncHandle handle) => _asyncHandles.Add(handle);

    internal void RemoveAsync(AsyncHandle handle) => _asyncHandles.Remove(handle);

    /// <summary>The wakeup descriptor fired: run the async handles that were sent to and the posted work.</summary>
    private void OnWakeup()
    {
        Wakeup.Acknowledge();
        try
        {
            for (int i = 0; i < _asyncHandles.Count; i++)
                _asyncHandles[i].Dispatch();
            _posted.RunQueued();
        }
        catch
        {
            // A callback threw: what it left undone must still wake a later iteration.
            Wakeup.Signal();
            throw;
        }
    }
}

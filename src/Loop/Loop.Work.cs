namespace Uvnet;

public sealed partial class Loop
{
    /// <summary>
    /// Runs <paramref name="work"/> on the thread pool, then <paramref name="after"/> on the loop thread with its
    /// result or exception, as libuv's <c>uv_queue_work</c>. Blocking calls (getaddrinfo, file I/O) go here so
    /// the loop never waits for them. Until <paramref name="after"/> runs, the work keeps the loop alive.
    /// </summary>
    public void QueueWork<TResult>(Func<TResult> work, Action<TResult?, Exception?> after)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(after);
        VerifyAccess();
        ThrowIfClosed();
        ActiveRequests++;
        ThreadPool.UnsafeQueueUserWorkItem(static item => item.Run(), new WorkItem<TResult>(this, work, after), preferLocal: false);
    }

    private sealed class WorkItem<TResult>(Loop loop, Func<TResult> work, Action<TResult?, Exception?> after)
    {
        private TResult? _result;
        private Exception? _error;

        /// <summary>On a pool thread: do the work, then hand the outcome to the loop.</summary>
        internal void Run()
        {
            try
            {
                _result = work();
            }
            catch (Exception e)
            {
                _error = e;
            }
            loop.Post(static item => item.Finish(), this);
        }

        /// <summary>On the loop thread.</summary>
        private void Finish()
        {
            loop.ActiveRequests--;
            after(_result, _error);
        }
    }
}

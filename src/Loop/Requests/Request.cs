namespace Uvnet;

/// <summary>
/// One operation in flight on a handle (a stream's connect, write, shutdown; a UDP send), as libuv's <c>uv_req_t</c>. It
/// completes exactly once, with a status: 0 or a negative <see cref="UvError"/> code
/// (<see cref="UvError.ECANCELED"/> when its handle was closed first). A request object may be reused
/// once its callback has run. While in flight it keeps the loop alive.
/// </summary>
public abstract class Request
{
    private protected Request()
    {
    }

    /// <summary>Any object the user wants to keep with the request (libuv's <c>data</c>).</summary>
    public object? Data { get; set; }

    /// <summary>The stream the request runs on, while in flight and during its callback; null once idle (and for a UDP send).</summary>
    public StreamHandle? Stream => Handle as StreamHandle;

    /// <summary>The handle the request runs on (a stream, a UDP handle), while in flight and during its callback; null once idle.</summary>
    public Handle? Handle { get; private set; }

    /// <summary>Whether the request is in flight: started and its callback not yet run.</summary>
    public bool IsActive { get; private set; }

    /// <summary>
    /// Throws when the request is still in flight. Every operation calls it before it changes anything: a request
    /// refused for reuse must leave the operation it carries (its buffers, its file, its stream's state) untouched.
    /// </summary>
    internal void VerifyIdle()
    {
        if (IsActive)
            throw new InvalidOperationException($"This {GetType().Name} is still in flight; reuse it only after its callback.");
    }

    private protected void Begin(Handle handle)
    {
        System.Diagnostics.Debug.Assert(!IsActive, "VerifyIdle runs before the operation starts");
        Handle = handle;
        IsActive = true;
        handle.Loop.ActiveRequests++;
    }

    /// <summary>Lets go of the handle once idle (see <see cref="Request{TSelf}.Complete"/>).</summary>
    private protected void Forget() => Handle = null;

    /// <summary>Marks the request finished before its callback runs, so the callback may start it again.</summary>
    private protected void End()
    {
        IsActive = false;
        Handle!.Loop.ActiveRequests--;
    }
}

/// <summary>A request whose callback receives the request itself and its status.</summary>
/// <typeparam name="TSelf">The concrete request type.</typeparam>
public abstract class Request<TSelf> : Request where TSelf : Request<TSelf>, new()
{
    private Action<TSelf, int>? _callback;

    // Requests rented by the convenience overloads (Write(data), Shutdown(), Connect(endpoint)) go back to
    // this pool after their callback, so those overloads allocate nothing in the steady state.
    private static readonly Microsoft.Extensions.ObjectPool.ObjectPool<TSelf> s_pool =
        new Microsoft.Extensions.ObjectPool.DefaultObjectPool<TSelf>(new PoolPolicy(), PoolSize);

    // Enough for every request a busy loop has in flight at once, as a cache rather than a bound.
    private const int PoolSize = 1024;

    private bool _pooled;

    /// <summary>The next request in the handle's queue (waiting for the socket, or done and waiting for its callback).</summary>
    internal TSelf? Next;

    /// <summary>The status the request completed with, kept while it waits in the handle's done queue.</summary>
    internal int Result;

    /// <summary>Appends <paramref name="request"/> to the queue <paramref name="head"/>..<paramref name="tail"/>, linked through the requests so that queuing allocates nothing.</summary>
    internal static void Enqueue(ref TSelf? head, ref TSelf? tail, TSelf request)
    {
        request.Next = null;
        if (tail is null)
            head = request;
        else
            tail.Next = request;
        tail = request;
    }

    /// <summary>Takes the first request off a queue that is not empty.</summary>
    internal static TSelf Dequeue(ref TSelf? head, ref TSelf? tail)
    {
        TSelf request = head!;
        head = request.Next;
        request.Next = null; // off the queue, it must not keep the rest alive (from the pool, or its user's hands)
        if (head is null)
            tail = null;
        return request;
    }

    /// <summary>
    /// A request from the shared pool. Once started, it returns to the pool by itself after its callback
    /// (do not keep it); if the operation is refused, it goes back at once.
    /// </summary>
    public static TSelf Rent()
    {
        TSelf request = s_pool.Get();
        request._pooled = true;
        return request;
    }

    internal void Start(Handle handle, Action<TSelf, int>? callback)
    {
        Begin(handle);
        _callback = callback;
    }

    /// <summary>Runs the callback once; a pooled request returns to the pool after it.</summary>
    internal void Complete(int status)
    {
        var callback = _callback;
        _callback = null;
        End();
        try
        {
            callback?.Invoke((TSelf)this, status);
        }
        finally
        {
            // Idle again, unless the callback started it anew: it lets go of its stream, which would keep a closed
            // stream, its loop and the loop's read buffer alive (in the pool, for as long as the process runs).
            if (!IsActive)
            {
                Forget();
                ReturnToPool();
            }
        }
    }

    /// <summary>The operation was refused before it started: a rented request goes back to the pool; the status passes through.</summary>
    internal int Refuse(int status)
    {
        // Refused inside its own callback (it still has its stream then): Complete returns it once the callback is
        // done, not now, when another loop could rent it while this callback still runs.
        if (Handle is null)
            ReturnToPool();
        return status;
    }

    /// <summary>A rented request, idle, goes back to the pool holding no reference (its stream was let go when it finished).</summary>
    private void ReturnToPool()
    {
        System.Diagnostics.Debug.Assert(!IsActive && Handle is null, "only an idle request returns to the pool");
        if (_pooled)
        {
            _pooled = false;
            Data = null;
            s_pool.Return((TSelf)this);
        }
    }

    private sealed class PoolPolicy : Microsoft.Extensions.ObjectPool.IPooledObjectPolicy<TSelf>
    {
        public TSelf Create() => new();

        public bool Return(TSelf obj) => true;
    }
}

/// <summary>A connect in flight, as libuv's <c>uv_connect_t</c>.</summary>
public sealed class ConnectRequest : Request<ConnectRequest>
{
}

/// <summary>A half-close in flight, as libuv's <c>uv_shutdown_t</c>: it waits for queued writes, then shuts the writing side.</summary>
public sealed class ShutdownRequest : Request<ShutdownRequest>
{
}

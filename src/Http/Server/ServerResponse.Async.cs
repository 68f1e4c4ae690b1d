using System.Text;
using Uvnet.Net;

namespace Uvnet.Http.Server;

public sealed partial class ServerResponse
{
    /// <summary>
    /// Which use of this pooled object is current: odd from <see cref="Begin"/> to <see cref="Recycle"/>, even while it
    /// waits in the pool. A call from another thread captures it and the loop compares it before acting, so a call that
    /// reaches the loop after the response was answered and reused can never act on the next request's response.
    /// </summary>
    private int _use;

    /// <summary>The async writes waiting for <see cref="Drain"/> (one task for all of them: they wait for the same event).</summary>
    private TaskCompletionSource? _drainTask;

    /// <summary>The async end waiting for the response to be handed to the socket whole.</summary>
    private TaskCompletionSource? _finishTask;

    /// <summary>Whether the connection gave the response up before it finished (its Close was raised): nothing more of it is sent.</summary>
    private bool _abandoned;

    /// <summary>
    /// Writes <paramref name="data"/> as body, as <see cref="Write(ReadOnlySpan{byte}, Action{NetException?}?)"/>, from any thread. The task
    /// completes once the bytes are queued below the socket's high-water mark, or else at <see cref="Drain"/> (or when
    /// the response has been handed to the socket whole): awaiting each write honours backpressure.
    /// </summary>
    /// <remarks>
    /// On the loop's thread it acts at once. From another thread (an await that continued with
    /// <c>ConfigureAwait(false)</c>, a thread-pool callback) the call is posted to the loop, after the calls posted
    /// before it: as with <see cref="Stream.WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>, the memory must
    /// not change until the task completes. The task fails with what <see cref="Write(ReadOnlySpan{byte}, Action{NetException?}?)"/> throws
    /// (write after end, ERR_HTTP_CONTENT_LENGTH_MISMATCH; nothing written), with a <see cref="NetException"/>
    /// ERR_STREAM_DESTROYED when the connection is gone or gave the response up, and with
    /// <see cref="ObjectDisposedException"/> when the response is no longer in use (answered and left to the pool
    /// before the call reached the loop) or its loop has closed.
    /// </remarks>
    public Task WriteAsync(ReadOnlyMemory<byte> data) => OnLoop(data, end: false);

    /// <summary>Writes <paramref name="text"/> as UTF-8 body, from any thread; see <see cref="WriteAsync(ReadOnlyMemory{byte})"/>.</summary>
    public Task WriteAsync(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return WriteAsync(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>
    /// Finishes the response with <paramref name="data"/> as the last body bytes, as <see cref="End(ReadOnlySpan{byte}, Action{NetException?}?)"/>,
    /// from any thread. The task completes once the whole response has been handed to the socket (<see cref="Finish"/>).
    /// </summary>
    /// <remarks>
    /// Called on and off the loop's thread as <see cref="WriteAsync(ReadOnlyMemory{byte})"/>, and fails as it does,
    /// and also when the response had already ended: a second end is reported (ERR_STREAM_WRITE_AFTER_END with data,
    /// ERR_STREAM_ALREADY_FINISHED without) rather than ignored as <see cref="End(ReadOnlySpan{byte}, Action{NetException?}?)"/> ignores it, since
    /// its caller awaits a response that is not the one it meant to send. Fails with a <see cref="NetException"/>
    /// ERR_STREAM_DESTROYED when the connection closes before the response was handed over whole.
    /// </remarks>
    public Task EndAsync(ReadOnlyMemory<byte> data = default) => OnLoop(data, end: true);

    /// <summary>Finishes the response with <paramref name="text"/> as UTF-8, from any thread; see <see cref="EndAsync(ReadOnlyMemory{byte})"/>.</summary>
    public Task EndAsync(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return EndAsync(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Acts now on the loop's thread; from another, posts the call with the use it was made for.</summary>
    private Task OnLoop(ReadOnlyMemory<byte> data, bool end)
    {
        Loop loop = Connection.Server.Loop;
        if (loop.OwnerThreadId == Environment.CurrentManagedThreadId)
            return Act(_use, data, end);
        var call = new PostedCall(this, Volatile.Read(ref _use), data, end);
        if (!loop.TryPost(s_runPosted, call))
            call.SetException(new ObjectDisposedException(nameof(Loop), "The response's loop has closed: nothing more of it can be sent."));
        return call.Task;
    }

    private static readonly Action<PostedCall> s_runPosted = static call =>
    {
        Task task = call.Response.Act(call.Use, call.Data, call.End);
        if (task.IsCompleted)
            call.SetFromTask(task);
        else
            task.ContinueWith(static (t, c) => ((PostedCall)c!).SetFromTask(t), call, TaskContinuationOptions.ExecuteSynchronously);
    };

    /// <summary>A write or end on the loop, for the use <paramref name="use"/>: its task, or the task's failure, never an exception.</summary>
    private Task Act(int use, ReadOnlyMemory<byte> data, bool end)
    {
        try
        {
            if (use != _use || (use & 1) == 0)
                throw NoLongerInUse();
            if (WritableEnded)
            {
                // Reported through the task alone: Write's Error event is for callers that have no task to watch.
                throw new InvalidOperationException(end && data.IsEmpty
                    ? "Cannot call end after a stream was finished (ERR_STREAM_ALREADY_FINISHED)."
                    : "write after end (ERR_STREAM_WRITE_AFTER_END).");
            }
            if (_abandoned || Connection.Socket.Destroyed)
                throw Destroyed();
            if (end)
            {
                End(data.Span);
                return (_finishTask ??= NewCompletion()).Task;
            }
            return Write(data.Span) ? Task.CompletedTask : (_drainTask ??= NewCompletion()).Task;
        }
        catch (Exception e)
        {
            return Task.FromException(e);
        }
    }

    // Completed from inside the connection's own steps (Advance, a drain, a close): the awaiting code runs later, never
    // inside them (see HttpConnection).
    private static TaskCompletionSource NewCompletion() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static NetException Destroyed() =>
        new("ERR_STREAM_DESTROYED", "Cannot call write after a stream was destroyed: the connection closed before the response was sent.");

    private static ObjectDisposedException NoLongerInUse() => new(nameof(ServerResponse),
        "This response is no longer in use: it was answered and its handler let go, so the connection reuses it " +
        "for a later request. Call it only while the handler (or the task it returned) runs.");

    /// <summary>
    /// The connection, for the members: once recycled (and until the next request begins with it), a handler added
    /// through a stale reference would be raised for the next request's response, and a write's report would let go
    /// of a pair nobody holds.
    /// </summary>
    private HttpConnection Live => (_use & 1) != 0 ? Connection : throw NoLongerInUse();

    /// <summary>A new use begins (see <see cref="_use"/>).</summary>
    private void BeginUse()
    {
        Volatile.Write(ref _use, _use + 1);
        _abandoned = false;
    }

    /// <summary>The use ends: calls captured for it are refused from now on.</summary>
    private void EndUse() => Volatile.Write(ref _use, _use + 1);

    /// <summary>The socket drained: waiting writes complete.</summary>
    private void CompleteDrainTask()
    {
        TaskCompletionSource? drain = _drainTask;
        _drainTask = null;
        drain?.SetResult();
    }

    /// <summary>The response was handed to the socket whole: the end and any write still waiting complete.</summary>
    private void CompleteFinishTasks()
    {
        CompleteDrainTask();
        TaskCompletionSource? finish = _finishTask;
        _finishTask = null;
        finish?.SetResult();
    }

    /// <summary>The connection gave the response up: what waits for it fails.</summary>
    private void FailTasks()
    {
        _abandoned = true;
        TaskCompletionSource? drain = _drainTask, finish = _finishTask;
        _drainTask = _finishTask = null;
        drain?.SetException(Destroyed());
        finish?.SetException(Destroyed());
        FailCallbacks();
    }

    /// <summary>A call made off the loop's thread, with the use it was made for; it is its own task's source.</summary>
    private sealed class PostedCall(ServerResponse response, int use, ReadOnlyMemory<byte> data, bool end)
        : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        internal ServerResponse Response { get; } = response;

        internal int Use { get; } = use;

        internal ReadOnlyMemory<byte> Data { get; } = data;

        internal bool End { get; } = end;
    }
}

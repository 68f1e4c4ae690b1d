namespace Uvnet.Net;

public sealed partial class Socket
{
    // Bytes the async reader holds before reading pauses: a reader slower than the peer throttles the peer
    // through TCP instead of growing memory.
    private const int AsyncReadHighWaterMark = 64 * 1024;

    private TaskCompletionSource? _connectTask;
    private bool _asyncReading;
    private bool _readerPaused;
    private Queue<byte[]>? _chunks;
    private int _chunkOffset;
    private long _buffered;
    private TaskCompletionSource<int>? _pendingRead;
    private Memory<byte> _pendingReadBuffer;

    /// <summary>Connects as <see cref="Connect(int, string, Action?)"/>; the task completes once connected, or fails with the <see cref="NetException"/>.</summary>
    public Task ConnectAsync(int port, string host = "localhost")
    {
        var task = new TaskCompletionSource();
        Connect(port, host, null, task);
        return task.Task;
    }

    /// <summary>Connects to the Unix socket at <paramref name="path"/>; see <see cref="ConnectAsync(int, string)"/>.</summary>
    public Task ConnectAsync(string path)
    {
        var task = new TaskCompletionSource();
        Connect(path, null, task);
        return task.Task;
    }

    /// <summary>
    /// Writes <paramref name="data"/>; the task completes when the kernel has taken every byte, or fails with the
    /// error. Callable from any thread (see <see cref="ReadAsync"/>).
    /// </summary>
    public Task WriteAsync(ReadOnlyMemory<byte> data)
    {
        if (!Loop.IsLoopThread)
            return OnLoop(static s => s.socket.WriteAsync(s.data), (socket: this, data));
        var done = new TaskCompletionSource();
        Write(data, error =>
        {
            if (error is null)
                done.TrySetResult();
            else
                done.TrySetException(error);
        });
        return done.Task;
    }

    /// <summary>
    /// Reads the next bytes into <paramref name="buffer"/>: the count, or 0 once the peer has ended. Data that
    /// arrives before a read is asked for is kept (reading pauses past 64 KiB kept). Also raises <see cref="Data"/>
    /// for any handlers. Fails with the <see cref="NetException"/> if the socket fails, and with
    /// <see cref="ObjectDisposedException"/> if it was destroyed before the peer ended (what was read is then not the
    /// whole stream, so it is never reported as its end). One read at a time.
    /// </summary>
    /// <remarks>
    /// Callable from any thread: library code that awaits with <c>ConfigureAwait(false)</c> (Stream.CopyToAsync,
    /// StreamReader, SslStream) continues on the thread pool, so a call from off the loop thread is posted to
    /// the loop. Awaits that captured the loop's context resume on the loop thread.
    /// </remarks>
    public ValueTask<int> ReadAsync(Memory<byte> buffer)
    {
        if (!Loop.IsLoopThread)
            return new ValueTask<int>(OnLoop(static s => s.socket.ReadAsync(s.buffer).AsTask(), (socket: this, buffer)));
        if (_pendingRead is not null)
            throw new InvalidOperationException("A read is already pending on this socket.");
        _asyncReading = true;
        if (_chunks is { Count: > 0 })
            return ValueTask.FromResult(TakeBuffered(buffer.Span));
        if (_error is not null)
            return ValueTask.FromException<int>(_error);
        if (_readableEnded)
            return ValueTask.FromResult(0);
        if (_destroyed && !_connecting)
            return ValueTask.FromException<int>(DestroyedBeforeEnd());
        _pendingRead = new TaskCompletionSource<int>();
        _pendingReadBuffer = buffer;
        return new ValueTask<int>(_pendingRead.Task);
    }

    private Task OnLoop<TState>(Func<TState, Task> operation, TState state) =>
        OnLoop(s => Completed(operation(s)), state);

    private static async Task<bool> Completed(Task task)
    {
        await task.ConfigureAwait(false);
        return true;
    }

    /// <summary>Runs <paramref name="operation"/> on the loop thread and returns a task that follows the one it starts.</summary>
    private Task<TResult> OnLoop<TState, TResult>(Func<TState, Task<TResult>> operation, TState state)
    {
        var result = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        Loop.Post(static s =>
        {
            Task<TResult> task;
            try
            {
                task = s.operation(s.state);
            }
            catch (Exception e)
            {
                s.result.SetException(e);
                return;
            }
            task.ContinueWith(static (t, r) => ((TaskCompletionSource<TResult>)r!).SetFromTask(t), s.result, TaskContinuationOptions.ExecuteSynchronously);
        }, (operation, state, result));
        return result.Task;
    }

    private int TakeBuffered(Span<byte> destination)
    {
        int copied = 0;
        while (copied < destination.Length && _chunks!.TryPeek(out byte[]? chunk))
        {
            int n = Math.Min(chunk.Length - _chunkOffset, destination.Length - copied);
            chunk.AsSpan(_chunkOffset, n).CopyTo(destination[copied..]);
            copied += n;
            _chunkOffset += n;
            if (_chunkOffset == chunk.Length)
            {
                _chunks.Dequeue();
                _chunkOffset = 0;
            }
        }
        _buffered -= copied;
        if (_readerPaused && _buffered < AsyncReadHighWaterMark)
        {
            _readerPaused = false;
            StartReading();
        }
        return copied;
    }

    /// <summary>Hands read bytes (empty: EOF) to a pending read, or keeps a copy for the next one.</summary>
    private void DeliverToAsyncReader(ReadOnlySpan<byte> data)
    {
        if (!_asyncReading)
            return;
        TaskCompletionSource<int>? pending = _pendingRead;
        int taken = 0;
        if (pending is not null)
        {
            taken = Math.Min(data.Length, _pendingReadBuffer.Length);
            data[..taken].CopyTo(_pendingReadBuffer.Span);
            _pendingRead = null;
            _pendingReadBuffer = default;
        }
        // Keep the rest before completing the read: its continuation may run inline and read again.
        ReadOnlySpan<byte> rest = data[taken..];
        if (!rest.IsEmpty)
        {
            (_chunks ??= new Queue<byte[]>()).Enqueue(rest.ToArray());
            _buffered += rest.Length;
            if (_buffered >= AsyncReadHighWaterMark && !_readerPaused)
            {
                _readerPaused = true;
                _handle?.ReadStop();
            }
        }
        pending?.SetResult(taken);
    }

    private void CompleteConnectAsync(NetException? error)
    {
        var task = _connectTask;
        _connectTask = null;
        if (error is null)
            task?.TrySetResult();
        else
            task?.TrySetException(error);
    }

    /// <summary>
    /// The socket is going away: pending async operations end with its error. A read pending here has not seen the
    /// peer's end (that completes it), so it fails even without an error: 0 would pass a cut-off stream as whole.
    /// </summary>
    private void FailAsyncOperations()
    {
        CompleteConnectAsync(_error ?? new NetException(UvError.ECANCELED, "connect"));
        if (_pendingRead is { } pending)
        {
            _pendingRead = null;
            _pendingReadBuffer = default;
            pending.SetException((Exception?)_error ?? DestroyedBeforeEnd());
        }
    }

    private static ObjectDisposedException DestroyedBeforeEnd() =>
        new(nameof(Socket), "The socket was destroyed before the peer ended the stream: what was read is not all of it.");

    /// <summary>A <see cref="System.IO.Stream"/> over this socket, for StreamReader, SslStream and any Stream code.</summary>
    public Stream GetStream() => new SocketStream(this);
}

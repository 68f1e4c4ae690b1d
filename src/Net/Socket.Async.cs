using System.Buffers;

namespace Uvnet.Net;

public sealed partial class Socket
{
    // Bytes the async reader holds before reading pauses: a reader slower than the peer throttles the peer
    // through TCP instead of growing memory.
    private const int AsyncReadHighWaterMark = 64 * 1024;

    private static readonly AllocCallback s_onAlloc = static (stream, _) => ((Socket)stream.Owner!).OnAlloc();

    // Made by the first async call: a socket driven by its events alone (a server's connection) never carries it.
    private AsyncState? _async;
    private bool _asyncReading;
    private bool _readerPaused;
    private bool _readingIntoPending;
    private bool _flowing; // a handler came, or Resume: bytes nobody takes are dropped from then on (Node's readableFlowing)
    private bool _flushPosted; // a consumer came while bytes were kept: FlushKept hands them out
    private bool _endHeld; // the peer ended while bytes were kept for nobody: its end waits for them to be taken

    // Bytes read while no read was pending, at _kept[_keptStart.._keptEnd): copied out of the loop's shared buffer
    // into an array rented from the shared pool, sized to what is kept (at most twice), returned once read out, so an
    // idle connection holds none.
    private byte[]? _kept;
    private int _keptStart;
    private int _keptEnd;

    /// <summary>What only the async members use: their operations, and the read pending.</summary>
    private sealed class AsyncState
    {
        // One operation of each kind, reused (see SocketOperation).
        internal SocketOperation? ConnectOperation;
        internal SocketOperation? ReadOperation;
        internal SocketOperation? WriteOperation;

        internal SocketOperation? ConnectTask;
        internal SocketOperation? PendingRead;
        internal Memory<byte> PendingReadBuffer;
        internal CancellationTokenRegistration ReadCancellation;
    }

    private AsyncState Async => _async ??= new AsyncState();

    /// <summary>Whether the async members' state was made (a test's view of what an event-driven socket holds).</summary>
    internal bool HoldsAsyncState => _async is not null;

    private SocketOperation? PendingRead => _async?.PendingRead;

    /// <summary>
    /// Connects as <see cref="Connect(int, string, Action?)"/>; the task completes once connected, or fails with the
    /// <see cref="NetException"/>. Allocates nothing when the socket's previous connect task was awaited.
    /// </summary>
    public ValueTask ConnectAsync(int port, string host = "localhost")
    {
        // Refused off the loop before the async state is made: made there, it would race the loop thread's own.
        Loop.VerifyAccess();
        return Start(ref Async.ConnectOperation, static (socket, s, operation) => socket.Connect(s.port, s.host, null, operation), (port, host));
    }

    /// <summary>Connects to the Unix socket at <paramref name="path"/>; see <see cref="ConnectAsync(int, string)"/>.</summary>
    public ValueTask ConnectAsync(string path)
    {
        Loop.VerifyAccess(); // see ConnectAsync(int, string)
        return Start(ref Async.ConnectOperation, static (socket, p, operation) => socket.Connect(p, null, operation), path);
    }

    /// <summary>Claims an operation from <paramref name="slot"/> and starts it; a start that throws (a refused call) gives it back.</summary>
    private ValueTask Start<TState>(ref SocketOperation? slot, Action<Socket, TState, SocketOperation> start, TState state)
    {
        SocketOperation operation = SocketOperation.Claim(ref slot, Loop);
        try
        {
            start(this, state, operation);
        }
        catch
        {
            operation.Release(); // refused before it started: an operation in flight keeps its own
            throw;
        }
        return operation.Task;
    }

    /// <summary>
    /// Writes <paramref name="data"/>; the task completes when the kernel has taken every byte, or fails with the
    /// error. The memory must not change until then. Several writes may be in flight; on the loop thread, one at a
    /// time allocates nothing. Callable from any thread (see <see cref="ReadAsync(Memory{byte})"/>).
    /// </summary>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> data)
    {
        if (!SocketOperation.IsOwnerThread(Loop))
            return new ValueTask(OnLoop(static s => s.socket.WriteAsync(s.data), (socket: this, data)));
        return Start(ref Async.WriteOperation, static (socket, d, operation) => socket.Write(d, operation.Callback), data);
    }

    /// <summary>
    /// Reads the next bytes into <paramref name="buffer"/>: the count, or 0 once the peer has ended (and on every read
    /// after). While a read waits, the socket reads straight into its buffer; from the first read on, data that
    /// arrives while none waits is kept for the next (reading pauses past 64 KiB kept), and so are bytes that arrive
    /// before the first read while nobody consumes them (no <see cref="Data"/> or <see cref="Text"/> handler, no pipe,
    /// no <see cref="Resume"/>), with the peer's end: a read that comes late still gets every byte, then 0. Also raises <see cref="Data"/> for any handlers. Fails with the
    /// <see cref="NetException"/> if the socket fails, and with <see cref="ObjectDisposedException"/> if it was
    /// destroyed before the peer ended (what was read is then not the whole stream, so it is never reported as its
    /// end). One read at a time; on the loop thread it allocates nothing.
    /// </summary>
    /// <remarks>
    /// <para>An empty <paramref name="buffer"/> waits for data without taking any (the zero-byte read of SslStream and
    /// System.IO.Pipelines): it completes with 0 once bytes can be read (or the peer ended), and the bytes stay where
    /// they are (kept, or in the kernel) for the next read.</para>
    /// <para>Callable from any thread: library code that awaits with <c>ConfigureAwait(false)</c> (Stream.CopyToAsync,
    /// StreamReader, SslStream) continues on the thread pool, so a call from off the loop thread is posted to
    /// the loop. Awaits on the loop thread resume there, inline when the read completes (as a <see cref="Data"/>
    /// handler runs), never inside the call that completed it (a <see cref="Destroy"/> fails a pending read from the
    /// close callback that follows).</para>
    /// </remarks>
    public ValueTask<int> ReadAsync(Memory<byte> buffer) => ReadAsync(buffer, default);

    /// <summary>
    /// <see cref="ReadAsync(Memory{byte})"/> that <paramref name="cancellationToken"/> cancels (SocketStream's): a read
    /// cancelled while it waits completes with <see cref="OperationCanceledException"/>, and nothing is read into its
    /// buffer from then on (the bytes that come next are kept for the next read).
    /// </summary>
    internal ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (!SocketOperation.IsOwnerThread(Loop))
        {
            return new ValueTask<int>(OnLoop(
                static s => s.socket.ReadAsync(s.buffer, s.cancellationToken), (socket: this, buffer, cancellationToken)));
        }
        if (PendingRead is not null)
            throw new InvalidOperationException("A read is already pending on this socket.");
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<int>(cancellationToken);
        _asyncReading = true;
        if (_keptEnd > _keptStart)
        {
            int count = TakeKept(buffer.Span);
            if (_endHeld && _keptEnd == _keptStart)
                Loop.Post(static s => s.ReleaseHeldEnd(), this); // an event, so not inside this call
            return ValueTask.FromResult(count);
        }
        if (_error is not null)
            return ValueTask.FromException<int>(_error);
        if (_readableEnded && (!_endHeld || _destroyed))
            return ValueTask.FromResult(0); // a held end waits: the kept bytes may be on their way to a late Data handler, then to this read
        if (_destroyed && !_connecting)
            return ValueTask.FromException<int>(DestroyedBeforeEnd());
        AsyncState state = Async;
        SocketOperation read = state.PendingRead = SocketOperation.Claim(ref state.ReadOperation, Loop);
        state.PendingReadBuffer = buffer;
        if (cancellationToken.CanBeCanceled)
        {
            state.ReadCancellation = cancellationToken.UnsafeRegister(
                static (s, token) =>
                {
                    var (socket, read, version) = ((Socket, SocketOperation, short))s!;
                    socket.PostCancelRead(read, version, token);
                },
                (this, read, read.Version));
        }
        if (_readerPaused)
        {
            // Nothing is kept, so the pause was a zero-byte read's: the bytes it saw are wanted now.
            _readerPaused = false;
            StartReading();
        }
        return read.TaskOfInt;
    }

    /// <summary>
    /// The token of a pending read was cancelled (on any thread): the loop completes that read, if it still waits
    /// (it may have completed, and its operation carry another read, by the time this runs).
    /// </summary>
    private void PostCancelRead(SocketOperation read, short version, CancellationToken token)
    {
        try
        {
            Loop.Post(static s =>
            {
                if (s.socket.PendingRead != s.read || s.read.Version != s.version)
                    return;
                s.socket.TakePendingRead(); // no longer the buffer reads go to
                s.read.Complete(new OperationCanceledException(s.token));
            }, (socket: this, read, version, token));
        }
        catch (ObjectDisposedException)
        {
            // The loop closed, after its sockets did: the read was failed when this one closed.
        }
    }

    private Task OnLoop<TState>(Func<TState, ValueTask> operation, TState state) =>
        OnLoop(s => Completed(operation(s)), state);

    private static async ValueTask<bool> Completed(ValueTask task)
    {
        await task.ConfigureAwait(false);
        return true;
    }

    /// <summary>Runs <paramref name="operation"/> on the loop thread and returns a task that follows the one it starts.</summary>
    private Task<TResult> OnLoop<TState, TResult>(Func<TState, ValueTask<TResult>> operation, TState state)
    {
        var result = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        Loop.Post(static s =>
        {
            Task<TResult> task;
            try
            {
                task = s.operation(s.state).AsTask();
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

    /// <summary>
    /// Chooses the buffer of the next read: the pending read's, so the bytes land where the reader wants them (empty
    /// for a zero-byte read: nothing is read and the read callback gets ENOBUFS), else the loop's shared buffer.
    /// </summary>
    private Memory<byte> OnAlloc()
    {
        // Nothing is kept then: kept bytes complete a read at once. Under a transform the handle reads what the
        // transform decodes, which is not the reader's bytes: those reach it through Keep. So under a preamble reader.
        _readingIntoPending = _async is { PendingRead: not null } && _transform is null && _preamble is null;
        return _readingIntoPending ? _async!.PendingReadBuffer : Loop.SharedReadBuffer;
    }

    /// <summary>
    /// Keeps <paramref name="data"/> for the async reader, or for whoever consumes it first (see
    /// <see cref="HoldsReads"/>), hands what is kept to a pending read (one a Data handler started), and pauses
    /// reading past the high-water mark.
    /// </summary>
    private void Keep(ReadOnlySpan<byte> data)
    {
        int kept = _keptEnd - _keptStart;
        if (_kept is null || _kept.Length - _keptEnd < data.Length)
        {
            // Moved to the front of the array when they fit there, else to one twice as large (the pool's sizes).
            byte[] target = _kept is not null && _kept.Length - kept >= data.Length ? _kept : ArrayPool<byte>.Shared.Rent(kept + data.Length);
            _kept.AsSpan(_keptStart, kept).CopyTo(target);
            if (_kept is not null && target != _kept)
                ArrayPool<byte>.Shared.Return(_kept);
            _kept = target;
            _keptStart = 0;
            _keptEnd = kept;
        }
        data.CopyTo(_kept.AsSpan(_keptEnd));
        _keptEnd += data.Length;
        if (_async is { PendingRead: not null } state)
            CompletePendingRead(TakeKept(state.PendingReadBuffer.Span));
        if (_keptEnd - _keptStart >= AsyncReadHighWaterMark && !_readerPaused)
        {
            _readerPaused = true;
            _handle?.ReadStop();
        }
    }

    /// <summary>
    /// Whether bytes read now are kept rather than handed out: nobody consumed any yet (no <see cref="Data"/> or
    /// <see cref="Text"/> handler came, no pipe, no <see cref="ReadAsync(Memory{byte})"/>, no <see cref="Resume"/>),
    /// as Node's paused mode buffers them; or a consumer came and the kept bytes it gets first are not handed out yet.
    /// </summary>
    private bool HoldsReads => (_flushPosted && _keptEnd > _keptStart) || !(_asyncReading || _flowing);

    /// <summary>
    /// A consumer came (a handler, a Resume): the socket flows from now on unless paused (as Node's on('data') resumes
    /// a stream not explicitly paused; a handler removed later leaves it flowing), and bytes kept for nobody go out
    /// first, from a loop callback. Once an async reader has started, what is kept is its own (the handlers there had
    /// it as it arrived): nothing is replayed.
    /// </summary>
    private void OnConsumerAdded()
    {
        if (!_paused)
            _flowing = true;
        if (!_asyncReading && (_keptEnd > _keptStart || _endHeld) && !_flushPosted)
        {
            _flushPosted = true;
            Loop.Post(static s => s.FlushKept(), this);
        }
    }

    /// <summary>
    /// Hands bytes kept for nobody to the consumers that came since (the async reader keeps them for itself as
    /// well), then resumes reading and raises the peer's end if it was held.
    /// </summary>
    private void FlushKept()
    {
        _flushPosted = false;
        if (_paused || _destroyed || HoldsReads)
            return; // paused again, gone (kept for a late ReadAsync), or its consumer left already
        if (_keptEnd == _keptStart)
        {
            ReleaseHeldEnd();
            return;
        }
        // Taken out of the store first: a handler may read (ReadAsync), and Emit keeps them again for it.
        byte[] kept = _kept!;
        int start = _keptStart;
        int end = _keptEnd;
        _kept = null;
        _keptStart = _keptEnd = 0;
        try
        {
            Emit(kept.AsSpan(start, end - start), inPendingRead: false);
        }
        finally
        {
            // Even when a handler threw: reading must not stay paused, nor the end stay held, for good.
            ArrayPool<byte>.Shared.Return(kept);
            if (_readerPaused && _keptEnd - _keptStart < AsyncReadHighWaterMark)
            {
                _readerPaused = false;
                StartReading();
            }
            if (_endHeld)
                Loop.Post(static s => s.ReleaseHeldEnd(), this); // its own event, after the data's
        }
    }

    /// <summary>Raises the peer's end held while bytes were kept for nobody, now that they were taken.</summary>
    private void ReleaseHeldEnd()
    {
        if (!_endHeld || _destroyed)
            return;
        _endHeld = false;
        OnPeerEnded();
    }

    /// <summary>
    /// A zero-byte read waits and the socket is readable: it completes, and reading stops until a read with a
    /// buffer comes, so the bytes stay in the kernel (where TCP throttles the peer) instead of being copied.
    /// </summary>
    private void OnReadable()
    {
        _readerPaused = true;
        _handle!.ReadStop();
        CompletePendingRead(0);
    }

    /// <summary>Completes the pending read with <paramref name="count"/> (0 for the peer's end, or for a zero-byte read).</summary>
    private void CompletePendingRead(int count) => TakePendingRead()?.Complete(count);

    /// <summary>The pending read, no longer pending: cleared before it completes, as its continuation may run inline and read again.</summary>
    private SocketOperation? TakePendingRead()
    {
        if (_async is not { } state)
            return null;
        SocketOperation? read = state.PendingRead;
        state.PendingRead = null;
        state.PendingReadBuffer = default;
        state.ReadCancellation.Unregister();
        state.ReadCancellation = default;
        return read;
    }

    /// <summary>Copies kept bytes into <paramref name="destination"/> (nothing for a zero-byte read); resumes reading below the high-water mark.</summary>
    private int TakeKept(Span<byte> destination)
    {
        int count = Math.Min(destination.Length, _keptEnd - _keptStart);
        _kept.AsSpan(_keptStart, count).CopyTo(destination);
        _keptStart += count;
        if (_keptStart == _keptEnd)
            DropKept();
        if (_readerPaused && _keptEnd - _keptStart < AsyncReadHighWaterMark)
        {
            _readerPaused = false;
            StartReading();
        }
        return count;
    }

    /// <summary>Gives the kept array back to the pool (read out, or left by a connection that is over).</summary>
    private void DropKept()
    {
        if (_kept is not null)
            ArrayPool<byte>.Shared.Return(_kept);
        _kept = null;
        _keptStart = 0;
        _keptEnd = 0;
    }

    private void CompleteConnectAsync(NetException? error) => TakeConnectTask()?.Complete(error);

    private SocketOperation? TakeConnectTask()
    {
        if (_async is not { } state)
            return null;
        var task = state.ConnectTask;
        state.ConnectTask = null;
        return task;
    }

    /// <summary>
    /// The socket has closed: the async operations that were pending (<paramref name="connect"/>,
    /// <paramref name="read"/>) end with its <paramref name="error"/>. A read pending here has not seen the peer's end
    /// (that completes it), so it fails even without an error: 0 would pass a cut-off stream as whole. Called from the
    /// close callback, not from <see cref="Destroy"/>: a continuation that runs inline then runs in a loop callback,
    /// as an event handler, never inside the user's call.
    /// </summary>
    private static void FailAsyncOperations(SocketOperation? connect, SocketOperation? read, NetException? error)
    {
        try
        {
            connect?.Complete(error ?? new NetException(UvError.ECANCELED, "connect"));
        }
        finally
        {
            // Even when the connect's continuation threw: the reader would wait forever.
            read?.Complete((Exception?)error ?? DestroyedBeforeEnd());
        }
    }

    private static ObjectDisposedException DestroyedBeforeEnd() =>
        new(nameof(Socket), "The socket was destroyed before the peer ended the stream: what was read is not all of it.");

    /// <summary>A <see cref="System.IO.Stream"/> over this socket, for StreamReader, SslStream and any Stream code.</summary>
    public Stream GetStream() => new SocketStream(this);
}

using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Uvnet.Net;

public sealed partial class Socket
{
    private static readonly Action<WriteRequest, int> s_onWritten = static (request, status) =>
        ((Socket)request.Stream!.Owner!).OnWritten(status, request.Data);

    private static readonly Action<ShutdownRequest, int> s_onShutdown = static (request, status) =>
        ((Socket)request.Stream!.Owner!).OnShutdown(status);

    // Writes held back while connecting or corked, sent together (one writev) when both are over. Two lists
    // rather than one of pairs: the data list is handed to the handle as a span, without a copy.
    private List<ReadOnlyMemory<byte>>? _pendingData;
    private List<object?>? _pendingCallbacks; // each a callback, a WriteCompletion or null
    private long _pendingBytes;
    private int _corked;
    // Bytes handed to the current handle: with its BytesSent, what the kernel has not taken yet (libuv's
    // write_queue_size), which falls as the kernel takes bytes rather than when callbacks run.
    private long _handedBytes;
    // Handle writes whose callbacks have not run: Drain waits for the last, as Node's afterWrite.
    private int _writesInFlight;
    private bool _needDrain;
    private bool _destroySoon;
    private Action? _endCallback;
    // The callback of a write after end, run first when the socket it destroyed closes (before Error, as Node).
    private Action<NetException?>? _refusedWriteCallback;

    /// <summary>The buffered byte count past which writes return false.</summary>
    public int WritableHighWaterMark => _options.WritableHighWaterMark;

    /// <summary>
    /// Bytes written but not yet taken by the kernel (Node's <c>writableLength</c>): those held while connecting or
    /// corked, and those queued on the handle (libuv's <c>write_queue_size</c>). A write the kernel takes at once
    /// never counts; 0 once destroyed. Bytes written on <see cref="Handle"/> directly are not the socket's: they
    /// upset this count.
    /// </summary>
    public long WritableLength => _destroyed ? 0
        : _pendingBytes + (_transform is { } transform ? transform.WriteQueueSize : _handle is { } handle ? _handedBytes - handle.BytesSent : 0);

    /// <summary>
    /// Whether a write returned false (or the queue reached <see cref="WritableHighWaterMark"/> when writes held by
    /// <see cref="Cork"/> or a transform such as TLS's left) and <see cref="Drain"/> has not been raised yet; false once
    /// ended or destroyed, as Node's <c>writableNeedDrain</c> (no Drain comes then).
    /// </summary>
    public bool WritableNeedDrain => _needDrain && !_writableEnded && !_destroyed;

    /// <summary>
    /// Run before the socket writes, sends a file or ends (by whoever calls it), for the layer built on the socket (see
    /// <see cref="Owner"/>): it may write what it holds back, which then leaves first, in call order as in Node. The
    /// layer's own write finds nothing held back (it took its bytes before writing them).
    /// </summary>
    internal Action<Socket>? BeforeOutput { get; set; }

    /// <summary>Whether <see cref="End(ReadOnlyMemory{byte}, Action?)"/> was called.</summary>
    public bool WritableEnded => _writableEnded;

    /// <summary>Whether our side has ended and every write was flushed (Node's <c>writableFinished</c>): <see cref="Finish"/> was raised.</summary>
    public bool WritableFinished => _finished;

    /// <summary>How many <see cref="Cork"/> calls wait for their <see cref="Uncork"/> (Node's <c>writableCorked</c>).</summary>
    public int WritableCorked => _corked;

    /// <summary>
    /// Whether writes are accepted (Node's <c>writable</c>): true from creation (writes before the connection are
    /// buffered) until <see cref="End(ReadOnlyMemory{byte}, Action?)"/> or destroy.
    /// </summary>
    public bool Writable => !_destroyed && !_writableEnded;

    /// <summary>
    /// Queues <paramref name="data"/> for writing, without copying: the memory must not change until
    /// <paramref name="callback"/> runs (with null, or the error). Returns false, as Node, when the bytes not yet
    /// taken by the kernel, this write's included, reach <see cref="WritableHighWaterMark"/> (so a single write of
    /// that size returns false), or when what the write queued does (under TLS, records larger than the bytes given):
    /// stop writing until <see cref="Drain"/>. Writes the kernel takes at once count nothing afterwards, however many
    /// a loop turn makes.
    /// Writing after <see cref="End(ReadOnlyMemory{byte}, Action?)"/> is an error, as in Node: nothing is written, the
    /// socket is destroyed at once, and the callback gets ERR_STREAM_WRITE_AFTER_END (EPIPE once the peer has ended
    /// too and the socket is not half-open: "This socket has been ended by the other party") before
    /// <see cref="Error"/> and <see cref="Closed"/>. After destroy, the callback gets ERR_STREAM_DESTROYED and no event
    /// is raised. A write buffered while connecting that the socket's destroy cuts gets
    /// ERR_SOCKET_CLOSED_BEFORE_CONNECTION; one held by <see cref="Cork"/>, the destroy's error or ERR_STREAM_DESTROYED.
    /// </summary>
    public bool Write(ReadOnlyMemory<byte> data, Action<NetException?>? callback = null)
    {
        Loop.VerifyAccess();
        if (_destroyed)
        {
            Loop.Post(static cb => cb?.Invoke(StreamDestroyed()), callback);
            return false;
        }
        if (_writableEnded)
        {
            RefuseWriteAfterEnd(callback);
            return false;
        }
        if (BeforeOutput is { } before)
        {
            // What the layer above holds back (the HTTP server's batch of pipelined responses) goes first, as in Node,
            // where it would have been written already: a user's write to the socket follows it.
            before(this);
            if (_destroyed)
            {
                Loop.Post(static cb => cb?.Invoke(StreamDestroyed()), callback);
                return false;
            }
        }
        return WriteCore(data, callback);
    }

    /// <summary>
    /// The write of the layer built on the socket (see <see cref="Owner"/>) of what it held back: the socket is open and
    /// not ended (the layer checked), and <see cref="BeforeOutput"/> would find nothing to hand over, so it is skipped.
    /// </summary>
    internal bool WriteHeldBack(ReadOnlyMemory<byte> data, WriteCompletion completion) => WriteCore(data, completion);

    /// <summary>
    /// Whether nothing reads the memory of the writes made so far again, though their completions may be still to
    /// come: the socket holds none back and the kernel has taken every byte (<see cref="WritableLength"/> is 0). With
    /// readiness-based I/O the kernel copies what it takes during the call and keeps no pointer, and the TLS transform
    /// encrypts what it does not hold back at once, so a write taken whole leaves its memory free when the call returns
    /// (a completion-based backend would count its bytes taken only at their completion). A layer built on the socket
    /// reuses its output arrays then, instead of holding one per connection until the next turn's completions.
    /// </summary>
    internal bool AllWrittenTaken => WritableLength == 0;

    /// <param name="data">The bytes.</param>
    /// <param name="callback">A callback, a <see cref="WriteCompletion"/> or null.</param>
    private bool WriteCore(ReadOnlyMemory<byte> data, object? callback)
    {
        if (data.IsEmpty && callback is null)
            return !_needDrain;
        BytesWritten += data.Length;
        RestartTimer();
        long counted = WritableLength + data.Length; // counted before the kernel is offered the bytes, as Node
        if (_corked > 0 || _connecting || _handle is null
            || !WriteToHandle(new ReadOnlySpan<ReadOnlyMemory<byte>>(in data), data.Length, callback))
        {
            (_pendingData ??= []).Add(data);
            (_pendingCallbacks ??= []).Add(callback);
            _pendingBytes += data.Length;
        }
        // Node's write returns false for a stream it destroyed, to break a while (write(...)) loop.
        return BelowHighWaterMark(counted) && !_destroyed;
    }

    /// <summary>
    /// Sends <paramref name="count"/> bytes of <paramref name="file"/> from <paramref name="offset"/> with sendfile(2)
    /// (no copy through user space), in order with other writes; backpressure and callback as
    /// <see cref="Write(ReadOnlyMemory{byte}, Action{NetException?}?)"/>. The socket must be connected. A file is not
    /// held by <see cref="Cork"/>: what the cork holds is sent first. Linux only: elsewhere the callback gets ENOTSUP.
    /// Under TLS the file is read and encrypted a chunk at a time on the loop thread instead (no sendfile).
    /// </summary>
    public bool SendFile(Microsoft.Win32.SafeHandles.SafeFileHandle file, long offset, long count, Action<NetException?>? callback = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ObjectDisposedException.ThrowIf(file.IsClosed, file); // checked before the cork's writes go (below)
        Loop.VerifyAccess();
        if (_destroyed || _writableEnded || _connecting || _handle is null)
        {
            Loop.Post(static cb => cb?.Invoke(new NetException("ERR_SOCKET_CLOSED", "The socket is not open for writing")), callback);
            return false;
        }
        BeforeOutput?.Invoke(this); // as for Write
        // A file cannot wait in the cork's list: what the cork holds goes first, so the bytes keep their order.
        int corked = _corked;
        _corked = 0;
        FlushPendingWrites();
        _corked = corked;
        if (_destroyed)
        {
            Loop.Post(static cb => cb?.Invoke(StreamDestroyed()), callback);
            return false;
        }
        long counted = WritableLength + count;
        // The handle (or the transform) checks the arguments and the file before it queues anything: the socket
        // counts and restarts its timer only for a send that started.
        int status;
        if (_transform is { } transform)
            status = transform.SendFile(file, offset, count, callback); // sendfile(2) would pass the transform by
        else
        {
            var request = WriteRequest.Rent();
            request.Data = callback;
            status = _handle.SendFile(request, file, offset, count, s_onWritten);
        }
        if (status < 0)
        {
            Loop.Post(static s => s.callback?.Invoke(new NetException(s.status, "sendfile")), (callback, status));
            return false;
        }
        _handedBytes += count;
        _writesInFlight++;
        BytesWritten += count;
        RestartTimer();
        return BelowHighWaterMark(counted);
    }

    /// <summary>Writes <paramref name="text"/> encoded as UTF-8.</summary>
    public bool Write(string text, Action<NetException?>? callback = null) =>
        Write(Encoding.UTF8.GetBytes(text), callback);

    /// <summary>
    /// Holds every write until the matching <see cref="Uncork"/>, as Node's <c>writable.cork()</c>: then they leave
    /// together, in one writev. Corks nest: each needs its uncork. <see cref="End(ReadOnlyMemory{byte}, Action?)"/>
    /// uncorks them all.
    /// </summary>
    public void Cork()
    {
        Loop.VerifyAccess();
        _corked++;
    }

    /// <summary>Undoes one <see cref="Cork"/>; the last sends what they held. Without a cork it does nothing, as Node.</summary>
    public void Uncork()
    {
        Loop.VerifyAccess();
        if (_corked == 0)
            return;
        if (--_corked == 0)
            FlushPendingWrites();
    }

    /// <summary>
    /// Ends our side, as Node's <c>socket.end(data)</c>: writes <paramref name="data"/> if any, sends what
    /// <see cref="Cork"/> held, then half-closes once everything is flushed (<see cref="Finish"/>, then
    /// <paramref name="callback"/>). The socket closes when the peer has ended too (or at once, without
    /// <see cref="SocketOptions.AllowHalfOpen"/>, when it already had). Again on an ended socket, as Node: data is a
    /// write after end; <paramref name="callback"/> alone runs after <see cref="Finish"/> (at once if it was raised).
    /// A socket destroyed before <see cref="Finish"/> never runs it (Node calls it with the error).
    /// </summary>
    public void End(ReadOnlyMemory<byte> data = default, Action? callback = null)
    {
        Loop.VerifyAccess();
        if (_destroyed)
            return;
        if (_writableEnded)
        {
            if (!data.IsEmpty)
            {
                Write(data); // as Node's end(data) after end: a write after end, which destroys the socket
                return;
            }
            // As Node's end(cb) on a stream already ending: the callback waits for Finish (or follows it at once).
            if (callback is not null && _finished)
                Loop.Post(static cb => cb(), callback);
            else
                _endCallback += callback;
            return;
        }
        // Node's end() comes after the writes the layers above made: one that holds bytes back to send a batch in one
        // write (the HTTP server's pipelined responses) hands them over first, or they would be lost behind the FIN.
        BeforeOutput?.Invoke(this);
        if (_destroyed)
            return;
        if (!data.IsEmpty)
            Write(data);
        _writableEnded = true;
        _endCallback = callback;
        _corked = 0; // as Node's end(): a corked stream is uncorked
        FlushPendingWrites();
        if (!_connecting && _handle is not null && !_destroyed)
            ShutdownWhenFlushed();
    }

    /// <summary>Ends our side with no more data, as Node's <c>socket.end(callback)</c>: <paramref name="callback"/> runs after <see cref="Finish"/>.</summary>
    public void End(Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        End(ReadOnlyMemory<byte>.Empty, callback);
    }

    /// <summary>Ends our side after writing <paramref name="text"/> encoded as UTF-8, as Node's <c>socket.end(string)</c>.</summary>
    public void End(string text, Action? callback = null) => End(text, Encoding.UTF8, callback);

    /// <summary>Ends our side after writing <paramref name="text"/> in <paramref name="encoding"/>, as Node's <c>socket.end(data, encoding)</c>.</summary>
    public void End(string text, Encoding encoding, Action? callback = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(encoding);
        Loop.VerifyAccess();
        End(encoding.GetBytes(text), callback);
    }

    /// <summary>
    /// Ends our side and destroys the socket once every write is flushed (<see cref="Finish"/>), as Node's
    /// <c>socket.destroySoon()</c>; at once if that already happened or the socket never connected.
    /// </summary>
    public void DestroySoon()
    {
        Loop.VerifyAccess();
        if (_destroyed)
            return;
        End();
        if (_finished || (_handle is null && !_connecting))
            Destroy();
        else
            _destroySoon = true;
    }

    /// <summary>
    /// Whether a write that <paramref name="counted"/> the queue with its bytes, before offering them, left it below
    /// the mark; Drain is owed when not. The larger of that count and the queue now decides: the count is Node's
    /// (bytes the kernel took at once still count for this write), and a transform may have queued more than it was
    /// given (TLS's record headers and tags), which a writer that waits for Drain whenever the queue is at the mark
    /// (HTTP/2, HTTP/1.1) must be owed, or it would wait forever.
    /// </summary>
    private bool BelowHighWaterMark(long counted)
    {
        bool below = Math.Max(counted, WritableLength) < WritableHighWaterMark;
        if (!below)
            _needDrain = true;
        return below;
    }

    /// <summary>Drain is owed when bytes queued without a write's count (released by an uncork or by the transform) reached the mark.</summary>
    private void OweDrainIfFull()
    {
        if (WritableLength >= WritableHighWaterMark)
            _needDrain = true;
    }

    /// <summary>
    /// The transform queued bytes on its own (writes it held, its own records): as after a write, Drain is owed when
    /// they brought the queue to the mark.
    /// </summary>
    internal void OnTransformQueued() => OweDrainIfFull();

    /// <summary>A handle write of the transform's own (no socket write's) completed: the Drain owed may be due now.</summary>
    internal void OnTransformWritten() => RaiseDrainIfDrained();

    /// <summary>
    /// Raises the Drain owed once the kernel took everything and the last write's callback ran, as Node's afterWrite;
    /// not once ended (nothing may be written then).
    /// </summary>
    private void RaiseDrainIfDrained()
    {
        if (_needDrain && _writesInFlight == 0 && WritableLength == 0 && !_destroyed && !_writableEnded)
        {
            _needDrain = false;
            Drain?.Invoke(this);
        }
    }

    private void RefuseWriteAfterEnd(Action<NetException?>? callback)
    {
        // Node's writeAfterFIN: once the peer's end has ended a socket that is not half-open, the error names the peer.
        var error = _readableEnded && !_options.AllowHalfOpen
            ? new NetException("EPIPE", "This socket has been ended by the other party")
            : new NetException("ERR_STREAM_WRITE_AFTER_END", "write after end");
        _refusedWriteCallback = callback;
        Destroy(error);
    }

    private static NetException StreamDestroyed() => new("ERR_STREAM_DESTROYED", "Cannot call write after a stream was destroyed");

    /// <summary>
    /// Hands <paramref name="buffers"/> to the handle as one request; <paramref name="callbacks"/> is one callback, an
    /// array of them, or null. False when the handle refused them because an earlier write failed (EPIPE) whose
    /// callback is still to come: that callback destroys the socket with the cause (ECONNRESET...), so the caller
    /// keeps these, and the close fails them with that cause, as Node's errorBuffer (an EPIPE here would hide it).
    /// </summary>
    private bool WriteToHandle(ReadOnlySpan<ReadOnlyMemory<byte>> buffers, long bytes, object? callbacks)
    {
        int status;
        if (_transform is { } transform)
            status = transform.Write(buffers, callbacks);
        else
        {
            var request = WriteRequest.Rent();
            request.Data = callbacks;
            status = _handle!.Write(request, buffers, s_onWritten);
            if (status < 0)
                request.Data = null;
        }
        if (status < 0)
        {
            if (status == UvError.EPIPE && _writesInFlight > 0)
                return false;
            var error = new NetException(status, "write");
            Fail(error);
            if (callbacks is not null)
                Loop.Post(static s => Complete(s.callbacks, s.error), (callbacks, error));
            return true;
        }
        _handedBytes += bytes;
        _writesInFlight++;
        return true;
    }

    /// <summary>
    /// Sends the writes held while connecting, as Node: the first on its own, the others together behind it. The
    /// first's callback then runs once its bytes are sent, not once the last held write's are (an End's data the peer
    /// is slow to read): in Node the first write waits for the connect and the stream buffers the rest behind it.
    /// </summary>
    private void FlushWritesHeldWhileConnecting()
    {
        if (_pendingData is { Count: > 1 } data && _corked == 0 && !_destroyed && _handle is not null)
        {
            ReadOnlyMemory<byte> first = data[0];
            if (!WriteToHandle(new ReadOnlySpan<ReadOnlyMemory<byte>>(in first), first.Length, _pendingCallbacks![0]))
                return; // kept for the close, which fails them with the cause
            data.RemoveAt(0);
            _pendingCallbacks.RemoveAt(0);
            _pendingBytes -= first.Length;
        }
        FlushPendingWrites();
    }

    /// <summary>Sends the writes held while connecting or corked, in one request, once neither holds them.</summary>
    private void FlushPendingWrites()
    {
        if (_pendingData is not { Count: > 0 } data || _corked > 0 || _connecting || _destroyed || _handle is null)
            return;
        List<object?> callbacks = _pendingCallbacks!;
        object? state = callbacks.Count == 1 ? callbacks[0]
            : callbacks.Exists(static c => c is not null) ? callbacks.ToArray()
            : null;
        if (!WriteToHandle(CollectionsMarshal.AsSpan(data), _pendingBytes, state)) // the request copies the list of buffers
            return; // kept for the close, which fails them with the cause
        _pendingBytes = 0;
        data.Clear();
        callbacks.Clear();
        OweDrainIfFull(); // each write counted them as given: a transform may have queued more
    }

    // Inlined at each write's completion: a single callback (every write but a corked batch) is called directly.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Complete(object? callbacks, NetException? error)
    {
        if (callbacks is Action<NetException?> callback)
            callback(error);
        else if (callbacks is WriteCompletion completion)
            completion.OnWriteDone(error);
        else if (callbacks is object?[] batch)
            CompleteBatch(batch, error);
    }

    private static void CompleteBatch(object?[] batch, NetException? error)
    {
        // Each write of a batch has its own callback: one that throws must not cost the others theirs (a WriteAsync
        // would wait forever). The first exception leaves afterwards, as a throwing callback does.
        ExceptionDispatchInfo? thrown = null;
        foreach (var each in batch)
        {
            try
            {
                Complete(each, error); // never an array: a batch holds single callbacks
            }
            catch (Exception e)
            {
                thrown ??= ExceptionDispatchInfo.Capture(e);
            }
        }
        thrown?.Throw();
    }

    /// <summary>The completion of a write <see cref="SocketTransform.Write"/> took: as a handle write's callback.</summary>
    internal void CompleteWrite(int status, object? callbacks) => OnWritten(status, callbacks);

    private void OnWritten(int status, object? callbacks)
    {
        _writesInFlight--;
        if (status < 0)
        {
            var error = new NetException(status, "write");
            // Destroyed before the callback runs (Error and Closed follow later), so a callback that throws cannot
            // leave a failed socket open.
            if (status != UvError.ECANCELED)
                Fail(error);
            Complete(callbacks, error);
            return;
        }
        try
        {
            Complete(callbacks, null);
        }
        finally
        {
            RaiseDrainIfDrained(); // even when the callback threw: a writer waiting for Drain would wait forever
        }
    }

    private void ShutdownWhenFlushed()
    {
        if (_transform is { } transform)
            transform.Shutdown(); // it shuts the handle down (ShutdownHandle) once what it holds is written
        else
            ShutdownHandle();
    }

    /// <summary>Half-closes the handle once its queued writes are out; then <see cref="Finish"/>.</summary>
    internal void ShutdownHandle()
    {
        int status = _handle!.Shutdown(s_onShutdown);
        if (status < 0)
            Fail(new NetException(status, "shutdown"));
    }

    private void OnShutdown(int status)
    {
        if (_destroyed)
            return;
        if (status < 0 && status != UvError.ENOTCONN)
        {
            Fail(new NetException(status, "shutdown"));
            return;
        }
        _finished = true;
        var callback = _endCallback;
        _endCallback = null;
        try
        {
            Finish?.Invoke(this);
            callback?.Invoke();
        }
        finally
        {
            // Even when a handler threw: both sides have ended (or DestroySoon asked), so the socket closes.
            if (_readableEnded || _destroySoon)
                Destroy();
        }
    }

    /// <summary>
    /// Fails the writes that never reached the handle, once the socket has closed: cut before the connection was
    /// made (ERR_SOCKET_CLOSED_BEFORE_CONNECTION, as Node), or held by a cork or behind a failed write (the destroy's
    /// error, else ERR_STREAM_DESTROYED, as Node's errorBuffer); and first the callback of a write after end.
    /// </summary>
    private void CancelPendingWrites()
    {
        var refused = _refusedWriteCallback;
        _refusedWriteCallback = null;
        try
        {
            refused?.Invoke(_error);
        }
        finally
        {
            FailHeldWrites(); // even when that callback threw: a WriteAsync among them would wait forever
        }
    }

    private void FailHeldWrites()
    {
        if (_pendingData is not { Count: > 0 })
            return;
        var error = !_connected
            ? new NetException("ERR_SOCKET_CLOSED_BEFORE_CONNECTION", "Socket closed before the connection was established")
            : _error ?? StreamDestroyed();
        var callbacks = _pendingCallbacks!.ToArray();
        _pendingData.Clear();
        _pendingCallbacks.Clear();
        _pendingBytes = 0;
        Complete(callbacks, error);
    }
}

using System.Text;

namespace Uvnet.Net;

public sealed partial class Socket
{
    private static readonly Action<WriteRequest, int> s_onWritten = static (request, status) =>
        ((Socket)request.Stream!.Owner!).OnWritten(status, request.Data as Action<NetException?>);

    private static readonly Action<ShutdownRequest, int> s_onShutdown = static (request, status) =>
        ((Socket)request.Stream!.Owner!).OnShutdown(status);

    private List<(ReadOnlyMemory<byte> Data, Action<NetException?>? Callback)>? _pendingWrites;
    private long _pendingBytes;
    private bool _needDrain;
    private Action? _endCallback;

    /// <summary>The buffered byte count past which writes return false.</summary>
    public int WritableHighWaterMark => _options.WritableHighWaterMark;

    /// <summary>Bytes written but not yet flushed to the kernel (Node's <c>writableLength</c>).</summary>
    public long WritableLength => (_handle?.WriteQueueSize ?? 0) + _pendingBytes;

    /// <summary>Whether a write returned false and <see cref="Drain"/> has not been raised yet.</summary>
    public bool WritableNeedDrain => _needDrain;

    /// <summary>Whether <see cref="End(ReadOnlyMemory{byte}, Action?)"/> was called.</summary>
    public bool WritableEnded => _writableEnded;

    /// <summary>
    /// Queues <paramref name="data"/> for writing, without copying: the memory must not change until
    /// <paramref name="callback"/> runs (with null, or the error). Returns false once more than
    /// <see cref="WritableHighWaterMark"/> bytes are buffered: stop writing until <see cref="Drain"/>.
    /// Writing after <see cref="End(ReadOnlyMemory{byte}, Action?)"/> is an error, as in Node: nothing is written,
    /// the callback gets ERR_STREAM_WRITE_AFTER_END, then the socket is destroyed with it (<see cref="Error"/>, then
    /// <see cref="Closed"/>). After destroy, the callback gets ERR_STREAM_DESTROYED and no event is raised.
    /// </summary>
    public bool Write(ReadOnlyMemory<byte> data, Action<NetException?>? callback = null)
    {
        Loop.VerifyAccess();
        if (_destroyed)
        {
            Loop.Post(static cb => cb?.Invoke(new NetException("ERR_STREAM_DESTROYED", "Cannot call write after a stream was destroyed")), callback);
            return false;
        }
        if (_writableEnded)
        {
            var error = new NetException("ERR_STREAM_WRITE_AFTER_END", "write after end");
            Loop.Post(static s => s.socket.Fail(s.error), (socket: this, error));
            Loop.Post(static s => s.callback?.Invoke(s.error), (callback, error));
            return false;
        }
        if (data.IsEmpty && callback is null)
            return !_needDrain;
        BytesWritten += data.Length;
        RestartTimer();
        if (_connecting || _handle is null)
        {
            (_pendingWrites ??= []).Add((data, callback));
            _pendingBytes += data.Length;
        }
        else
        {
            WriteToHandle(data, callback);
        }
        bool belowMark = WritableLength < WritableHighWaterMark;
        if (!belowMark)
            _needDrain = true;
        return belowMark;
    }

    /// <summary>
    /// Sends <paramref name="count"/> bytes of <paramref name="file"/> from <paramref name="offset"/> with sendfile(2)
    /// (no copy through user space), in order with other writes; backpressure and callback as
    /// <see cref="Write(ReadOnlyMemory{byte}, Action{NetException?}?)"/>. The socket must be connected. Linux only:
    /// elsewhere the callback gets ENOTSUP.
    /// </summary>
    public bool SendFile(Microsoft.Win32.SafeHandles.SafeFileHandle file, long offset, long count, Action<NetException?>? callback = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        Loop.VerifyAccess();
        if (_destroyed || _writableEnded || _connecting || _handle is null)
        {
            Loop.Post(static cb => cb?.Invoke(new NetException("ERR_SOCKET_CLOSED", "The socket is not open for writing")), callback);
            return false;
        }
        var request = WriteRequest.Rent();
        request.Data = callback;
        // The handle checks the arguments and the file before it queues anything: the socket counts and restarts its
        // timer only for a send that started.
        int status = _handle.SendFile(request, file, offset, count, s_onWritten);
        if (status < 0)
        {
            Loop.Post(static s => s.callback?.Invoke(new NetException(s.status, "sendfile")), (callback, status));
            return false;
        }
        BytesWritten += count;
        RestartTimer();
        bool belowMark = WritableLength < WritableHighWaterMark;
        if (!belowMark)
            _needDrain = true;
        return belowMark;
    }

    /// <summary>Writes <paramref name="text"/> encoded as UTF-8.</summary>
    public bool Write(string text, Action<NetException?>? callback = null) =>
        Write(Encoding.UTF8.GetBytes(text), callback);

    /// <summary>
    /// Ends our side, as Node's <c>socket.end(data)</c>: writes <paramref name="data"/> if any, then half-closes
    /// once everything is flushed (<see cref="Finish"/>). The socket closes when the peer has ended too (or at
    /// once, without <see cref="SocketOptions.AllowHalfOpen"/>, when it already had).
    /// </summary>
    public void End(ReadOnlyMemory<byte> data = default, Action? callback = null)
    {
        Loop.VerifyAccess();
        if (_destroyed || _writableEnded)
            return;
        if (!data.IsEmpty)
            Write(data);
        _writableEnded = true;
        _endCallback = callback;
        if (!_connecting && _handle is not null)
            ShutdownWhenFlushed();
    }

    private void WriteToHandle(ReadOnlyMemory<byte> data, Action<NetException?>? callback)
    {
        var request = WriteRequest.Rent();
        request.Data = callback;
        int status = _handle!.Write(request, new ReadOnlySpan<ReadOnlyMemory<byte>>(in data), s_onWritten);
        if (status < 0)
        {
            request.Data = null;
            Fail(new NetException(status, "write"));
        }
    }

    private void FlushPendingWrites()
    {
        if (_pendingWrites is null)
            return;
        foreach (var (data, callback) in _pendingWrites)
            WriteToHandle(data, callback);
        _pendingWrites = null;
        _pendingBytes = 0;
    }

    private void OnWritten(int status, Action<NetException?>? callback)
    {
        if (status < 0)
        {
            var error = new NetException(status, "write");
            // Destroyed before the callback runs (Error and Closed follow later), so a callback that throws cannot
            // leave a failed socket open.
            if (status != UvError.ECANCELED)
                Fail(error);
            callback?.Invoke(error);
            return;
        }
        try
        {
            callback?.Invoke(null);
        }
        finally
        {
            // Even when the callback threw: a writer waiting for Drain would wait forever.
            if (_needDrain && WritableLength == 0 && !_destroyed)
            {
                _needDrain = false;
                Drain?.Invoke(this);
            }
        }
    }

    private void ShutdownWhenFlushed()
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
            // Even when a handler threw: both sides have ended, so the socket closes.
            if (_readableEnded)
                Destroy();
        }
    }

    /// <summary>Cancels buffered writes that never reached the handle (the socket was destroyed while connecting).</summary>
    private void CancelPendingWrites()
    {
        if (_pendingWrites is null)
            return;
        var error = new NetException(UvError.ECANCELED, "write");
        foreach (var (_, callback) in _pendingWrites)
            callback?.Invoke(error);
        _pendingWrites = null;
        _pendingBytes = 0;
    }
}

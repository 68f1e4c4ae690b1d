using Uvnet.Interop;
using Uvnet.Io;

namespace Uvnet;

public abstract unsafe partial class StreamHandle
{
    // iovec entries gathered into one writev/sendmsg: queued writes leave in as few system calls as possible.
    private const int MaxIoVectors = 64;

    // File bytes one flush sends before it lets the loop serve other streams (the socket stays watched for
    // writable, so the rest goes in the next iteration): a large download must not hold the loop.
    private const long MaxFileBytesPerFlush = 4 * 1024 * 1024;

    private WriteRequest? _writeHead, _writeTail;
    private WriteRequest? _doneHead, _doneTail;
    private ShutdownRequest? _shutdown;

    /// <summary>
    /// Bytes handed to <see cref="Write(WriteRequest, ReadOnlySpan{ReadOnlyMemory{byte}}, Action{WriteRequest, int})"/>
    /// whose callbacks have not run yet: it falls only when write callbacks run, which makes it the
    /// backpressure signal.
    /// </summary>
    public long WriteQueueSize { get; private set; }

    /// <summary>
    /// Bytes the kernel has taken from this stream's writes (<see cref="TryWrite"/>'s included) and file sends so
    /// far. It grows with every partial send, within a large write whose callback (and
    /// <see cref="WriteQueueSize"/>'s fall) is still to come: the measure of a slow reader's progress.
    /// </summary>
    public long BytesSent { get; private set; }

    /// <summary>Writes <paramref name="data"/> with a request from the loop's pool; <paramref name="callback"/> (optional) gets the status.</summary>
    public int Write(ReadOnlyMemory<byte> data, Action<WriteRequest, int>? callback = null)
    {
        return Write(WriteRequest.Rent(), new ReadOnlySpan<ReadOnlyMemory<byte>>(in data), callback);
    }

    /// <summary>
    /// Writes <paramref name="buffers"/> in order, as <c>uv_write</c>: tried at once when nothing is queued,
    /// otherwise queued and sent (gathered with writev) when the socket is writable. The memory must not change
    /// until the callback (it is pinned only while a system call copies from it), which runs once with 0 or a negative status, never inside this call. Returns 0,
    /// or a negative status when the write cannot start (EPIPE after a shutdown, EBADF when the stream has no
    /// socket, ENOTCONN when never connected, EPIPE once a write has failed); then the callback does not run.
    /// A write that fails fails those queued behind it with its status: the stream sends nothing after a failure.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The stream is closing or closed (see <see cref="StreamHandle"/>).</exception>
    /// <exception cref="InvalidOperationException"><paramref name="request"/> is still in flight; the write it carries is left as it was.</exception>
    public int Write(WriteRequest request, ReadOnlySpan<ReadOnlyMemory<byte>> buffers, Action<WriteRequest, int>? callback)
    {
        ArgumentNullException.ThrowIfNull(request);
        VerifyUsable();
        request.VerifyIdle();
        if (WriteRefusal() is < 0 and int refusal)
            return request.Refuse(refusal);
        request.SetBuffers(buffers);
        return Enqueue(request, callback);
    }

    private int Enqueue(WriteRequest request, Action<WriteRequest, int>? callback)
    {
        request.Start(this, callback);
        WriteQueueSize += request.Size;

        bool tryNow = _writeHead is null && !Has(StreamState.Connecting);
        WriteRequest.Enqueue(ref _writeHead, ref _writeTail, request);
        if (tryNow)
        {
            Flush();
            if (_doneHead is not null)
                Loop.QueuePending(this);
        }
        if (UpdateInterest() is < 0 and int refused)
        {
            // What is left cannot be told when to go (see UpdateInterest): it fails, reported in the pending phase.
            FailWrites(refused);
            Loop.QueuePending(this);
            UpdateInterest();
        }
        return 0;
    }

    /// <summary>
    /// Sends <paramref name="count"/> bytes of <paramref name="file"/> from <paramref name="offset"/> with sendfile(2),
    /// in order with the stream's other writes: the bytes go from the page cache to the socket without passing
    /// through user space. The handle is kept open until the callback. Linux only: elsewhere returns ENOTSUP.
    /// Returns 0 or a negative status, as <see cref="Write(WriteRequest, ReadOnlySpan{ReadOnlyMemory{byte}}, Action{WriteRequest, int})"/>.
    /// </summary>
    /// <remarks>A file shorter than announced completes the request with <see cref="UvError.EIO"/>.</remarks>
    /// <exception cref="ObjectDisposedException">The stream, or <paramref name="file"/>, is closed.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="request"/> is still in flight; the write it carries is left as it was.</exception>
    public int SendFile(WriteRequest request, Microsoft.Win32.SafeHandles.SafeFileHandle file, long offset, long count, Action<WriteRequest, int>? callback)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(file);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ObjectDisposedException.ThrowIf(file.IsClosed, file);
        VerifyUsable();
        request.VerifyIdle();
        if (!OperatingSystem.IsLinux())
            return request.Refuse(UvError.ENOTSUP);
        if (WriteRefusal() is < 0 and int refusal)
            return request.Refuse(refusal);
        request.SetFile(file, offset, count);
        return Enqueue(request, callback);
    }

    /// <summary>
    /// Writes what it can of <paramref name="data"/> now, without queuing, as <c>uv_try_write</c>: the number of
    /// bytes written, or EAGAIN when writes are queued or the socket is full, or another negative status.
    /// </summary>
    public int TryWrite(ReadOnlySpan<byte> data)
    {
        VerifyUsable();
        if (Fd < 0)
            return UvError.EBADF;
        if (!IsWritable || Has(StreamState.WriteFailed))
            return UvError.EPIPE;
        if (_writeHead is not null || Has(StreamState.Connecting))
            return UvError.EAGAIN;
        nint n;
        fixed (byte* p = data)
            n = SendOne(p, data.Length);
        if (n < 0)
            return Libc.LastStatus();
        BytesSent += n;
        return (int)n;
    }

    /// <summary>Why a write cannot be queued now (0: it can): no descriptor, or not writable (EPIPE once shut down).</summary>
    private int WriteRefusal() =>
        Fd < 0 ? UvError.EBADF
        : Has(StreamState.WriteFailed) ? UvError.EPIPE // see FailWrites
        : IsWritable ? 0
        : Has(StreamState.Shut) ? UvError.EPIPE : UvError.ENOTCONN;

    /// <summary>
    /// Half-closes the stream once every queued write has been written, as <c>uv_shutdown</c>. Returns 0, or
    /// ENOTCONN when the stream is not writable (never connected, already shut down).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The stream is closing or closed.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="request"/> is still in flight; the stream stays writable.</exception>
    public int Shutdown(ShutdownRequest request, Action<ShutdownRequest, int>? callback)
    {
        ArgumentNullException.ThrowIfNull(request);
        VerifyUsable();
        request.VerifyIdle();
        if (Fd < 0 || !IsWritable || _shutdown is not null)
            return request.Refuse(UvError.ENOTCONN);
        Set(StreamState.Writable, false);
        Set(StreamState.Shut, true);
        request.Start(this, callback);
        _shutdown = request;
        if (_writeHead is null && !Has(StreamState.Connecting))
            Loop.QueuePending(this);
        UpdateInterest();
        return 0;
    }

    /// <summary>Half-closes the stream with a request from the loop's pool; see <see cref="Shutdown(ShutdownRequest, Action{ShutdownRequest, int})"/>.</summary>
    public int Shutdown(Action<ShutdownRequest, int>? callback = null)
    {
        return Shutdown(ShutdownRequest.Rent(), callback);
    }

    private WriteRequest DequeueWrite() => WriteRequest.Dequeue(ref _writeHead, ref _writeTail);

    private void CompleteWrite(WriteRequest request, int status)
    {
        request.Result = status;
        WriteRequest.Enqueue(ref _doneHead, ref _doneTail, request);
    }

    /// <summary>Writes queued requests until the socket is full; finished ones move to the done queue.</summary>
    private void Flush()
    {
        long fileBytes = 0;
        while (_writeHead is { } head)
        {
            if (head.IsDone)
            {
                CompleteWrite(DequeueWrite(), 0);
                continue;
            }
            if (head.IsFile)
            {
                if (fileBytes >= MaxFileBytesPerFlush)
                    break;
                int status = SendFileChunk(head, ref fileBytes);
                if (status == UvError.EAGAIN)
                    break;
                if (status < 0)
                {
                    FailWrites(status);
                    break;
                }
                if (head.IsDone)
                    CompleteWrite(DequeueWrite(), 0);
                continue;
            }
            long offered;
            nint n = head.Next is null && head.RemainingBuffers == 1
                ? SendCurrent(head, out offered)
                : SendGathered(out offered);
            if (n < 0)
            {
                int status = Libc.LastStatus();
                if (status == UvError.EINTR)
                    continue;
                if (status == UvError.EAGAIN)
                    break;
                FailWrites(status); // ECONNRESET, EPIPE...
                break;
            }
            BytesSent += n;
            long left = n;
            while (_writeHead is { } h)
            {
                left = h.Advance(left);
                if (!h.IsDone)
                    break;
                CompleteWrite(DequeueWrite(), 0);
                if (left == 0)
                    break;
            }
            // A short send means the socket's buffer is full: another would only answer EAGAIN (libuv's uv__write
            // stops here too), and the writable event resumes the flush.
            if (n < offered)
                break;
        }
        // Whatever is left waits for the socket to become writable, unpinned: the kernel copied what it took
        // during the call and keeps no pointer, so the next flush pins the rest again for its own call only.
    }

    /// <summary>One sendfile(2) call for the file request at the head: 0, EAGAIN, or an error.</summary>
    private int SendFileChunk(WriteRequest request, ref long sentThisFlush)
    {
        long offset = request.FileOffset;
        nint n = Libc.SendFile(Fd, request.FileDescriptor, &offset, (nint)Math.Min(request.FileRemaining, MaxFileBytesPerFlush));
        if (n < 0)
        {
            int status = Libc.LastStatus();
            return status == UvError.EINTR ? 0 : status;
        }
        if (n == 0)
            return UvError.EIO; // the file ended before the announced length
        request.FileOffset = offset;
        request.FileRemaining -= n;
        sentThisFlush += n;
        BytesSent += n;
        return 0;
    }

    private nint SendCurrent(WriteRequest request, out long offered)
    {
        ReadOnlySpan<byte> data = request.Current;
        offered = data.Length;
        fixed (byte* p = data)
            return SendOne(p, data.Length);
    }

    // send and sendmsg with MSG_NOSIGNAL, on a Linux socket: a reset peer must not raise SIGPIPE. Elsewhere
    // write and writev (the BSDs' sockets have SO_NOSIGPIPE; a pipe or tty has no send).
    private bool SendsWithNoSignal => OperatingSystem.IsLinux() && !Has(StreamState.NotSocket);

    private nint SendOne(byte* data, int length) =>
        SendsWithNoSignal
            ? Libc.Send(Fd, data, length, SocketConstants.MSG_NOSIGNAL)
            : Libc.Write(Fd, data, length);

    private nint SendGathered(out long offered)
    {
        Libc.IoVec* vectors = stackalloc Libc.IoVec[MaxIoVectors];
        WriteRequest head = _writeHead!;
        offered = 0;
        return GatherPinned(vectors, 0, head, head.FirstUnwritten, ref offered);
    }

    /// <summary>
    /// Describes <paramref name="buffer"/> of <paramref name="request"/> in the next iovec under a <c>fixed</c>,
    /// then the following buffers in nested calls (one frame per iovec, <see cref="MaxIoVectors"/> at most), and
    /// sends from the innermost: every buffer stays pinned exactly across the system call, at the cost of a stack
    /// frame, where a GC handle per buffer (Memory.Pin) costs an allocation and a release in the handle table
    /// (64 buffers described without the call: about 10 ns a buffer against 50 to 140 with handles, 2026-12-07).
    /// </summary>
    private nint GatherPinned(Libc.IoVec* vectors, int count, WriteRequest request, int buffer, ref long offered)
    {
        ReadOnlySpan<byte> data = request.Unwritten(buffer);
        fixed (byte* p = data)
        {
            vectors[count].Base = p;
            vectors[count].Length = data.Length;
            offered += data.Length;
            count++;
            WriteRequest? next = request;
            buffer++;
            // Past the request's last buffer: on to the next request's first unwritten one (a request of empty
            // buffers has none; a file request ends the gathering, sendfile sends it).
            while (next is not null && !next.IsFile && buffer == next.BufferCount)
            {
                next = next.Next;
                buffer = next?.FirstUnwritten ?? 0;
            }
            if (count == MaxIoVectors || next is null || next.IsFile)
                return SendVectors(vectors, count);
            return GatherPinned(vectors, count, next, buffer, ref offered);
        }
    }

    private nint SendVectors(Libc.IoVec* vectors, int count)
    {
        if (!SendsWithNoSignal)
            return Libc.Writev(Fd, vectors, count);
        Libc.MsgHdr message = new() { Iov = vectors, IovLength = count };
        return Libc.SendMsg(Fd, &message, SocketConstants.MSG_NOSIGNAL);
    }

    /// <summary>
    /// Runs the callbacks of the writes finished before it began, in order; <see cref="WriteQueueSize"/> falls as
    /// each runs. A write these callbacks start that finishes at once waits for the next pending phase, as in libuv
    /// (uv__write_callbacks takes the completed queue first): otherwise a callback that always writes again would
    /// keep the loop from polling until the socket is full, and the reading side of the loop would wait for it.
    /// </summary>
    private void RunWriteCallbacks()
    {
        WriteRequest? last = _doneTail;
        try
        {
            while (last is not null)
            {
                WriteRequest request = WriteRequest.Dequeue(ref _doneHead, ref _doneTail);
                WriteQueueSize -= request.Size;
                int status = request.Result;
                request.Release();
                bool wasLast = request == last;
                request.Complete(status);
                if (wasLast)
                    break;
            }
        }
        catch
        {
            // A callback threw: the rest still run, in the next pending phase, and so does a shutdown waiting
            // for them (the callback that threw may have been the last, leaving nothing else to trigger it).
            if (!IsClosing)
                Loop.QueuePending(this);
            throw;
        }
        UpdateInterest();
    }

    /// <summary>
    /// The write at the head failed: it and those queued behind it complete with <paramref name="status"/>, and the
    /// stream sends nothing more (later writes get EPIPE). Bytes sent after a gap (a file shorter than announced)
    /// would be read as what the gap should have held: the next HTTP response as the rest of a body.
    /// </summary>
    private void FailWrites(int status)
    {
        Set(StreamState.WriteFailed, true);
        CancelQueuedWrites(status);
    }

    private void CancelQueuedWrites(int status = UvError.ECANCELED)
    {
        while (_writeHead is not null)
            CompleteWrite(DequeueWrite(), status);
    }

    /// <summary>Once nothing is left to write, carries out a requested shutdown (libuv's uv__drain).</summary>
    private void ShutdownIfDrained()
    {
        // Written but not yet called back (finished during the write callbacks) also waits: every write callback
        // runs before the shutdown's.
        if (_shutdown is not { } request || _writeHead is not null || _doneHead is not null || Has(StreamState.Connecting) || Fd < 0)
            return;
        _shutdown = null;
        int status = Libc.Shutdown(Fd, SocketConstants.SHUT_WR) < 0 ? Libc.LastStatus() : 0;
        UpdateInterest();
        request.Complete(status);
    }
}

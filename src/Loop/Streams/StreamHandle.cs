using Uvnet.Interop;
using Uvnet.Io;

namespace Uvnet;

/// <summary>
/// A duplex byte stream over a socket, as libuv's <c>uv_stream_t</c>: reads through alloc/read callbacks,
/// writes and shutdowns as requests completed in order, listening and accepting. <see cref="TcpHandle"/>
/// and <see cref="PipeHandle"/> build on it.
/// </summary>
/// <remarks>
/// No callback runs inside the call that started its operation: a write that completes at once, or a
/// connect refused at once, is reported by the loop (in its pending phase, or its poll phase if that comes first). Closing the stream cancels every
/// request in flight: each callback runs once, with <see cref="UvError.ECANCELED"/>, before the close callback.
/// A stream may be closed from inside any of its callbacks; after that no other callback of it runs (an alloc
/// callback that closes it gets no read callback). Using a stream once it is closing is a programmer error: every
/// operation throws <see cref="ObjectDisposedException"/> and starts nothing (<see cref="ReadStop"/> stays a no-op).
/// So is passing a request still in flight: the operation throws <see cref="InvalidOperationException"/> before
/// it changes anything, so the operation that request carries goes on untouched.
/// A callback that throws leaves the stream consistent, as <see cref="Loop"/> says: requests queued behind it
/// still complete, in a later iteration.
/// </remarks>
public abstract unsafe partial class StreamHandle : IoHandle
{
    /// <summary>
    /// The object of the layer built on this stream (a Net socket or server), which its static callbacks find here:
    /// its own field, because <see cref="Handle.Data"/> is the user's to set at any time (a socket hands its handle out).
    /// </summary>
    internal object? Owner { get; set; }

    /// <summary>The buffer size suggested to alloc callbacks, and the size of the loop's shared read buffer (libuv's 64 KiB).</summary>
    public const int SuggestedReadSize = 64 * 1024;

    // Reads per wakeup on one stream, as libuv's uv__read: prevents one busy connection from starving the
    // others while the kernel still has data for it (level-triggered polling reports it again).
    private const int MaxReadsPerWakeup = 32;

    [Flags]
    private protected enum StreamState : ushort
    {
        Readable = 1,
        Writable = 2,
        Reading = 4,
        WriteFailed = 8, // a write failed: nothing more is sent (StreamHandle.FailWrites)
        Listening = 16,
        Connecting = 32,
        Shut = 64, // a shutdown was accepted: writes get EPIPE
        ResetOnClose = 128,
        AcceptPaused = 256,
        NotSocket = 512, // an adopted pipe(2) or tty: written with write/writev, which need no socket
    }

    private StreamState _state;
    private AllocCallback? _alloc;
    private ReadCallback? _read;

    private protected StreamHandle(Loop loop) : base(loop)
    {
    }

    /// <summary>Whether the stream can be read: connected and the peer has not ended.</summary>
    public bool IsReadable => Has(StreamState.Readable);

    /// <summary>Whether the stream can be written: connected and not shut down.</summary>
    public bool IsWritable => Has(StreamState.Writable);

    /// <summary>Whether <see cref="ReadStart(ReadCallback)"/> is in effect.</summary>
    public bool IsReading => Has(StreamState.Reading);

    private bool Has(StreamState s) => (_state & s) != 0;

    private void Set(StreamState s, bool on) => _state = on ? _state | s : _state & ~s;

    /// <summary>Starts reading into the loop's shared 64 KiB buffer: an idle stream holds no read buffer.</summary>
    public int ReadStart(ReadCallback read) => ReadStart(null, read);

    /// <summary>
    /// Starts reading: before each read <paramref name="alloc"/> (null: the loop's shared buffer) gives the
    /// buffer, then <paramref name="read"/> gets the result. Returns 0, or ENOTCONN when the stream is not
    /// readable, EINVAL on a listening stream, or the poller's refusal of the descriptor (EPERM for a regular file
    /// or /dev/null adopted with <see cref="PipeHandle.Open"/>, EEXIST when another handle of the loop watches it).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The stream is closing or closed.</exception>
    public int ReadStart(AllocCallback? alloc, ReadCallback read)
    {
        ArgumentNullException.ThrowIfNull(read);
        VerifyUsable();
        if (Has(StreamState.Listening))
            return UvError.EINVAL;
        if (Fd < 0 || !IsReadable)
            return UvError.ENOTCONN;
        Set(StreamState.Reading, true);
        int status = UpdateInterest();
        if (status < 0)
        {
            // The poller refused the descriptor: no read could ever be reported, so the stream must not wait for one.
            Set(StreamState.Reading, false);
            UpdateInterest();
            return status;
        }
        _alloc = alloc;
        _read = read;
        return 0;
    }

    /// <summary>Stops reading; no read callback runs until the next <see cref="ReadStart(ReadCallback)"/>. Idempotent.</summary>
    public void ReadStop()
    {
        Loop.VerifyAccess();
        if (!IsReading)
            return;
        Set(StreamState.Reading, false);
        UpdateInterest();
    }

    /// <summary>
    /// Derives what the descriptor is watched for, and whether the handle is active, from the stream's state. Returns
    /// 0, or the poller's refusal of a descriptor it did not watch yet (EPERM: a regular file or /dev/null adopted
    /// with <see cref="PipeHandle.Open"/>; EEXIST: another handle of the loop watches it), which leaves it unwatched.
    /// </summary>
    private int UpdateInterest()
    {
        if (Fd < 0)
            return 0;
        IoEvents wanted = IoEvents.None;
        if (IsReading)
            wanted |= IoEvents.Read;
        else if (Has(StreamState.Listening) && _acceptedFd < 0 && !Has(StreamState.AcceptPaused))
            wanted |= IoEvents.Read | IoEvents.Exclusive; // a socket shared by loops wakes one of them (TcpBindFlags.SharePort)
        if (Has(StreamState.Connecting) || _writeHead is not null)
            wanted |= IoEvents.Write;
        int status = Loop.Watch(this, wanted);
        SetActive(IsReading || Has(StreamState.Listening) || _connect is not null || _writeHead is not null || _shutdown is not null);
        return status;
    }

    internal override void OnIo(IoEvents events)
    {
        if (Has(StreamState.Connecting))
        {
            FinishConnect(ConnectResult());
            return;
        }
        if (Has(StreamState.Listening))
        {
            AcceptPending();
            return;
        }
        if (IsReading && (events & (IoEvents.Read | IoEvents.Disconnect | IoEvents.Error | IoEvents.Hangup)) != 0)
            ReadAvailable();
        if (Fd >= 0 && _writeHead is not null && (events & (IoEvents.Write | IoEvents.Error | IoEvents.Hangup)) != 0)
        {
            Flush();
            RunWriteCallbacks();
            ShutdownIfDrained();
        }
    }

    internal override void OnPending()
    {
        // A connect that finished inside Connect is reported here; one still in progress waits for the poll phase.
        if (Has(StreamState.Connecting) && _connectStatus != UvError.EINPROGRESS)
        {
            FinishConnect(_connectStatus);
            return;
        }
        RunWriteCallbacks();
        ShutdownIfDrained();
    }

    private void ReadAvailable()
    {
        for (int count = MaxReadsPerWakeup; count > 0 && IsReading; count--)
        {
            Memory<byte> buffer = _alloc is null ? Loop.SharedReadBuffer : _alloc(this, SuggestedReadSize);
            // The alloc callback closed the stream or stopped reading: nothing is read, so no read callback runs
            // (a read on the closed descriptor would report EBADF to a stream the user already closed).
            if (!IsReading)
                return;
            if (buffer.IsEmpty)
            {
                _read!(this, UvError.ENOBUFS, buffer);
                return;
            }
            nint n;
            fixed (byte* p = buffer.Span)
                n = Libc.Read(Fd, p, buffer.Length);
            if (n > 0)
            {
                _read!(this, (int)n, buffer);
                // A short read means the kernel's buffer is empty: skip the read that would say EAGAIN.
                if (n < buffer.Length)
                    return;
                continue;
            }
            int status = n == 0 ? UvError.EOF : Libc.LastStatus();
            if (status == UvError.EINTR)
                continue;
            if (status == UvError.EAGAIN)
            {
                _read!(this, 0, buffer);
                return;
            }
            // End of file or an error: reading stops, the stream stays writable (half-open).
            Set(StreamState.Reading, false);
            if (status == UvError.EOF)
                Set(StreamState.Readable, false);
            UpdateInterest();
            _read!(this, status, buffer);
            return;
        }
    }

    /// <summary>Gives the stream a descriptor (accepted, opened, or a new socket) and what it can do with it.</summary>
    private protected void Attach(int fd, StreamState state)
    {
        Fd = fd;
        Loop.AttachIo(this);
        Set(state, true);
        OnAttached();
    }

    /// <summary>Applies options chosen before the descriptor existed (TCP_NODELAY, keep-alive).</summary>
    private protected virtual void OnAttached()
    {
    }

    /// <summary>Makes <see cref="Handle.Close"/> reset the connection (SO_LINGER 0: RST instead of FIN).</summary>
    private protected void ResetOnClose() => Set(StreamState.ResetOnClose, true);

    private protected override void OnClosing()
    {
        _state &= StreamState.ResetOnClose;
        if (_acceptedFd >= 0)
        {
            Libc.Close(_acceptedFd);
            _acceptedFd = -1;
        }
        if (_acceptRetry is { IsClosing: false } retry)
            retry.Close(); // unless Loop.Walk closed it first
        if (Fd < 0)
            return;
        Loop.DetachIo(this);
        if (Has(StreamState.ResetOnClose))
        {
            Libc.Linger linger = new() { OnOff = 1, Seconds = 0 };
            Libc.SetSockOpt(Fd, SocketConstants.SOL_SOCKET, SocketConstants.SO_LINGER, &linger, sizeof(Libc.Linger));
        }
        Libc.Close(Fd);
        Fd = -1;
    }

    private protected override void OnClosed()
    {
        // As libuv's uv__stream_destroy: the connect first, then the writes in order (completed ones with
        // their status, queued ones cancelled), then the shutdown.
        if (_connect is { } connect)
        {
            _connect = null;
            connect.Complete(UvError.ECANCELED);
        }
        CancelQueuedWrites();
        RunWriteCallbacks();
        if (_shutdown is { } shutdown)
        {
            _shutdown = null;
            shutdown.Complete(UvError.ECANCELED);
        }
    }
}

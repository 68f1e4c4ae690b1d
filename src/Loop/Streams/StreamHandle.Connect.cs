using System.Net;
using Uvnet.Interop;

namespace Uvnet;

public abstract unsafe partial class StreamHandle
{
    private ConnectRequest? _connect;

    // The connect's result when connect(2) gave it at once (refused, or a Unix socket accepted or refused at once),
    // else EINPROGRESS: the kernel gives it later, through SO_ERROR. As libuv's delayed_error, it is kept until the
    // connect is finished: the socket's SO_ERROR no longer holds an error connect(2) already returned, so a
    // writable event reaching the poll phase before the pending phase must not read success there.
    private int _connectStatus = UvError.EINPROGRESS;

    /// <summary>
    /// Starts a non-blocking connect to <paramref name="endpoint"/> on the stream's socket (created if needed); a
    /// null endpoint is a Unix path too long for a socket address, refused with ENAMETOOLONG.
    /// </summary>
    private protected int StartConnect(ConnectRequest request, EndPoint? endpoint, Action<ConnectRequest, int>? callback)
    {
        ArgumentNullException.ThrowIfNull(request);
        VerifyUsable();
        request.VerifyIdle();
        if (_connect is not null)
            return request.Refuse(UvError.EALREADY);
        if (Has(StreamState.Listening))
            return request.Refuse(UvError.EINVAL);
        // Connected, even half-closed: a connect(2) would only say EISCONN, and must not make the stream writable again.
        if (IsReadable || IsWritable || Has(StreamState.Shut))
            return request.Refuse(UvError.EISCONN);
        if (endpoint is null)
            return request.Refuse(UvError.ENAMETOOLONG);
        byte* address = stackalloc byte[SockAddr.MaxSize];
        int length = SockAddr.Write(endpoint, new Span<byte>(address, SockAddr.MaxSize));
        int status = EnsureSocket(SockAddr.Family(endpoint));
        if (status < 0)
            return request.Refuse(status);

        do
        {
            status = Libc.Connect(Fd, address, length) < 0 ? Libc.LastStatus() : 0;
        }
        while (status == UvError.EINTR);

        request.Start(this, callback);
        _connect = request;
        _connectStatus = status;
        Set(StreamState.Connecting | StreamState.Readable | StreamState.Writable, true);
        // Done already: reported in the pending phase, never inside this call.
        if (status != UvError.EINPROGRESS)
            Loop.QueuePending(this);
        UpdateInterest();
        return 0;
    }

    /// <summary>The finished connect's result: the one connect(2) gave at once, or the socket's (SO_ERROR).</summary>
    private int ConnectResult() => _connectStatus != UvError.EINPROGRESS ? _connectStatus : SocketError();

    /// <summary>The socket's pending error (SO_ERROR): 0 once connected.</summary>
    private int SocketError()
    {
        int error = 0;
        int size = sizeof(int);
        if (Libc.GetSockOpt(Fd, SocketConstants.SOL_SOCKET, SocketConstants.SO_ERROR, &error, &size) < 0)
            return Libc.LastStatus();
        return error == 0 ? 0 : Errno.ToStatus(error);
    }

    private void FinishConnect(int status)
    {
        if (status == UvError.EINPROGRESS)
            return; // a spurious wakeup: still connecting
        ConnectRequest request = _connect!;
        _connect = null;
        Set(StreamState.Connecting, false);
        if (status < 0)
        {
            Set(StreamState.Readable | StreamState.Writable, false);
            CancelQueuedWrites();
        }
        else
        {
            Flush(); // writes queued while connecting
        }
        UpdateInterest();
        try
        {
            request.Complete(status);
        }
        catch
        {
            // The connect callback threw: the writes and the shutdown queued while connecting still complete,
            // in the next pending phase.
            if (!IsClosing)
                Loop.QueuePending(this);
            throw;
        }
        if (IsClosing)
            return;
        RunWriteCallbacks();
        ShutdownIfDrained();
    }
}

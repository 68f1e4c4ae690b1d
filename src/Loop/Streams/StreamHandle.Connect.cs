using System.Net;
using Uvnet.Interop;

namespace Uvnet;

public abstract unsafe partial class StreamHandle
{
    private ConnectRequest? _connect;
    private int _immediateConnectStatus;

    /// <summary>Starts a non-blocking connect to <paramref name="endpoint"/> on the stream's socket (created if needed).</summary>
    private protected int StartConnect(ConnectRequest request, EndPoint endpoint, Action<ConnectRequest, int>? callback)
    {
        ArgumentNullException.ThrowIfNull(request);
        VerifyUsable();
        if (_connect is not null)
            return request.Refuse(UvError.EALREADY);
        if (Has(StreamState.Listening))
            return request.Refuse(UvError.EINVAL);
        int status = EnsureSocket(SockAddr.Family(endpoint));
        if (status < 0)
            return request.Refuse(status);
        if (IsReadable && IsWritable && !Has(StreamState.Connecting))
            return request.Refuse(UvError.EISCONN);

        byte* address = stackalloc byte[SockAddr.MaxSize];
        int length = SockAddr.Write(endpoint, new Span<byte>(address, SockAddr.MaxSize));
        if (length < 0)
            return request.Refuse(length);
        do
        {
            status = Libc.Connect(Fd, address, length) < 0 ? Libc.LastStatus() : 0;
        }
        while (status == UvError.EINTR);

        request.Start(this, callback);
        _connect = request;
        Set(StreamState.Connecting | StreamState.Readable | StreamState.Writable, true);
        if (status != UvError.EINPROGRESS)
        {
            // Done already (refused on loopback, or a Unix socket accepted at once): report it in the
            // pending phase, never inside this call.
            _immediateConnectStatus = status;
            Loop.QueuePending(this);
        }
        UpdateInterest();
        return 0;
    }

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

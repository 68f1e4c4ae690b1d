using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Uvnet.Interop;

namespace Uvnet;

public sealed unsafe partial class UdpHandle
{
    // Receives per wakeup, as libuv's uv__udp_recvmsg: prevents loop starvation when datagrams come in as fast as
    // (or faster than) they are read (level-triggered polling reports the rest again).
    private const int MaxReceivesPerWakeup = 32;

    /// <summary>
    /// Datagrams one recvmmsg may take (libuv's uv__udp_recvmmsg reads 20), each into its own 64 KiB of the loop's
    /// <see cref="Loop.SharedDatagramBuffers"/>.
    /// </summary>
    internal const int ReceiveBatchSize = 20;

    private bool _receiving;
    private UdpAllocCallback? _alloc;
    private UdpRecvCallback? _receive;
    private readonly UdpSenderCache _senders = new();

    /// <summary>Whether <see cref="ReceiveStart(UdpAllocCallback?, UdpRecvCallback)"/> is in effect.</summary>
    public bool IsReceiving => _receiving;

    /// <summary>
    /// Starts receiving into the loop's shared buffers (an idle handle holds none). On Linux the datagrams waiting
    /// together are read by one recvmmsg, up to 20, each into its own 64 KiB (libuv's UV_UDP_RECVMMSG); a callback that
    /// stops receiving, closes the handle or throws ends that batch, and the datagrams after it, already read, are
    /// dropped, as libuv drops them. A callback that restarts receiving passes them on to the new callback (copied into
    /// its alloc's buffers if it has one), as libuv passes them to the recv_cb set then.
    /// </summary>
    public int ReceiveStart(UdpRecvCallback receive) => ReceiveStart(null, receive);

    /// <summary>
    /// Starts receiving, as <c>uv_udp_recv_start</c>: before each receive <paramref name="alloc"/> (null: the loop's
    /// shared buffer) gives the buffer, then <paramref name="receive"/> gets the datagram. A handle with no socket is
    /// bound to a free port of 0.0.0.0 first, as libuv does. Returns 0, EALREADY when receiving already, the bind's
    /// status, or the poller's refusal of the descriptor (EEXIST when another handle of the loop watches a descriptor
    /// given to <see cref="Open"/>).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The handle is closing or closed.</exception>
    public int ReceiveStart(UdpAllocCallback? alloc, UdpRecvCallback receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        VerifyUsable();
        if (_receiving)
            return UvError.EALREADY;
        int status = BindIfUnbound(AddressFamily.InterNetwork);
        if (status < 0)
            return status;
        _receiving = true;
        status = UpdateInterest();
        if (status < 0)
        {
            // The poller refused the descriptor: no datagram could ever be reported, so the handle must not wait for one.
            _receiving = false;
            UpdateInterest();
            return status;
        }
        _alloc = alloc;
        _receive = receive;
        return 0;
    }

    /// <summary>Stops receiving, as <c>uv_udp_recv_stop</c>; no receive callback runs until the next start. Idempotent.</summary>
    public void ReceiveStop()
    {
        Loop.VerifyAccess();
        if (!_receiving)
            return;
        _receiving = false;
        _alloc = null;
        _receive = null;
        UpdateInterest();
    }

    [SkipLocalsInit]
    private void ReceiveAvailable()
    {
        // With the loop's buffers on Linux: a batch per recvmmsg, as libuv's UV_UDP_RECVMMSG (the other systems, and a
        // handle with its own alloc, one datagram per recvmsg into the buffer its alloc gives). A callback that restarts
        // with an alloc of its own inside a batch leaves the rest of this wakeup's receives to the loop below.
        int budget = _alloc is null && OperatingSystem.IsLinux() ? ReceiveBatches() : MaxReceivesPerWakeup;
        byte* name = stackalloc byte[SockAddr.MaxSize];
        for (int count = budget; count > 0 && _receiving; count--)
        {
            UdpRecvCallback receive = _receive!;
            Memory<byte> buffer = _alloc is null ? Loop.SharedReadBuffer : AllocOwnBuffer();
            // The alloc callback closed the handle or stopped receiving: nothing is received, no callback runs.
            if (!_receiving || _receive != receive)
                return;
            if (buffer.IsEmpty)
            {
                receive(this, UvError.ENOBUFS, buffer, null, UdpRecvFlags.None);
                return;
            }
            nint n;
            Libc.MsgHdr message;
            fixed (byte* p = buffer.Span)
            {
                Libc.IoVec vector = new() { Base = p, Length = buffer.Length };
                do
                {
                    message = new() { Name = name, NameLength = SockAddr.MaxSize, Iov = &vector, IovLength = 1 };
                    n = Libc.RecvMsg(Fd, &message, 0);
                }
                while (n < 0 && Libc.LastStatus() == UvError.EINTR);
            }
            if (n < 0)
            {
                int status = Libc.LastStatus();
                // Nothing more now: told as libuv tells it, nread 0 and no sender, so the buffer can be reused.
                receive(this, status == UvError.EAGAIN ? 0 : status, buffer, null, UdpRecvFlags.None);
                return;
            }
            UdpRecvFlags flags = (message.ReceivedFlags & SocketConstants.MSG_TRUNC) != 0 ? UdpRecvFlags.Partial : UdpRecvFlags.None;
            receive(this, (int)n, buffer, _senders.Find(new ReadOnlySpan<byte>(name, Math.Min(message.NameLength, UdpSenderCache.MaxAddressSize))), flags);
        }
    }

    /// <summary>
    /// Receives with recvmmsg into the loop's datagram buffers, up to <see cref="MaxReceivesPerWakeup"/> datagrams, and
    /// reports each as <see cref="ReceiveAvailable"/> does. A batch that comes back short means the socket was empty:
    /// "nothing more now" is reported at once, without the recvmsg that would only have said EAGAIN (the poller
    /// reports the socket again when more arrive). A callback that stops receiving, closes the handle or throws ends
    /// the batch: the datagrams after it, already taken from the socket, are dropped, as libuv drops them once its
    /// recv_cb is gone. A callback that restarts receiving does not: as libuv passes the rest of a batch to the recv_cb
    /// set then, the rest go to the new callback, into the buffers of its alloc if it has one. Returns the receives
    /// left of this wakeup's budget for the one-at-a-time loop: none unless a restart brought an alloc.
    /// </summary>
    [SkipLocalsInit]
    private int ReceiveBatches()
    {
        // Room for sockaddr_in6, the largest sender, rounded to keep the names 8-byte aligned; with SkipLocalsInit
        // none of these arrays is cleared for each wakeup, as each entry is written before the call that reads it.
        const int nameSize = 32;
        Memory<byte> buffers = Loop.SharedDatagramBuffers;
        Libc.MMsgHdr* messages = stackalloc Libc.MMsgHdr[ReceiveBatchSize];
        Libc.IoVec* vectors = stackalloc Libc.IoVec[ReceiveBatchSize];
        byte* names = stackalloc byte[ReceiveBatchSize * nameSize];
        fixed (byte* data = buffers.Span)
        {
            for (int i = 0; i < ReceiveBatchSize; i++)
                vectors[i] = new() { Base = data + i * SuggestedReceiveSize, Length = SuggestedReceiveSize };
        }
        for (int budget = MaxReceivesPerWakeup; budget > 0;)
        {
            int asked = Math.Min(ReceiveBatchSize, budget);
            for (int i = 0; i < asked; i++)
                messages[i] = new() { Header = new() { Name = names + i * nameSize, NameLength = nameSize, Iov = vectors + i, IovLength = 1 } };
            int n;
            do
                n = Libc.RecvMMsg(Fd, messages, (uint)asked, 0, null);
            while (n < 0 && Libc.LastStatus() == UvError.EINTR);
            if (n < 0)
            {
                int status = Libc.LastStatus();
                _receive!(this, status == UvError.EAGAIN ? 0 : status, buffers[..SuggestedReceiveSize], null, UdpRecvFlags.None);
                return 0;
            }
            for (int i = 0; i < n; i++)
            {
                // Stopped or closed by the callback before: this batch is over.
                if (!_receiving)
                    return 0;
                Libc.MsgHdr* message = &messages[i].Header;
                UdpRecvFlags flags = (message->Flags & SocketConstants.MSG_TRUNC) != 0 ? UdpRecvFlags.Partial : UdpRecvFlags.None;
                IPEndPoint? sender = _senders.Find(new ReadOnlySpan<byte>(message->Name, Math.Min(message->NameLength, UdpSenderCache.MaxAddressSize)));
                Memory<byte> chunk = buffers.Slice(i * SuggestedReceiveSize, SuggestedReceiveSize);
                if (_alloc is null)
                    _receive!(this, messages[i].Length, chunk, sender, flags);
                else if (!HandToOwnBuffer(chunk[..messages[i].Length], sender, flags))
                    return 0;
            }
            if (!_receiving)
                return 0;
            budget -= n;
            if (_alloc is not null)
                return n < asked ? 1 : budget; // the next recvmsg, into the alloc's buffer, says "nothing more" if so
            if (n < asked)
            {
                _receive!(this, 0, buffers[..SuggestedReceiveSize], null, UdpRecvFlags.None);
                return 0;
            }
        }
        return 0;
    }

    /// <summary>
    /// A datagram of a batch, read before a callback restarted receiving with an alloc of its own: copied into the buffer
    /// that alloc gives (the start of it, flagged partial, when it is smaller), as a recvmsg into it would have read it.
    /// False when no receive callback ran for it: the alloc stopped or closed (the datagram is dropped), or gave no buffer (ENOBUFS).
    /// </summary>
    private bool HandToOwnBuffer(Memory<byte> datagram, IPEndPoint? sender, UdpRecvFlags flags)
    {
        UdpRecvCallback receive = _receive!;
        Memory<byte> own = AllocOwnBuffer();
        if (!_receiving || _receive != receive)
            return false;
        if (own.IsEmpty)
        {
            receive(this, UvError.ENOBUFS, own, null, UdpRecvFlags.None);
            return false;
        }
        if (datagram.Length > own.Length)
        {
            datagram = datagram[..own.Length];
            flags |= UdpRecvFlags.Partial;
        }
        datagram.Span.CopyTo(own.Span);
        receive(this, datagram.Length, own, sender, flags);
        return true;
    }
}

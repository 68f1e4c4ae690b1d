using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Uvnet.Interop;

namespace Uvnet;

public sealed unsafe partial class UdpHandle
{
    // Buffers one datagram may gather (Linux's UIO_MAXIOV): sendmsg refuses more.
    private const int MaxBuffersPerDatagram = 1024;

    // Datagrams one sendmmsg sends (libuv's uv__udp_sendmsg takes 20 of its queue), and the buffers they may gather.
    private const int SendBatchSize = 20;
    private const int SendBatchBuffers = 64;

    // A run of datagrams one segmented send (UDP_SEGMENT) may carry: Linux's UDP_MAX_SEGMENTS before 6.14 raised it
    // to 128, and an IPv4 datagram's largest payload for them all.
    private const int MaxSegments = 64;
    private const int MaxSegmentedBytes = 65507;

    private UdpSendRequest? _sendHead, _sendTail;
    private bool _segmentationRefused;

    // Linux before 4.18 ignores a control message of SOL_UDP: a run would leave as one datagram of all its bytes.
    private static readonly bool s_segmentation = OperatingSystem.IsLinux() && Environment.OSVersion.Version >= new Version(4, 18);
    private UdpSendRequest? _doneHead, _doneTail;
    private bool _runningSendCallbacks;

    /// <summary>Bytes of datagrams handed to a send whose callbacks have not run yet (libuv's <c>send_queue_size</c>).</summary>
    public long SendQueueSize { get; private set; }

    /// <summary>Sends whose callbacks have not run yet (libuv's <c>send_queue_count</c>).</summary>
    public long SendQueueCount { get; private set; }

    /// <summary>Sends <paramref name="data"/> as one datagram with a request from the pool; see <see cref="Send(UdpSendRequest, ReadOnlySpan{ReadOnlyMemory{byte}}, IPEndPoint?, Action{UdpSendRequest, int}?)"/>.</summary>
    public int Send(ReadOnlyMemory<byte> data, IPEndPoint? destination, Action<UdpSendRequest, int>? callback = null)
    {
        return Send(UdpSendRequest.Rent(), new ReadOnlySpan<ReadOnlyMemory<byte>>(in data), destination, callback);
    }

    /// <summary>
    /// Sends <paramref name="buffers"/> as one datagram, as <c>uv_udp_send</c>: to <paramref name="destination"/>, or,
    /// with null, to the connected peer. Tried at once when nothing is queued, otherwise queued and sent when the
    /// socket is writable; sends complete in order. A send from a receive callback of this handle is tried when the
    /// datagrams that wakeup read have all been handed out (or the handle closes), with the other sends those
    /// callbacks made: a server's replies to a batch go by one sendmmsg. The callback runs once with 0 or a negative
    /// status (EMSGSIZE for a datagram too large, ENOBUFS for one the kernel can never buffer (a difference from libuv, which waits for ever:
    /// see <see cref="LastSendStatus"/>), ECONNREFUSED on a connected socket whose peer's port was found closed,
    /// ECANCELED when the handle closes first), never inside this call. Binds to a free port first when the socket is not bound.
    /// Returns 0, or a negative status when the send cannot start (then the callback does not run): EISCONN with a
    /// destination on a connected socket, EDESTADDRREQ without one on an unconnected socket, EINVAL for no buffers or
    /// more than 1,024, or a destination of the other family.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The handle is closing or closed.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="request"/> is still in flight; the send it carries is left as it was.</exception>
    public int Send(UdpSendRequest request, ReadOnlySpan<ReadOnlyMemory<byte>> buffers, IPEndPoint? destination, Action<UdpSendRequest, int>? callback)
    {
        ArgumentNullException.ThrowIfNull(request);
        VerifyUsable();
        request.VerifyIdle();
        if (SendRefusal(buffers, destination, out long size) is < 0 and int refusal)
            return request.Refuse(refusal);
        request.Set(buffers, size, destination);
        request.Start(this, callback);
        SendQueueSize += size;
        // Not from a send callback (libuv's UV_HANDLE_UDP_PROCESSING): that send waits for the socket's next writable
        // event, or a callback that always sends again would complete sends forever without the loop polling.
        bool tryNow = SendQueueCount == 0 && !_runningSendCallbacks;
        SendQueueCount++;
        UdpSendRequest.Enqueue(ref _sendHead, ref _sendTail, request);
        if (DeferredToBatchEnd(tryNow))
            return 0;
        if (tryNow)
            Flush();
        WatchQueue();
        return 0;
    }

    /// <summary>
    /// After sends were queued and those that could go were sent: watches for the socket to be writable while any
    /// wait, and queues the callbacks of those finished for the pending phase.
    /// </summary>
    private void WatchQueue()
    {
        int watch = UpdateInterest();
        if (watch < 0)
        {
            // The poller refused the descriptor (EEXIST: another handle watches it): what waits for the socket to be
            // writable would wait for ever, so it fails with the refusal, in order, as its callbacks run.
            while (_sendHead is not null)
                CompleteSend(DequeueSend(), watch);
            UpdateInterest();
        }
        if (_doneHead is not null)
            Loop.QueuePending(this);
    }

    /// <summary>
    /// Sends one datagram now, without queuing, as <c>uv_udp_try_send</c>: the number of bytes sent, or EAGAIN when
    /// sends are queued or the socket is full, or another negative status (as <see cref="Send(UdpSendRequest, ReadOnlySpan{ReadOnlyMemory{byte}}, IPEndPoint?, Action{UdpSendRequest, int}?)"/>
    /// refuses, or as the system fails the send: EMSGSIZE, ENOBUFS for a datagram the kernel can never buffer, ECONNREFUSED...).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The handle is closing or closed.</exception>
    [SkipLocalsInit]
    public int TrySend(ReadOnlySpan<byte> data, IPEndPoint? destination)
    {
        VerifyUsable();
        if (SendRefusal(default, destination, out _, data.Length) is < 0 and int refusal)
            return refusal;
        if (SendQueueCount != 0)
            return UvError.EAGAIN;
        byte* address = stackalloc byte[SockAddr.MaxSize];
        int length = destination is null ? 0 : SockAddr.Write(destination, new Span<byte>(address, SockAddr.MaxSize));
        nint n;
        do
        {
            fixed (byte* p = data)
            {
                Libc.IoVec vector = new() { Base = p, Length = data.Length };
                Libc.MsgHdr message = new() { Name = length == 0 ? null : address, NameLength = length, Iov = &vector, IovLength = 1 };
                n = Libc.SendMsg(Fd, &message, 0);
            }
        }
        while (n < 0 && Libc.LastStatus() == UvError.EINTR);
        return n < 0 ? LastSendStatus() : (int)n;
    }

    /// <summary>
    /// The failed send's status. ENOBUFS is EAGAIN, a full socket, as libuv's uv__udp_sendmsg1 reads it, so a queued
    /// datagram waits for the socket to be writable instead of failing and TrySend says to try later, while the socket
    /// has bytes in the kernel whose sending frees buffers (or where that cannot be asked). With none, nothing frees any:
    /// the datagram can never go (on Linux, IP fragments needing more than twice the send buffer), and read as EAGAIN
    /// it would wait for ever, the loop spinning on a socket always writable; it fails with ENOBUFS instead.
    /// </summary>
    internal int LastSendStatus()
    {
        int status = Libc.LastStatus();
        if (status != UvError.ENOBUFS)
            return status;
        int inFlight = -1;
        if (OperatingSystem.IsLinux() && Libc.Ioctl(Fd, Libc.SIOCOUTQ, &inFlight) < 0)
            inFlight = -1;
        return NoBufferStatus(inFlight);
    }

    /// <summary>ENOBUFS read with <paramref name="inFlight"/> bytes of the socket's in the kernel (-1: not known): see <see cref="LastSendStatus"/>.</summary>
    internal static int NoBufferStatus(int inFlight) => inFlight == 0 ? UvError.ENOBUFS : UvError.EAGAIN;

    /// <summary>
    /// Why a datagram cannot be sent (0: it can, and the socket exists then, bound if it was not): libuv's
    /// uv__udp_check_before_send and deferred bind. <paramref name="single"/> is the length of a lone span (TrySend).
    /// </summary>
    private int SendRefusal(ReadOnlySpan<ReadOnlyMemory<byte>> buffers, IPEndPoint? destination, out long size, int single = -1)
    {
        size = single;
        if (destination is not null && _connected)
            return UvError.EISCONN;
        if (destination is null && !_connected)
            return UvError.EDESTADDRREQ;
        if (single < 0)
        {
            if (buffers.Length is < 1 or > MaxBuffersPerDatagram)
                return UvError.EINVAL;
            size = 0;
            foreach (ReadOnlyMemory<byte> b in buffers)
                size += b.Length;
        }
        if (destination is null)
            return 0;
        if (destination.AddressFamily != AddressFamily.InterNetwork && destination.AddressFamily != AddressFamily.InterNetworkV6)
            return UvError.EAFNOSUPPORT;
        int status = BindIfUnbound(destination.AddressFamily);
        if (status < 0)
            return status;
        // A destination of the other family is refused before anything is queued: libuv passes it on, and then the
        // outcome depends on the system (Linux sends an IPv4 destination from a dual-stack IPv6 socket, the BSDs say
        // EAFNOSUPPORT, an IPv6-only socket EINVAL); one answer everywhere is a documented difference.
        return (destination.AddressFamily == AddressFamily.InterNetworkV6) == _ipv6 ? 0 : UvError.EINVAL;
    }

    private UdpSendRequest DequeueSend() => UdpSendRequest.Dequeue(ref _sendHead, ref _sendTail);

    private void CompleteSend(UdpSendRequest request, int status)
    {
        request.Result = status;
        UdpSendRequest.Enqueue(ref _doneHead, ref _doneTail, request);
    }

    /// <summary>
    /// Sends queued datagrams until the socket is full; each sent or failed one moves to the done queue. Two or more
    /// queued go by sendmmsg on Linux (unless connected: see <see cref="SendBatch"/>), as libuv's uv__udp_sendmsgv sends its write queue.
    /// </summary>
    private void Flush()
    {
        while (_sendHead is { } head)
        {
            int sent = head.Next is null || !OperatingSystem.IsLinux() ? head.SendTo(Fd) < 0 ? -1 : 1
                : SendSegmented(head) is not 0 and int segmented ? segmented : SendBatch(head);
            if (sent > 0)
            {
                for (; sent > 0; sent--)
                    CompleteSend(DequeueSend(), 0);
                continue;
            }
            int status = LastSendStatus();
            if (status == UvError.EINTR)
                continue;
            if (status == UvError.EAGAIN)
                break;
            // This datagram fails (EMSGSIZE, ECONNREFUSED...); those behind it are datagrams of their own and go on.
            CompleteSend(DequeueSend(), status);
        }
    }

    /// <summary>
    /// Sends the run of queued datagrams from <paramref name="head"/> that go to one destination in equal sizes (the
    /// last may be shorter) as one sendmsg with UDP_SEGMENT, where the kernel supports it (GSO): the kernel cuts the
    /// run back into those datagrams, each with its own UDP header, so each arrives as one datagram as before. Returns
    /// how many went (all of the run); -1 (errno set) when none did, for a reason that is the first datagram's (the
    /// socket is full, a pending ECONNREFUSED...), as <see cref="SendBatch"/> says it; or 0 when the run is shorter
    /// than two or was refused as a whole (EMSGSIZE, or EINVAL and EIO: no UDP_SEGMENT, a segment above the path's
    /// MTU, no checksum offload; those are not tried again on this handle): the datagrams then go by sendmmsg, which
    /// tells each its own status.
    /// </summary>
    [SkipLocalsInit]
    private int SendSegmented(UdpSendRequest head)
    {
        long segment = head.Size;
        if (!s_segmentation || _segmentationRefused || segment == 0)
            return 0;
        int count = 1, buffers = head.BufferCount;
        long total = segment;
        for (UdpSendRequest? r = head.Next; r is not null && count < MaxSegments; r = r.Next)
        {
            // Only the last datagram of a run may be shorter than the segment size.
            if (r.Size == 0 || r.Size > segment || total + r.Size > MaxSegmentedBytes || buffers + r.BufferCount > SendBatchBuffers
                || !r.SameDestination(head))
                break;
            count++;
            buffers += r.BufferCount;
            total += r.Size;
            if (r.Size < segment)
                break;
        }
        if (count < 2)
            return 0;
        Libc.IoVec* vectors = stackalloc Libc.IoVec[SendBatchBuffers];
        // struct cmsghdr (a size_t length, then level and type) and the segment size, padded to CMSG_SPACE(2).
        ulong* control = stackalloc ulong[3];
        control[0] = 16 + sizeof(ushort);
        ((int*)control)[2] = SocketConstants.SOL_UDP;
        ((int*)control)[3] = SocketConstants.UDP_SEGMENT;
        control[2] = (ushort)segment;
        Libc.MsgHdr message = head.Message(vectors);
        int used = head.BufferCount;
        for (UdpSendRequest next = head; used < buffers;)
        {
            next = next.Next!;
            next.Message(vectors + used);
            used += next.BufferCount;
        }
        message.IovLength = used;
        message.Control = control;
        message.ControlLength = 3 * sizeof(ulong);
        nint sent = Libc.SendMsg(Fd, &message, 0);
        UdpSendRequest? pinned = head;
        for (int i = 0; i < count; i++, pinned = pinned.Next)
            pinned!.Unpin();
        if (sent >= 0)
            return count;
        // Refused for the run as a whole (by the kernel, or for its size): its datagrams go one by one. Any other
        // failure (EAGAIN, or a pending error such as ECONNREFUSED, which the call took from the socket) is the first
        // datagram's, as sendmmsg reports it: the caller reads it from errno.
        int status = Libc.LastStatus();
        if (status == UvError.EINVAL || status == UvError.EIO)
            _segmentationRefused = true;
        return status == UvError.EINVAL || status == UvError.EIO || status == UvError.EMSGSIZE ? 0 : -1;
    }

    /// <summary>
    /// Sends up to <see cref="SendBatchSize"/> queued datagrams from <paramref name="head"/> with one sendmmsg: how many
    /// went (the first of the others failed or found the socket full: the next call starts with it and says which), or
    /// -1 (errno set) when the first did not go. A batch gathers at most <see cref="SendBatchBuffers"/> buffers, so its iovecs fit on the
    /// stack; a datagram of more buffers starts a batch of its own. On a connected socket each datagram goes by a
    /// sendmsg of its own: a refusal (ECONNREFUSED) that an earlier datagram of a sendmmsg drew (at once on loopback)
    /// is taken from the socket by the later one that meets it, and sendmmsg, reporting only the datagrams sent before,
    /// loses it, where the sendmsg reports it on that datagram, as libuv's send of a reply does.
    /// </summary>
    private int SendBatch(UdpSendRequest head)
    {
        if (_connected)
            return head.SendTo(Fd) < 0 ? -1 : 1;
        Libc.MMsgHdr* messages = stackalloc Libc.MMsgHdr[SendBatchSize];
        Libc.IoVec* vectors = stackalloc Libc.IoVec[SendBatchBuffers];
        int count = 0, used = 0;
        for (UdpSendRequest? r = head; r is not null && count < SendBatchSize && used + r.BufferCount <= SendBatchBuffers; r = r.Next)
        {
            messages[count++] = new() { Header = r.Message(vectors + used) };
            used += r.BufferCount;
        }
        if (count == 0)
            return head.SendTo(Fd) < 0 ? -1 : 1;
        int sent = Libc.SendMMsg(Fd, messages, (uint)count, 0);
        UdpSendRequest? pinned = head;
        for (int i = 0; i < count; i++, pinned = pinned.Next)
            pinned!.Unpin();
        return sent;
    }

    /// <summary>
    /// Runs the callbacks of the sends finished before it began, in order; the queue's size and count fall as each
    /// runs. A send these callbacks start that finishes at once (refused by the poller) waits for the pending phase,
    /// or a callback that always sends again would run for ever without the loop polling.
    /// </summary>
    private void RunSendCallbacks()
    {
        UdpSendRequest? last = _doneTail;
        _runningSendCallbacks = true;
        try
        {
            while (last is not null)
            {
                UdpSendRequest request = UdpSendRequest.Dequeue(ref _doneHead, ref _doneTail);
                SendQueueSize -= request.Size;
                SendQueueCount--;
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
            // A callback threw: the rest still run, in the next pending phase.
            if (!IsClosing)
                Loop.QueuePending(this);
            throw;
        }
        finally
        {
            _runningSendCallbacks = false;
        }
        UpdateInterest();
    }
}

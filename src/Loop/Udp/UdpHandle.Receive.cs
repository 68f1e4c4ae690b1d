using System.Net;
using Uvnet.Interop;

namespace Uvnet;

public sealed unsafe partial class UdpHandle
{
    // Receives per wakeup, as libuv's uv__udp_recvmsg: prevents loop starvation when datagrams come in as fast as
    // (or faster than) they are read (level-triggered polling reports the rest again).
    private const int MaxReceivesPerWakeup = 32;

    // sockaddr_in6, the largest sender address; the last sender is kept to hand the same endpoint out again.
    private const int MaxSenderSize = 28;

    private bool _receiving;
    private UdpAllocCallback? _alloc;
    private UdpRecvCallback? _receive;
    private byte[]? _lastSender;
    private int _lastSenderLength;
    private IPEndPoint? _lastSenderEndPoint;

    /// <summary>Whether <see cref="ReceiveStart(UdpAllocCallback?, UdpRecvCallback)"/> is in effect.</summary>
    public bool IsReceiving => _receiving;

    /// <summary>Starts receiving into the loop's shared 64 KiB buffer: an idle handle holds no receive buffer.</summary>
    public int ReceiveStart(UdpRecvCallback receive) => ReceiveStart(null, receive);

    /// <summary>
    /// Starts receiving, as <c>uv_udp_recv_start</c>: before each receive <paramref name="alloc"/> (null: the loop's
    /// shared buffer) gives the buffer, then <paramref name="receive"/> gets the datagram. Returns 0, EBADF when the
    /// handle has no socket (bind it first), or EALREADY when receiving already.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The handle is closing or closed.</exception>
    public int ReceiveStart(UdpAllocCallback? alloc, UdpRecvCallback receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        VerifyUsable();
        if (Fd < 0)
            return UvError.EBADF;
        if (_receiving)
            return UvError.EALREADY;
        _alloc = alloc;
        _receive = receive;
        _receiving = true;
        UpdateInterest();
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

    private void ReceiveAvailable()
    {
        byte* name = stackalloc byte[SockAddr.MaxSize];
        for (int count = MaxReceivesPerWakeup; count > 0 && _receiving; count--)
        {
            UdpRecvCallback receive = _receive!;
            Memory<byte> buffer = _alloc is null ? Loop.SharedReadBuffer : _alloc(this, SuggestedReceiveSize);
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
            receive(this, (int)n, buffer, Sender(new ReadOnlySpan<byte>(name, Math.Min(message.NameLength, MaxSenderSize))), flags);
        }
    }

    /// <summary>The sender's endpoint: the one handed out last when the address is the same, so a steady peer allocates nothing.</summary>
    private IPEndPoint? Sender(ReadOnlySpan<byte> address)
    {
        if (_lastSenderEndPoint is not null && address.SequenceEqual(_lastSender.AsSpan(0, _lastSenderLength)))
            return _lastSenderEndPoint;
        Span<byte> padded = stackalloc byte[SockAddr.MaxSize];
        padded.Clear();
        address.CopyTo(padded);
        IPEndPoint? sender = SockAddr.Read(padded);
        if (sender is null)
            return null;
        _lastSender ??= new byte[MaxSenderSize];
        address.CopyTo(_lastSender);
        _lastSenderLength = address.Length;
        _lastSenderEndPoint = sender;
        return sender;
    }
}

using System.Net;
using System.Net.Sockets;
using Uvnet.Interop;
using Uvnet.Io;

namespace Uvnet;

/// <summary>
/// A UDP socket, as libuv's <c>uv_udp_t</c>: datagrams sent as requests completed in order, received through
/// alloc/receive callbacks with the sender's address, multicast and the other socket options.
/// </summary>
/// <remarks>
/// The socket is created by <see cref="Bind"/>, <see cref="Open"/>, the family constructor, or at the first
/// <see cref="Connect"/>, send to an address, membership change or receive start, which bind it to the any-address
/// of that family (IPv4 for a receive start) on a free port, as libuv does. No callback runs inside the call that started its operation. Closing the handle
/// cancels queued sends: each callback runs once, with <see cref="UvError.ECANCELED"/>, before the close callback.
/// Using a handle once it is closing throws <see cref="ObjectDisposedException"/>; passing a request still in flight
/// throws <see cref="InvalidOperationException"/>, before either changes anything. I/O conditions are statuses.
/// </remarks>
public sealed unsafe partial class UdpHandle : IoHandle, SharedPorts.IMember
{
    /// <summary>The buffer size suggested to alloc callbacks: the largest datagram (libuv's UV__UDP_DGRAM_MAXSIZE).</summary>
    public const int SuggestedReceiveSize = 64 * 1024;

    private SharedPorts.Entry? _sharedPort;
    private bool _ipv6;
    private bool _connected;

    /// <summary>Creates a UDP handle with no socket yet.</summary>
    public UdpHandle(Loop loop) : base(loop)
    {
    }

    /// <summary>
    /// Creates a UDP handle and its socket of <paramref name="family"/> at once (libuv's <c>uv_udp_init_ex</c>), so
    /// that options can be set before <see cref="Bind"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="family"/> is neither IPv4 nor IPv6.</exception>
    /// <exception cref="SocketException">The system refused the socket (EMFILE...); no handle is left on the loop.</exception>
    public UdpHandle(Loop loop, AddressFamily family) : base(loop)
    {
        if (family != AddressFamily.InterNetwork && family != AddressFamily.InterNetworkV6)
        {
            Close();
            throw new ArgumentOutOfRangeException(nameof(family), family, "A UDP handle is IPv4 or IPv6.");
        }
        int status = CreateSocket(family == AddressFamily.InterNetworkV6);
        if (status < 0)
        {
            Close();
            throw new SocketException(-status, UvError.Message(status));
        }
    }

    /// <summary>
    /// The object of the layer built on this handle (Net's dgram socket), which its static callbacks find here: its own
    /// field, because <see cref="Handle.Data"/> is the user's.
    /// </summary>
    internal object? Owner { get; set; }

    /// <summary>The local address (libuv's <c>uv_udp_getsockname</c>), or null before the socket exists.</summary>
    public IPEndPoint? LocalEndPoint => Fd < 0 ? null : SockAddr.OfSocket(Fd, peer: false);

    /// <summary>The connected peer's address (libuv's <c>uv_udp_getpeername</c>), or null when not connected.</summary>
    public IPEndPoint? RemoteEndPoint => _connected ? SockAddr.OfSocket(Fd, peer: true) : null;

    /// <summary>Whether <see cref="Connect"/> fixed the peer (until <see cref="Disconnect"/>).</summary>
    public bool IsConnected => _connected;

    /// <summary>
    /// Binds to <paramref name="endpoint"/> (port 0: any free port), as <c>uv_udp_bind</c>, creating the socket if
    /// there is none. Returns 0 or a negative status: EINVAL for <see cref="UdpBindFlags.Ipv6Only"/> with an IPv4
    /// address or a socket bound already, EADDRINUSE, EADDRNOTAVAIL, EACCES...
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Unknown flags.</exception>
    /// <exception cref="ArgumentException"><see cref="UdpBindFlags.ReuseAddress"/> with <see cref="UdpBindFlags.SharePort"/>.</exception>
    public int Bind(IPEndPoint endpoint, UdpBindFlags flags = UdpBindFlags.None)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if ((flags & ~(UdpBindFlags.Ipv6Only | UdpBindFlags.ReuseAddress | UdpBindFlags.SharePort)) != 0)
            throw new ArgumentOutOfRangeException(nameof(flags), flags, "Unknown bind flags.");
        if ((flags & (UdpBindFlags.ReuseAddress | UdpBindFlags.SharePort)) == (UdpBindFlags.ReuseAddress | UdpBindFlags.SharePort))
            throw new ArgumentException("ReuseAddress and SharePort exclude each other: SharePort keeps other sockets off the port, ReuseAddress lets them on.", nameof(flags));
        VerifyUsable();
        if (endpoint.AddressFamily != AddressFamily.InterNetwork && endpoint.AddressFamily != AddressFamily.InterNetworkV6)
            return UvError.EAFNOSUPPORT;
        bool ipv6Only = (flags & UdpBindFlags.Ipv6Only) != 0;
        if (ipv6Only && endpoint.AddressFamily != AddressFamily.InterNetworkV6)
            return UvError.EINVAL; // as libuv: IPv6-only means nothing to an IPv4 socket
        if ((flags & UdpBindFlags.SharePort) == 0)
            return BindSocket(endpoint, ipv6Only, (flags & UdpBindFlags.ReuseAddress) != 0);
        if (_sharedPort is not null)
            return UvError.EINVAL; // bound already, as bind(2) says of a bound socket
        return SharedPorts.Join(this, endpoint, ipv6Only, out _sharedPort);
    }

    private int BindSocket(IPEndPoint endpoint, bool ipv6Only, bool reuseAddress)
    {
        bool ipv6 = endpoint.AddressFamily == AddressFamily.InterNetworkV6;
        if (Fd < 0)
        {
            int created = CreateSocket(ipv6);
            if (created < 0)
                return created;
        }
        else if (ipv6 != _ipv6)
        {
            return UvError.EINVAL; // as libuv reports the BSDs' EAFNOSUPPORT: the socket is of the other family
        }
        int status = reuseAddress ? SetOption(SocketConstants.SOL_SOCKET, SocketConstants.SO_REUSEADDR, 1) : 0;
        if (status == 0 && ipv6)
            status = SetOption(SocketConstants.IPPROTO_IPV6, SocketConstants.IPV6_V6ONLY, ipv6Only ? 1 : 0);
        if (status < 0)
            return status;
        byte* address = stackalloc byte[SockAddr.MaxSize];
        int length = SockAddr.Write(endpoint, new Span<byte>(address, SockAddr.MaxSize));
        return Libc.Bind(Fd, address, length) < 0 ? Libc.LastStatus() : 0;
    }

    int SharedPorts.IMember.BindToShare(IPEndPoint endpoint, bool ipv6Only) => BindSocket(endpoint, ipv6Only, reuseAddress: false);

    void SharedPorts.IMember.AttachBound(int fd) => Attach(fd, ipv6: SockAddr.OfSocket(fd, peer: false)?.AddressFamily == AddressFamily.InterNetworkV6);

    /// <summary>
    /// Adopts an existing UDP socket descriptor, as <c>uv_udp_open</c>; the handle then owns it (and closes it). A
    /// socket connected already is taken as connected. Returns 0, or EBUSY when the handle has a socket, ENOTSOCK,
    /// EINVAL for a socket that is not a datagram socket, EAFNOSUPPORT for one that is not IPv4 or IPv6.
    /// </summary>
    public int Open(int fd)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        VerifyUsable();
        if (Fd >= 0)
            return UvError.EBUSY;
        int type;
        int size = sizeof(int);
        if (Libc.GetSockOpt(fd, SocketConstants.SOL_SOCKET, SocketConstants.SO_TYPE, &type, &size) < 0)
            return Libc.LastStatus();
        if (type != SocketConstants.SOCK_DGRAM)
            return UvError.EINVAL;
        IPEndPoint? local = SockAddr.OfSocket(fd, peer: false);
        if (local is null)
            return UvError.EAFNOSUPPORT;
        int status = Libc.SetNonBlockingCloseOnExec(fd);
        if (status < 0)
            return status;
        Attach(fd, local.AddressFamily == AddressFamily.InterNetworkV6);
        _connected = SockAddr.OfSocket(fd, peer: true) is not null;
        return 0;
    }

    /// <summary>
    /// Fixes the peer, as <c>uv_udp_connect</c>: sends then go to it without an address, only its datagrams are
    /// received, and an ICMP port-unreachable from it is reported (ECONNREFUSED to the receive callback, or to the next
    /// send). Binds to a free port first when the socket is not bound. Returns 0, or EISCONN when connected already,
    /// EINVAL for an address of the other family than the socket's, or the system's status.
    /// </summary>
    public int Connect(IPEndPoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        VerifyUsable();
        if (endpoint.AddressFamily != AddressFamily.InterNetwork && endpoint.AddressFamily != AddressFamily.InterNetworkV6)
            return UvError.EAFNOSUPPORT;
        if (_connected)
            return UvError.EISCONN;
        int status = BindIfUnbound(endpoint.AddressFamily);
        if (status < 0)
            return status;
        byte* address = stackalloc byte[SockAddr.MaxSize];
        int length = SockAddr.Write(endpoint, new Span<byte>(address, SockAddr.MaxSize));
        do
            status = Libc.Connect(Fd, address, length) < 0 ? Libc.LastStatus() : 0;
        while (status == UvError.EINTR);
        if (status == UvError.EAFNOSUPPORT)
            status = UvError.EINVAL;
        if (status == 0)
            _connected = true;
        return status;
    }

    /// <summary>Forgets the peer <see cref="Connect"/> fixed (connect with AF_UNSPEC). Returns 0, or ENOTCONN when not connected.</summary>
    public int Disconnect()
    {
        VerifyUsable();
        if (!_connected)
            return UvError.ENOTCONN;
        byte* address = stackalloc byte[SockAddr.MaxSize];
        new Span<byte>(address, SockAddr.MaxSize).Clear(); // AF_UNSPEC is 0 on every system
        int status = Libc.Connect(Fd, address, 16) < 0 ? Libc.LastStatus() : 0;
        // The BSDs disconnect, then refuse the AF_UNSPEC address as a new peer: as libuv, that is success.
        if (status < 0 && (OperatingSystem.IsLinux() || (status != UvError.EAFNOSUPPORT && status != UvError.EINVAL)))
            return status;
        _connected = false;
        return 0;
    }

    /// <summary>Creates the socket bound to the any-address of <paramref name="family"/> on a free port, unless there is one (libuv's deferred bind).</summary>
    private int BindIfUnbound(AddressFamily family)
    {
        if (Fd >= 0)
            return 0;
        IPAddress any = family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
        return BindSocket(new IPEndPoint(any, 0), ipv6Only: false, reuseAddress: false);
    }

    private int CreateSocket(bool ipv6)
    {
        int fd = Libc.NonBlockingSocket(ipv6 ? SocketConstants.AF_INET6 : SocketConstants.AF_INET, SocketConstants.SOCK_DGRAM);
        if (fd < 0)
            return fd;
        Attach(fd, ipv6);
        return 0;
    }

    private void Attach(int fd, bool ipv6)
    {
        Fd = fd;
        _ipv6 = ipv6;
        Loop.AttachIo(this);
    }

    private int SetOption(int level, int name, int value) =>
        Libc.SetSockOpt(Fd, level, name, &value, sizeof(int)) < 0 ? Libc.LastStatus() : 0;

    internal override void OnIo(IoEvents events)
    {
        // An error (a port unreachable on a connected socket) is found by the receive, as libuv does on POLLERR.
        if (_receiving && (events & (IoEvents.Read | IoEvents.Error | IoEvents.Hangup)) != 0)
        {
            BeginDeferringSends();
            try
            {
                ReceiveAvailable();
            }
            finally
            {
                EndDeferringSends();
            }
        }
        if (Fd >= 0 && _sendHead is not null && (events & (IoEvents.Write | IoEvents.Error | IoEvents.Hangup)) != 0)
        {
            Flush();
            RunSendCallbacks();
        }
    }

    internal override void OnPending() => RunSendCallbacks();

    /// <summary>
    /// Derives what the descriptor is watched for, and whether the handle is active. Returns 0, or the poller's refusal
    /// of a descriptor it did not watch yet (EEXIST: another handle of the loop watches an adopted descriptor).
    /// </summary>
    private int UpdateInterest()
    {
        if (Fd < 0)
            return 0;
        IoEvents wanted = IoEvents.None;
        if (_receiving)
            wanted |= _sharedPort is null || _sendHead is not null ? IoEvents.Read : IoEvents.Read | IoEvents.Exclusive;
        if (_sendHead is not null)
            wanted |= IoEvents.Write;
        int status = Loop.Watch(this, wanted);
        SetActive(_receiving || SendQueueCount > 0);
        return status;
    }

    private protected override void OnClosing()
    {
        // Replies a receive callback sent before closing go as they would have gone at once; the rest are cancelled.
        EndDeferringSends();
        _receiving = false;
        _alloc = null;
        _receive = null;
        if (_sharedPort is { } shared)
        {
            _sharedPort = null;
            SharedPorts.Leave(shared);
        }
        if (Fd < 0)
            return;
        Loop.DetachIo(this);
        Libc.Close(Fd);
        Fd = -1;
        _connected = false;
    }

    private protected override void OnClosed()
    {
        // As libuv's uv__udp_finish_close: sends still queued are cancelled, then every callback runs in order.
        while (_sendHead is not null)
            CompleteSend(DequeueSend(), UvError.ECANCELED);
        RunSendCallbacks();
    }
}

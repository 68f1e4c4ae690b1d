using System.Net;
using System.Net.Sockets;
using Uvnet.Interop;

namespace Uvnet;

/// <summary>A TCP stream or listener, as libuv's <c>uv_tcp_t</c>.</summary>
public sealed class TcpHandle : StreamHandle, SharedPorts.IMember
{
    private SharedPorts.Entry? _sharedPort;
    private bool? _noDelay;
    private (bool Enable, int Delay)? _keepAlive;

    /// <summary>Creates a TCP handle with no socket yet: <see cref="Bind"/>, <see cref="Connect(ConnectRequest, IPEndPoint, Action{ConnectRequest, int})"/> or <see cref="StreamHandle.Accept"/> gives it one.</summary>
    public TcpHandle(Loop loop) : base(loop)
    {
    }

    /// <summary>The local address, or null before the socket exists.</summary>
    public IPEndPoint? LocalEndPoint => SocketEndPoint(peer: false);

    /// <summary>The peer's address, or null when not connected.</summary>
    public IPEndPoint? RemoteEndPoint => SocketEndPoint(peer: true);

    /// <summary>Adopts a connected TCP socket descriptor, which the handle then owns. Returns 0 or a negative status.</summary>
    public int Open(int fd) => OpenDescriptor(fd);

    /// <summary>
    /// Binds to <paramref name="endpoint"/> (port 0: any free port), as <c>uv_tcp_bind</c>: SO_REUSEADDR set as
    /// libuv sets it; an IPv6 address is dual-stack unless <see cref="TcpBindFlags.Ipv6Only"/>; with
    /// <see cref="TcpBindFlags.SharePort"/>, the socket another handle of this process bound to the same address
    /// with that flag, if there is one. Returns 0 or a negative status (EADDRINUSE, EADDRNOTAVAIL, EACCES...).
    /// </summary>
    public int Bind(IPEndPoint endpoint, TcpBindFlags flags = TcpBindFlags.None)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if ((flags & ~(TcpBindFlags.Ipv6Only | TcpBindFlags.ReusePort | TcpBindFlags.SharePort)) != 0)
            throw new ArgumentOutOfRangeException(nameof(flags), flags, "Unknown bind flags.");
        if ((flags & (TcpBindFlags.ReusePort | TcpBindFlags.SharePort)) == (TcpBindFlags.ReusePort | TcpBindFlags.SharePort))
            throw new ArgumentException("ReusePort and SharePort exclude each other: SharePort keeps other processes off the port, ReusePort lets them on.", nameof(flags));
        VerifyUsable();
        if (endpoint.AddressFamily != AddressFamily.InterNetwork && endpoint.AddressFamily != AddressFamily.InterNetworkV6)
            return UvError.EAFNOSUPPORT;
        if ((flags & TcpBindFlags.SharePort) == 0)
            return BindSocket(endpoint, flags);
        if (_sharedPort is not null)
            return UvError.EINVAL; // bound already, as bind(2) says of a bound socket
        return SharedPorts.Join(this, endpoint, (flags & TcpBindFlags.Ipv6Only) != 0, out _sharedPort);
    }

    /// <summary>Creates the socket unless there is one, sets the options of <paramref name="flags"/> and binds it.</summary>
    private int BindSocket(IPEndPoint endpoint, TcpBindFlags flags)
    {
        int status = EnsureSocket(SockAddr.Family(endpoint));
        if (status < 0)
            return status;
        status = SetOption(SocketConstants.SOL_SOCKET, SocketConstants.SO_REUSEADDR, 1);
        if (status == 0 && (flags & TcpBindFlags.ReusePort) != 0)
            status = SetOption(SocketConstants.SOL_SOCKET, SocketConstants.SO_REUSEPORT, 1);
        if (status == 0 && endpoint.AddressFamily == AddressFamily.InterNetworkV6)
            status = SetOption(SocketConstants.IPPROTO_IPV6, SocketConstants.IPV6_V6ONLY, (flags & TcpBindFlags.Ipv6Only) != 0 ? 1 : 0);
        return status < 0 ? status : BindSocket(endpoint);
    }

    int SharedPorts.IMember.BindToShare(IPEndPoint endpoint, bool ipv6Only) =>
        BindSocket(endpoint, ipv6Only ? TcpBindFlags.Ipv6Only : TcpBindFlags.None);

    void SharedPorts.IMember.AttachBound(int fd) => Attach(fd, 0);

    /// <summary>
    /// Connects to <paramref name="endpoint"/>, as <c>uv_tcp_connect</c>. The callback runs once with 0 or a
    /// negative status (ECONNREFUSED, ETIMEDOUT, ECANCELED when the handle closes first), never inside this
    /// call. Writes made before the connect completes are queued and sent once connected. Returns 0, or a
    /// negative status when the connect cannot start (then the callback does not run): EALREADY while connecting,
    /// EISCONN once connected.
    /// </summary>
    /// <exception cref="InvalidOperationException"><paramref name="request"/> is still in flight; no connect is issued.</exception>
    public int Connect(ConnectRequest request, IPEndPoint endpoint, Action<ConnectRequest, int>? callback)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return StartConnect(request, endpoint, callback);
    }

    /// <summary>Connects with a request from the loop's pool; see <see cref="Connect(ConnectRequest, IPEndPoint, Action{ConnectRequest, int})"/>.</summary>
    public int Connect(IPEndPoint endpoint, Action<ConnectRequest, int>? callback)
    {
        return Connect(ConnectRequest.Rent(), endpoint, callback);
    }

    /// <summary>TCP_NODELAY: send small writes at once instead of coalescing them (Nagle). Applied when the socket exists.</summary>
    public int SetNoDelay(bool enable)
    {
        VerifyUsable();
        _noDelay = enable;
        return Fd < 0 ? 0 : SetOption(SocketConstants.IPPROTO_TCP, SocketConstants.TCP_NODELAY, enable ? 1 : 0);
    }

    /// <summary>SO_KEEPALIVE, with the first probe after <paramref name="delaySeconds"/> of idleness (libuv's <c>uv_tcp_keepalive</c>).</summary>
    public int SetKeepAlive(bool enable, int delaySeconds)
    {
        VerifyUsable();
        if (enable)
            ArgumentOutOfRangeException.ThrowIfLessThan(delaySeconds, 1);
        _keepAlive = (enable, delaySeconds);
        return Fd < 0 ? 0 : ApplyKeepAlive(enable, delaySeconds);
    }

    private int ApplyKeepAlive(bool enable, int delaySeconds)
    {
        // The timing first, the switch last: a delay the system refuses (past Linux's 32767 s, say) leaves keep-alive
        // as it was instead of on with the system's default timing. libuv's defaults: probes every second, 10 of
        // them, after the idle delay.
        int status = 0;
        if (enable)
        {
            status = SetOption(SocketConstants.IPPROTO_TCP, SocketConstants.TCP_KEEPIDLE, delaySeconds);
            if (status == 0)
                status = SetOption(SocketConstants.IPPROTO_TCP, SocketConstants.TCP_KEEPINTVL, 1);
            if (status == 0)
                status = SetOption(SocketConstants.IPPROTO_TCP, SocketConstants.TCP_KEEPCNT, 10);
        }
        return status < 0 ? status : SetOption(SocketConstants.SOL_SOCKET, SocketConstants.SO_KEEPALIVE, enable ? 1 : 0);
    }

    /// <summary>Closes the connection with a reset (RST, via SO_LINGER 0) instead of an orderly FIN, as <c>uv_tcp_close_reset</c>.</summary>
    public void CloseReset(Action<Handle>? callback = null)
    {
        VerifyUsable();
        ResetOnClose();
        Close(callback);
    }

    private protected override void OnAttached()
    {
        if (_noDelay is { } noDelay)
            SetOption(SocketConstants.IPPROTO_TCP, SocketConstants.TCP_NODELAY, noDelay ? 1 : 0);
        if (_keepAlive is { } keepAlive)
            ApplyKeepAlive(keepAlive.Enable, keepAlive.Delay);
    }

    private protected override void OnClosing()
    {
        base.OnClosing();
        if (_sharedPort is { } shared)
        {
            _sharedPort = null;
            SharedPorts.Leave(shared);
        }
    }

    private protected override bool SharedByLoops => _sharedPort is not null;

    private protected override int EnsureListenable() => EnsureSocket(SocketConstants.AF_INET);
}

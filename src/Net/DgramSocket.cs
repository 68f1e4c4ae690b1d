using System.Net;
using System.Net.Sockets;

namespace Uvnet.Net;

/// <summary>
/// A UDP socket in the shape of Node's <c>dgram.Socket</c> (named <c>DgramSocket</c> because <see cref="Socket"/> is
/// Net's TCP socket): <see cref="Bind(int, string?, Action?)"/>, <see cref="Send(ReadOnlyMemory{byte}, int, string?, Action{NetException?, int}?)"/>
/// (binding to a free port first, as Node does), <see cref="Connect(int, string?, Action{NetException?}?)"/>, events
/// (<see cref="Message"/>, <see cref="Listening"/>, <see cref="Connected"/>, <see cref="Error"/>, <see cref="Closed"/>),
/// multicast and socket options, and <see cref="ReceiveAsync(Memory{byte}, CancellationToken)"/> for async code.
/// Create one with <see cref="Dgram.CreateSocket(Loop, string, DgramMessageHandler?)"/>.
/// </summary>
/// <remarks>
/// <para>Every member is for the loop's thread. Events are raised on the loop thread, never inside the call that caused
/// them. Misuse throws at once, as Node throws: a <see cref="NetException"/> with Node's code (ERR_SOCKET_BAD_PORT,
/// ERR_SOCKET_DGRAM_NOT_RUNNING, ERR_SOCKET_DGRAM_IS_CONNECTED...) or, for an option the system refuses, the errno's
/// code ("setTTL EINVAL"). I/O errors are values: a failed bind, a receive error (ECONNREFUSED on a connected socket)
/// is raised as <see cref="Error"/>; a failed send goes to its callback (without one, it is dropped, as Node drops it).
/// A UDP socket does not close on an error.</para>
/// <para>A handler may call <see cref="Close(Action?)"/> from inside any event; after <see cref="Closed"/> nothing is
/// raised. A handler that throws: the exception leaves <see cref="Uvnet.Loop.Run(RunMode)"/> and the socket stays as it was.</para>
/// </remarks>
public sealed partial class DgramSocket
{
    private enum BindState : byte
    {
        Unbound,
        Binding,
        Bound,
    }

    private enum ConnectState : byte
    {
        Disconnected,
        Connecting,
        Connected,
    }

    private static readonly UdpAllocCallback s_onAlloc = static (handle, _) => ((DgramSocket)((UdpHandle)handle).Owner!).OnAlloc();
    private static readonly UdpRecvCallback s_onReceive = static (handle, nread, buffer, sender, flags) =>
        ((DgramSocket)handle.Owner!).OnReceive(nread, buffer, sender, flags);

    private readonly DgramSocketOptions _options;
    private readonly bool _ipv6;
    private UdpHandle? _handle; // null once closed
    private BindState _bindState;
    private ConnectState _connectState;
    // What waits for the bind to finish (Node's state.queue): sends and a connect, each told the bind's error or null;
    // and a close asked for meanwhile, which follows them.
    private List<Action<NetException?>>? _queue;
    private bool _closeQueued;
    private Action? _listeningCallback;
    private Action? _closeCallback;

    internal DgramSocket(Loop loop, DgramSocketOptions options)
    {
        loop.VerifyAccess();
        Loop = loop;
        _options = options;
        _ipv6 = options.Type == "udp6";
        _handle = new UdpHandle(loop) { Owner = this };
    }

    /// <summary>The loop this socket runs on.</summary>
    public Loop Loop { get; }

    /// <summary>"udp4" or "udp6".</summary>
    public string Type => _options.Type;

    /// <summary>Raised once bound (Node's <c>'listening'</c>), explicitly or by the first send or connect.</summary>
    public event Action<DgramSocket>? Listening;

    /// <summary>Raised once <see cref="Connect(int, string?, Action{NetException?}?)"/> has fixed the peer (Node's <c>'connect'</c>).</summary>
    public event Action<DgramSocket>? Connected;

    /// <summary>Raised for a failed bind, a failed connect without a callback, or a receive error (Node's <c>'error'</c>). The socket stays open.</summary>
    public event Action<DgramSocket, NetException>? Error;

    /// <summary>Raised once the socket has closed (Node's <c>'close'</c>).</summary>
    public event Action<DgramSocket>? Closed;

    /// <summary>Any object the user wants to keep with the socket. Uvnet itself never uses it.</summary>
    public object? UserData { get; set; }

    /// <summary>
    /// Binds to <paramref name="port"/> (0: a free one) on <paramref name="address"/> (null or "": every interface,
    /// "0.0.0.0" or "::"), as Node's <c>socket.bind(port, address, callback)</c>; "localhost" is the loopback of the socket's
    /// family, a host name is looked up on the thread pool. <see cref="Listening"/> follows (and
    /// <paramref name="callback"/>, a one-time handler of it), or <see cref="Error"/> (EADDRINUSE...) from a later
    /// loop callback. Receiving starts once bound.
    /// </summary>
    /// <exception cref="NetException">ERR_SOCKET_BAD_PORT (not 0–65535), ERR_SOCKET_ALREADY_BOUND, ERR_SOCKET_DGRAM_NOT_RUNNING (closed).</exception>
    public void Bind(int port = 0, string? address = null, Action? callback = null)
    {
        Loop.VerifyAccess();
        UdpHandle handle = HealthCheck();
        if (_bindState != BindState.Unbound)
            throw new NetException("ERR_SOCKET_ALREADY_BOUND", "Socket is already bound");
        ValidatePort(port, allowZero: true);
        StartBind(handle, port, address, callback);
    }

    /// <summary>Binds to a free port on every interface; see <see cref="Bind(int, string?, Action?)"/>.</summary>
    public void Bind(Action callback) => Bind(0, null, callback);

    private void StartBind(UdpHandle handle, int port, string? address, Action? callback)
    {
        _bindState = BindState.Binding;
        _listeningCallback = callback;
        Resolve(string.IsNullOrEmpty(address) ? (_ipv6 ? "::" : "0.0.0.0") : address, (ip, error) => FinishBind(handle, ip, port, error));
    }

    private void FinishBind(UdpHandle handle, IPAddress? ip, int port, NetException? error)
    {
        if (_handle != handle)
            return; // closed in the meantime: it never binds (Node's close during bind)
        int status = 0;
        if (error is null)
        {
            // Ipv6Only goes to a udp4 socket's bind too, as Node passes UV_UDP_IPV6ONLY: libuv's EINVAL, an Error event.
            UdpBindFlags flags = (_options.ReuseAddr ? UdpBindFlags.ReuseAddress : 0) | (_options.Ipv6Only ? UdpBindFlags.Ipv6Only : 0);
            status = !IsOwnFamily(ip!) ? UvError.EINVAL : handle.Bind(new IPEndPoint(ip!, port), flags);
            if (status == 0 && _options.RecvBufferSize is { } receive)
                status = handle.SetReceiveBufferSize(receive);
            if (status == 0 && _options.SendBufferSize is { } send)
                status = handle.SetSendBufferSize(send);
            if (status < 0)
                error = new NetException(status, "bind", ip!.ToString(), port);
        }
        List<Action<NetException?>>? queue = _queue;
        _queue = null;
        if (error is not null)
        {
            _bindState = BindState.Unbound;
            _listeningCallback = null;
            try
            {
                Error?.Invoke(this, error);
            }
            finally
            {
                // Node leaves what waited in its queue for good; here each send's callback hears of the failure, and
                // so does a receive, which an unbound socket would never complete.
                FailPendingReceive(error);
                RunQueued(queue, error);
            }
            return;
        }
        _bindState = BindState.Bound;
        handle.ReceiveStart(s_onAlloc, s_onReceive);
        Action? callback = _listeningCallback;
        _listeningCallback = null;
        try
        {
            Listening?.Invoke(this);
            callback?.Invoke();
        }
        finally
        {
            // What waited for the bind goes, even when a handler threw (a queued send's callback must run once).
            RunQueued(queue, null);
        }
    }

    /// <summary>Runs what waited for the bind, then the close asked for meanwhile.</summary>
    private void RunQueued(List<Action<NetException?>>? queue, NetException? bindError)
    {
        try
        {
            if (queue is not null)
                foreach (Action<NetException?> queued in queue)
                    queued(bindError);
        }
        finally
        {
            if (_closeQueued && _handle is not null)
            {
                _closeQueued = false;
                Close();
            }
        }
    }

    /// <summary>Binds to a free port when unbound, as Node's send and connect do (<c>bind({ port: 0, exclusive: true })</c>).</summary>
    private void BindIfUnbound(UdpHandle handle)
    {
        if (_bindState == BindState.Unbound)
            StartBind(handle, 0, null, null);
    }

    /// <summary>Runs <paramref name="action"/> now when bound (with null), else once the bind finishes, with its error or null (Node's enqueue).</summary>
    private void WhenBound(Action<NetException?> action)
    {
        if (_bindState == BindState.Bound)
        {
            action(null);
            return;
        }
        (_queue ??= []).Add(action);
    }

    /// <summary>
    /// Resolves <paramref name="host"/> for this socket's family: an IP literal or "localhost" at once, but reported from a
    /// loop callback as Node's lookup is; another name on the thread pool (ENOTFOUND when it has no address of the family).
    /// </summary>
    private void Resolve(string host, Action<IPAddress?, NetException?> then)
    {
        if (TryParseAddress(host) is { } literal)
        {
            Loop.Post(static s => s.then(s.literal, null), (then, literal));
            return;
        }
        AddressFamily family = _ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        Loop.QueueWork(() => Dns.GetHostAddresses(host, family), (addresses, error) =>
        {
            if (addresses is { Length: > 0 })
                then(addresses[0], null);
            else
                then(null, new NetException("ENOTFOUND", $"getaddrinfo ENOTFOUND {host}", "getaddrinfo", host));
        });
    }

    /// <summary>An IP literal, or "localhost" as the loopback of the socket's family; null for a name to look up.</summary>
    private IPAddress? TryParseAddress(string host) =>
        IPAddress.TryParse(host, out IPAddress? address) ? address
        : host == "localhost" ? (_ipv6 ? IPAddress.IPv6Loopback : IPAddress.Loopback)
        : null;

    /// <summary><paramref name="address"/>, or the loopback of the socket's family for none (null or "": Node's lookup4 and lookup6 read any falsy address so).</summary>
    private string HostOrLoopback(string? address) => string.IsNullOrEmpty(address) ? (_ipv6 ? "::1" : "127.0.0.1") : address;

    private bool IsOwnFamily(IPAddress address) => (address.AddressFamily == AddressFamily.InterNetworkV6) == _ipv6;

    /// <summary>
    /// Closes the socket, as Node's <c>socket.close(callback)</c>: receiving stops, sends not yet done complete with
    /// ECANCELED, then <see cref="Closed"/> (and <paramref name="callback"/>, a one-time handler of it) is raised from a
    /// loop callback. While sends wait for the bind, the close waits behind them.
    /// </summary>
    /// <exception cref="NetException">ERR_SOCKET_DGRAM_NOT_RUNNING: closed already.</exception>
    public void Close(Action? callback = null)
    {
        Loop.VerifyAccess();
        UdpHandle handle = HealthCheck();
        if (callback is not null)
            _closeCallback += callback;
        if (_queue is not null)
        {
            _closeQueued = true;
            return;
        }
        _handle = null;
        _bindState = BindState.Unbound;
        _connectState = ConnectState.Disconnected;
        FailPendingReceive(NotRunning());
        handle.Close(static h => ((DgramSocket)((UdpHandle)h).Owner!).RaiseClosed());
    }

    private void RaiseClosed()
    {
        Action? callback = _closeCallback;
        _closeCallback = null;
        Closed?.Invoke(this);
        callback?.Invoke();
    }

    /// <summary>Lets the socket keep the loop alive while bound (the default), as Node's <c>socket.ref()</c>.</summary>
    public DgramSocket Ref()
    {
        Loop.VerifyAccess();
        _handle?.Ref();
        return this;
    }

    /// <summary>Lets the loop end while the socket is bound, as Node's <c>socket.unref()</c>.</summary>
    public DgramSocket Unref()
    {
        Loop.VerifyAccess();
        _handle?.Unref();
        return this;
    }

    /// <summary>The address the socket is bound to, as Node's <c>socket.address()</c>.</summary>
    /// <exception cref="NetException">ERR_SOCKET_DGRAM_NOT_RUNNING (closed); "getsockname EBADF" when not bound yet.</exception>
    public DgramAddress Address()
    {
        Loop.VerifyAccess();
        IPEndPoint local = HealthCheck().LocalEndPoint ?? throw new NetException(UvError.EBADF, "getsockname");
        return DgramAddress.Of(local);
    }

    /// <summary>The connected peer's address, as Node's <c>socket.remoteAddress()</c>.</summary>
    /// <exception cref="NetException">ERR_SOCKET_DGRAM_NOT_RUNNING (closed), ERR_SOCKET_DGRAM_NOT_CONNECTED.</exception>
    public DgramAddress RemoteAddress()
    {
        Loop.VerifyAccess();
        UdpHandle handle = HealthCheck();
        if (_connectState != ConnectState.Connected || handle.RemoteEndPoint is not { } remote)
            throw NotConnected();
        return DgramAddress.Of(remote);
    }

    /// <summary>The handle, or ERR_SOCKET_DGRAM_NOT_RUNNING once closed (Node's healthCheck).</summary>
    private UdpHandle HealthCheck() => _handle ?? throw NotRunning();

    private static NetException NotRunning() => new("ERR_SOCKET_DGRAM_NOT_RUNNING", "Not running");

    private static NetException NotConnected() => new("ERR_SOCKET_DGRAM_NOT_CONNECTED", "Not connected");

    private static void ValidatePort(int port, bool allowZero)
    {
        if (port < (allowZero ? 0 : 1) || port > IPEndPoint.MaxPort)
            throw BadPort(port.ToString(System.Globalization.CultureInfo.InvariantCulture), allowZero);
    }

    private static NetException BadPort(string received, bool allowZero) =>
        new("ERR_SOCKET_BAD_PORT", $"Port should be {(allowZero ? ">=" : ">")} 0 and < 65536. Received {received}.");
}

using System.Net;
using System.Net.Sockets;

namespace Uvnet.Net;

/// <summary>
/// A TCP or Unix-socket connection in the shape of Node's <c>net.Socket</c>: events (<see cref="Connected"/>,
/// <see cref="Data"/>, <see cref="Ended"/>, <see cref="Drain"/>, <see cref="Timeout"/>, <see cref="Error"/>,
/// <see cref="Closed"/>), backpressure through <see cref="Write(ReadOnlyMemory{byte}, Action{NetException?}?)"/>'s
/// return value, half-close, pause/resume, and async/await on the same loop.
/// </summary>
/// <remarks>
/// <para>Every member is for the loop's thread. Events are raised on the loop thread, never inside the call that
/// caused them. An I/O error is raised as <see cref="Error"/> (then <see cref="Closed"/> with
/// <c>hadError</c> true), never thrown.</para>
/// <para>A handler may call <see cref="Destroy"/> or <see cref="End(ReadOnlyMemory{byte}, Action?)"/> from inside
/// any event: <see cref="Closed"/> then comes once, and nothing after it.</para>
/// <para>A handler that throws (of any event, or a callback given to Connect, Write, End or SetTimeout): the
/// exception leaves <see cref="Uvnet.Loop.Run(RunMode)"/>, as an uncaught exception does in Node, and the handlers
/// after it for that event do not run (a one-time callback counts as the event's last handler). The socket has
/// done, or still does, what the event stands for: <see cref="Closed"/> follows <see cref="Error"/>, a socket
/// whose two sides have ended still closes, a failed write still destroys it, <see cref="Drain"/> still follows a
/// write's callback, the bytes still reach a pending <see cref="ReadAsync(Memory{byte})"/>, <see cref="ConnectAsync(int, string)"/>
/// still completes, and the descriptor is released when it closes. Run the loop again to carry on.</para>
/// </remarks>
public sealed partial class Socket : IDisposable
{
    private readonly SocketOptions _options;
    private SocketDataHandler? _data;
    private Server? _server; // null for a socket this process connected (also once an accepted one connects again)
    private StreamHandle? _handle;
    private bool _connecting;
    private bool _destroyed;
    private bool _paused;
    private bool _readableEnded;
    private bool _writableEnded;
    private bool _finished;
    private NetException? _error;
    private bool _unref;
    private bool _connected;
    private IPEndPoint? _remote;
    private long _remoteIPv4; // an IPv4 peer, packed (SockAddr.PackedIPv4) until asked for: see KeepPeer
    private IPEndPoint? _local;
    private string? _remoteAddress;
    private SocketTransform? _transform;
    private SocketPreamble? _preamble;

    /// <summary>Creates an unconnected socket on <paramref name="loop"/>; <see cref="Connect(int, string, Action?)"/> connects it.</summary>
    public Socket(Loop loop, SocketOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(loop);
        Loop = loop;
        _options = options ?? new SocketOptions();
    }

    /// <summary>A socket over a stream the server accepted.</summary>
    internal Socket(Loop loop, StreamHandle accepted, Server server, SocketOptions options, bool paused) : this(loop, options)
    {
        _server = server;
        _paused = paused;
        Adopt(accepted);
        _connected = true;
        KeepPeer();
        StartReading();
    }

    /// <summary>The loop this socket runs on.</summary>
    public Loop Loop { get; }

    /// <summary>Raised once connected (not for sockets a server accepted).</summary>
    public event Action<Socket>? Connected;

    /// <summary>
    /// Raised for each chunk read. The bytes are a span over a read buffer (the loop's shared one, the buffer of a
    /// pending <see cref="ReadAsync(Memory{byte})"/>, or the bytes kept while nobody read), valid only until the handler returns:
    /// keep a copy with <c>data.ToArray()</c>. As Node's <c>'data'</c>: bytes that arrived before any handler (and
    /// before any <see cref="ReadAsync(Memory{byte})"/>) were kept, and the first handler added gets them first, in one chunk, from
    /// a loop callback soon after (unless the socket is paused or destroyed by then).
    /// </summary>
    public event SocketDataHandler? Data
    {
        add
        {
            _data += value;
            OnConsumerAdded();
        }
        remove => _data -= value;
    }

    /// <summary>Raised when the peer ends its side (EOF). Without <see cref="SocketOptions.AllowHalfOpen"/> the socket then ends its own side.</summary>
    public event Action<Socket>? Ended;

    /// <summary>Raised when our side has ended and every write was flushed (Node's <c>'finish'</c>).</summary>
    public event Action<Socket>? Finish;

    /// <summary>
    /// Raised when the write buffer has emptied after a write returned false (or after it reached the high-water mark
    /// when writes held by <see cref="Cork"/> or by TLS left); not once the socket has ended (Node's afterWrite).
    /// </summary>
    public event Action<Socket>? Drain;

    /// <summary>Raised after <see cref="SetTimeout"/>'s milliseconds without a read or a write. The socket stays open.</summary>
    public event Action<Socket>? Timeout;

    /// <summary>Raised for an I/O error; <see cref="Closed"/> follows.</summary>
    public event Action<Socket, NetException>? Error;

    /// <summary>Raised once the socket is fully closed; the flag says whether it closed because of an error.</summary>
    public event Action<Socket, bool>? Closed;

    /// <summary>Raised after the host name of <see cref="Connect(int, string, Action?)"/> was looked up.</summary>
    public event Action<Socket, LookupResult>? Lookup;

    /// <summary>Any object the user wants to keep with the socket. Uvnet itself never uses it.</summary>
    public object? UserData { get; set; }

    /// <summary>
    /// The object a layer built on the socket keeps with it (the HTTP server's connection): its own field, because
    /// <see cref="UserData"/> is the user's to set at any time.
    /// </summary>
    internal object? Owner { get; set; }

    /// <summary>Whether a connect (or its lookup) is in progress.</summary>
    public bool Connecting => _connecting;

    /// <summary>Whether the socket was destroyed (by <see cref="Destroy"/>, an error, or both sides ending).</summary>
    public bool Destroyed => _destroyed;

    /// <summary>The connection state, as Node's <c>readyState</c>.</summary>
    public SocketReadyState ReadyState =>
        _connecting ? SocketReadyState.Opening
        : _handle is null || _destroyed ? SocketReadyState.Closed
        : !_readableEnded && !_writableEnded ? SocketReadyState.Open
        : !_readableEnded ? SocketReadyState.ReadOnly
        : !_writableEnded ? SocketReadyState.WriteOnly
        : SocketReadyState.Closed;

    /// <summary>Bytes received.</summary>
    public long BytesRead { get; private set; }

    /// <summary>Bytes handed to <see cref="Write(ReadOnlyMemory{byte}, Action{NetException?}?)"/>, flushed or still buffered.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>
    /// Bytes of <see cref="BytesWritten"/> the kernel has taken so far (the rest is <see cref="WritableLength"/>'s
    /// or on its way); it grows as a slow reader reads, even inside one large write.
    /// </summary>
    public long BytesSent => _handle?.BytesSent ?? 0;

    /// <summary>The local endpoint (an <see cref="IPEndPoint"/>, or a <see cref="UnixDomainSocketEndPoint"/> for a path), or null.</summary>
    public EndPoint? LocalEndPoint => _handle switch
    {
        TcpHandle => LocalIPEndPoint,
        PipeHandle { LocalPath: { } path } => new UnixDomainSocketEndPoint(path),
        _ => null,
    };

    /// <summary>The peer's endpoint, or null (also for an unnamed Unix-socket peer).</summary>
    public EndPoint? RemoteEndPoint => _handle switch
    {
        TcpHandle => RemoteIPEndPoint,
        PipeHandle { RemotePath: { } path } => new UnixDomainSocketEndPoint(path),
        _ => null,
    };

    // Neither end changes once connected: asked once (getpeername, getsockname), as Node keeps _peername, and kept
    // when the socket is destroyed (Destroy asks first), so Closed handlers and later code still read them.
    private IPEndPoint? RemoteIPEndPoint => _remote
        ?? (_remoteIPv4 != 0 ? _remote = Interop.SockAddr.UnpackIPv4(_remoteIPv4)
            : _connected && OpenTcpHandle is { } tcp ? _remote = tcp.RemoteEndPoint : null);

    // While connecting, the local end is not settled yet (Node drops its cached one on connect): asked, not kept.
    private IPEndPoint? LocalIPEndPoint => _local ?? (OpenTcpHandle is not { } tcp ? null : _connected ? _local = tcp.LocalEndPoint : tcp.LocalEndPoint);

    /// <summary>The local IP address as text, as Node's <c>localAddress</c>; still there once closed.</summary>
    public string? LocalAddress => LocalIPEndPoint?.Address.ToString();

    /// <summary>The local port, as Node's <c>localPort</c>; still there once closed.</summary>
    public int? LocalPort => LocalIPEndPoint?.Port;

    /// <summary>The peer's IP address as text, as Node's <c>remoteAddress</c>; still there once closed.</summary>
    public string? RemoteAddress => RemoteIPEndPoint is { } remote ? _remoteAddress ??= remote.Address.ToString() : null;

    /// <summary>The peer's port, as Node's <c>remotePort</c>; still there once closed.</summary>
    public int? RemotePort => RemoteIPEndPoint?.Port;

    /// <summary>"IPv4" or "IPv6", as Node's <c>remoteFamily</c>; still there once closed.</summary>
    public string? RemoteFamily => Net.FamilyName(RemoteIPEndPoint);

    /// <summary>The underlying stream handle, for libuv-level access; null before connecting.</summary>
    public StreamHandle? Handle => _handle;

    /// <summary>Lets the socket keep the loop alive (the default).</summary>
    public void Ref()
    {
        Loop.VerifyAccess(); // the loop counts its referenced handles without locks
        _unref = false;
        _handle?.Ref();
    }

    /// <summary>Lets the loop end while this socket is open.</summary>
    public void Unref()
    {
        Loop.VerifyAccess();
        _unref = true;
        _handle?.Unref();
    }

    /// <summary>The socket a handle belongs to, for a transform's own handle callbacks.</summary>
    internal static Socket OwnerOf(StreamHandle handle) => (Socket)handle.Owner!;

    /// <summary>The transform reads and writes pass through (TLS), or null.</summary>
    internal SocketTransform? Transform => _transform;

    /// <summary>
    /// Puts <paramref name="transform"/> between the socket and its handle, once: before a client connects, or for an
    /// accepted socket in the server's Connection event (before the loop delivers its first read).
    /// </summary>
    /// <exception cref="InvalidOperationException">The socket has a transform already, or is connected and has read or written.</exception>
    internal void SetTransform(SocketTransform transform)
    {
        ArgumentNullException.ThrowIfNull(transform);
        Loop.VerifyAccess();
        if (_transform is not null || BytesRead > 0 || BytesWritten > 0 || _destroyed)
            throw new InvalidOperationException("A transform goes on a fresh socket, once.");
        _transform = transform;
    }

    /// <summary>
    /// Puts <paramref name="preamble"/> in front of the socket's reads (and of its transform), for an accepted socket in the
    /// server's Connection event (before the loop delivers its first read), until it calls <see cref="EndPreamble"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The socket has a preamble reader already, or has read.</exception>
    internal void StartPreamble(SocketPreamble preamble)
    {
        ArgumentNullException.ThrowIfNull(preamble);
        Loop.VerifyAccess();
        if (_preamble is not null || BytesRead > 0 || _destroyed)
            throw new InvalidOperationException("A preamble reader goes on a fresh socket, once.");
        _preamble = preamble;
    }

    /// <summary>
    /// The preamble has been read: reads go to the transform or the socket from now on, starting with the
    /// <paramref name="nread"/> bytes of <paramref name="rest"/> that followed it in the last read (none: 0).
    /// </summary>
    internal void EndPreamble(int nread, Memory<byte> rest)
    {
        _preamble = null;
        if (nread > 0 && !_destroyed)
            PassRead(nread, rest);
    }

    private void Adopt(StreamHandle handle)
    {
        _handle = handle;
        _handedBytes = 0; // a new connection (or attempt): its own count against this handle's BytesSent
        handle.Owner = this;
        if (_unref)
            handle.Unref();
    }

    /// <summary>
    /// Closes the connection now, as Node's <c>socket.destroy(error)</c>: queued writes are cancelled;
    /// <see cref="Error"/> (when <paramref name="error"/> is given) and then <see cref="Closed"/> follow.
    /// </summary>
    public void Destroy(Exception? error = null)
    {
        Loop.VerifyAccess();
        if (_destroyed)
            return;
        _destroyed = true;
        _connecting = false;
        _error = error as NetException ?? (error is null ? null : new NetException("ERR_SOCKET_DESTROYED", error.Message));
        StopTimer();
        KeepEndpoints();
        if (_handle is TcpHandle { IsClosing: false } tcp && _resetOnClose)
            tcp.CloseReset(s_onHandleClosed);
        else if (_handle is { IsClosing: false } handle)
            handle.Close(s_onHandleClosed);
        else
            Loop.Post(static s => s.OnClosed(), this);
    }

    /// <summary>Destroys the socket.</summary>
    public void Dispose() => Destroy();

    /// <summary>Whether the peer's endpoint object was made (a test's view of what an idle accepted socket holds).</summary>
    internal bool HoldsRemoteEndPoint => _remote is not null;

    /// <summary>
    /// Asks for the peer of an accepted connection at once (see <see cref="KeepEndpoints"/>), keeping an IPv4 one (or an
    /// IPv4-mapped one, as a dual-stack server's clients are) packed in a long: the endpoint's two objects are made only
    /// when asked for, so a connection nobody asks about (an idle keep-alive one) holds none.
    /// </summary>
    private void KeepPeer()
    {
        if (OpenTcpHandle is { } tcp && (_remoteIPv4 = Interop.SockAddr.PackedIPv4(tcp.Fd, peer: true)) == 0)
            _ = RemoteIPEndPoint;
    }

    private static readonly Action<Handle> s_onHandleClosed = static h => ((Socket)((StreamHandle)h).Owner!).OnClosed();

    /// <summary>
    /// Asks for both ends before the handle goes, so they stay readable once closed (see <see cref="RemoteAddress"/>).
    /// The peer is asked for as soon as connected too: once both sides have ended, getpeername fails (ENOTCONN).
    /// </summary>
    private void KeepEndpoints()
    {
        if (_remoteIPv4 == 0)
            _ = RemoteIPEndPoint;
        _ = LocalIPEndPoint;
    }

    private void OnClosed()
    {
        // Taken first: a Closed handler may connect the socket again, which clears them for the next connection.
        NetException? error = _error;
        Server? server = _server;
        // Taken now, failed last: an await of them resumes inline, and the C# way to connect again is to retry a
        // ConnectAsync from its catch, which can only start once Closed was raised.
        SocketOperation? connect = TakeConnectTask();
        SocketOperation? read = TakePendingRead();
        _transform?.OnClosed(); // before the held writes fail: the transform's own held writes go first, in order
        // Each step runs even when a handler of the one before threw: Closed is never lost, the server always counts
        // the connection gone (its own Closed waits for that), and no await is left waiting.
        try
        {
            CancelPendingWrites();
        }
        finally
        {
            try
            {
                if (error is not null)
                    Error?.Invoke(this, error); // even when a write's callback threw: Closed follows Error
            }
            finally
            {
                try
                {
                    _closed = true; // from here Connect may start a new connection (Node reuses a closed socket)
                    Closed?.Invoke(this, error is not null);
                }
                finally
                {
                    try
                    {
                        server?.OnSocketClosed(this);
                    }
                    finally
                    {
                        FailAsyncOperations(connect, read, error);
                    }
                }
            }
        }
    }

    /// <summary>Destroys with an I/O error: <see cref="Error"/> then <see cref="Closed"/>.</summary>
    private void Fail(NetException error) => Destroy(error);
}

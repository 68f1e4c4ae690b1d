using System.Net;
using System.Net.Sockets;

namespace Uvnet.Net;

/// <summary>
/// A TCP or Unix-socket server in the shape of Node's <c>net.Server</c>: <see cref="Listen(int, string?, Action?)"/>,
/// <see cref="Connection"/> for each accepted <see cref="Socket"/>, <see cref="Close(Action{NetException?}?)"/>
/// that stops accepting and reports <see cref="Closed"/> once every connection has ended.
/// </summary>
/// <remarks>
/// A handler may close the server, or destroy the socket it was given, from inside any event. A handler that throws:
/// the exception leaves <see cref="Uvnet.Loop.Run(RunMode)"/>, as an uncaught exception does in Node, and the
/// handlers after it for that event do not run (Listen's and Close's callbacks count as the last handlers of
/// <see cref="Listening"/> and <see cref="Closed"/>). The server stays consistent: it keeps listening, a connection
/// accepted for a <see cref="Connection"/> handler that threw is a working socket counted until it closes, and after
/// <see cref="Error"/> or <see cref="Closed"/> it can listen again.
/// </remarks>
public sealed class Server : IDisposable
{
    private static readonly ConnectionCallback s_onConnection = static (listener, status) =>
        ((Server)listener.Owner!).OnConnection(listener, status);

    private readonly ServerOptions _options;
    private readonly SocketOptions _socketOptions; // every accepted socket's, made once
    private StreamHandle? _listener;
    private bool _closing;
    private bool _listenerClosing;
    private bool _unref;
    private Action<NetException?>? _closeCallback;

    /// <summary>Creates a server on <paramref name="loop"/>; <paramref name="connectionListener"/> is a <see cref="Connection"/> handler.</summary>
    public Server(Loop loop, Action<Socket>? connectionListener = null, ServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(loop);
        if (options is { ReusePort: true, SharePort: true })
            throw new ArgumentException("ReusePort and SharePort exclude each other: SharePort keeps other processes off the port, ReusePort lets them on.", nameof(options));
        Loop = loop;
        _options = options ?? new ServerOptions();
        _socketOptions = _options.SocketOptions;
        if (connectionListener is not null)
            Connection += connectionListener;
    }

    /// <summary>The loop the server runs on.</summary>
    public Loop Loop { get; }

    /// <summary>Raised once listening (after <see cref="Listen(int, string?, int?, Action?)"/>, on a later iteration).</summary>
    public event Action<Server>? Listening;

    /// <summary>Raised for each accepted connection.</summary>
    public event Action<Socket>? Connection;

    /// <summary>
    /// Raised for listen errors (EADDRINUSE, EACCES...) and accept errors (EMFILE). With no handler the error is
    /// thrown from the loop's callback, out of <see cref="Uvnet.Loop.Run(RunMode)"/>, as Node throws an
    /// <c>'error'</c> nobody listens for: a server that could not listen never passes for one that did.
    /// </summary>
    public event Action<Server, NetException>? Error;

    /// <summary>Raised once the server has stopped listening and every connection has closed (Node's <c>'close'</c>).</summary>
    public event Action<Server>? Closed;

    /// <summary>
    /// Raised for each connection refused because <see cref="MaxConnections"/> were open (Node's <c>'drop'</c>), with
    /// the dropped connection's addresses; the connection is already closed.
    /// </summary>
    public event Action<Server, DroppedConnection>? Drop;

    /// <summary>
    /// As Node's <c>server.maxConnections</c>: once this many connections are open, each new one is closed as soon as
    /// it is accepted and reported through <see cref="Drop"/> (0 drops every connection); null, the default, sets no limit.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int? MaxConnections
    {
        get;
        set
        {
            Loop.VerifyAccess();
            if (value is { } limit)
                ArgumentOutOfRangeException.ThrowIfNegative(limit, nameof(value));
            field = value;
        }
    }

    /// <summary>Open connections accepted by this server.</summary>
    public int ConnectionCount { get; private set; }

    /// <summary>Whether the server is listening.</summary>
    public bool IsListening => _listener is { IsClosing: false, IsListening: true };

    /// <summary>The bound address: an <see cref="IPEndPoint"/> (its port, when listening on port 0), a <see cref="UnixDomainSocketEndPoint"/>, or null.</summary>
    public EndPoint? Address => _listener switch
    {
        TcpHandle tcp => tcp.LocalEndPoint,
        PipeHandle { LocalPath: { } path } => new UnixDomainSocketEndPoint(path),
        _ => null,
    };

    /// <summary>The port listened on (0 before listening or for a Unix socket).</summary>
    public int Port => (Address as IPEndPoint)?.Port ?? 0;

    /// <summary>
    /// Listens on <paramref name="port"/> (0, the default: any free one; see <see cref="Port"/>) on every interface,
    /// as Node's <c>server.listen(port, callback)</c>; see <see cref="Listen(int, string?, int?, Action?)"/>.
    /// </summary>
    public void Listen(int port = 0, Action? callback = null) => Listen(port, null, null, callback);

    /// <summary>
    /// Listens on <paramref name="port"/> on <paramref name="host"/>, as Node's <c>server.listen(port, host, callback)</c>;
    /// see <see cref="Listen(int, string?, int?, Action?)"/>.
    /// </summary>
    public void Listen(int port, string? host, Action? callback = null) => Listen(port, host, null, callback);

    /// <summary>
    /// Listens on <paramref name="port"/> (0: any free one; see <see cref="Port"/>) on <paramref name="host"/>:
    /// an IP address, or null for every interface, dual stack (IPv6 and IPv4) as Node does, with a listen queue of
    /// <paramref name="backlog"/> (null: <see cref="ServerOptions.Backlog"/>). Failure is raised through
    /// <see cref="Error"/>; <paramref name="callback"/> is a one-time <see cref="Listening"/> handler.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The port is not 0–65535, or the backlog is negative.</exception>
    /// <exception cref="ArgumentException">The host is not an IP address (nor "localhost").</exception>
    /// <exception cref="InvalidOperationException">The server is already listening (ERR_SERVER_ALREADY_LISTEN).</exception>
    public void Listen(int port, string? host, int? backlog, Action? callback = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        ThrowIfNegativeBacklog(backlog);
        IPAddress address;
        if (host is null)
            address = System.Net.Sockets.Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any;
        else if (!IPAddress.TryParse(host, out address!))
            address = host == "localhost" ? IPAddress.Loopback : throw new ArgumentException($"'{host}' is not an IP address; resolve it first.", nameof(host));
        BeginListen(); // after every argument is checked: it ends a close in progress
        var tcp = new TcpHandle(Loop);
        TcpBindFlags flags = _options.ReusePort ? TcpBindFlags.ReusePort
            : _options.SharePort ? TcpBindFlags.SharePort
            : TcpBindFlags.None;
        int status = tcp.Bind(new IPEndPoint(address, port), flags);
        StartListening(tcp, status, backlog, callback, address.ToString(), port);
    }

    /// <summary>Listens on the Unix socket <paramref name="path"/> (which must not exist), as Node's <c>server.listen(path, callback)</c>.</summary>
    public void Listen(string path, Action? callback = null) => Listen(path, null, callback);

    /// <summary>Listens on the Unix socket <paramref name="path"/> (which must not exist) with a listen queue of <paramref name="backlog"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The backlog is negative.</exception>
    /// <exception cref="InvalidOperationException">The server is already listening (ERR_SERVER_ALREADY_LISTEN).</exception>
    public void Listen(string path, int? backlog, Action? callback = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ThrowIfNegativeBacklog(backlog);
        BeginListen();
        var pipe = new PipeHandle(Loop);
        StartListening(pipe, pipe.Bind(path), backlog, callback, path, null);
    }

    /// <summary>
    /// Listens as Node's <c>server.listen(options, callback)</c>: on <see cref="ListenOptions.Port"/> (with
    /// <see cref="ListenOptions.Host"/>) when it is set, otherwise on <see cref="ListenOptions.Path"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The options name neither a port nor a path, or both.</exception>
    public void Listen(ListenOptions options, Action? callback = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        switch (options)
        {
            case { Port: { } port, Path: null }:
                Listen(port, options.Host, options.Backlog, callback);
                break;
            case { Port: null, Path: { } path }:
                Listen(path, options.Backlog, callback);
                break;
            default:
                throw new ArgumentException("Listen options must name a port or a path, not both (ERR_INVALID_ARG_VALUE).", nameof(options));
        }
    }

    private static void ThrowIfNegativeBacklog(int? backlog)
    {
        if (backlog is { } value)
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(backlog));
    }

    private void BeginListen()
    {
        Loop.VerifyAccess();
        if (_listener is not null)
            throw new InvalidOperationException("The server is already listening (ERR_SERVER_ALREADY_LISTEN).");
        _closing = false;
    }

    private void StartListening(StreamHandle handle, int status, int? backlog, Action? callback, string address, int? port)
    {
        handle.Owner = this;
        if (status == 0)
            status = handle.Listen(backlog ?? _options.Backlog, s_onConnection);
        if (status < 0)
        {
            handle.Close();
            var error = new NetException(status, "listen", address, port);
            Loop.Post(static s => s.server.RaiseError(s.error), (server: this, error));
            return;
        }
        _listener = handle;
        if (_unref)
            handle.Unref();
        Loop.Post(static s =>
        {
            if (s.server._listener != s.handle)
                return; // closed before the loop came round: it never listened for anyone
            s.server.Listening?.Invoke(s.server);
            s.callback?.Invoke();
        }, (server: this, handle, callback));
    }

    private void RaiseError(NetException error)
    {
        if (Error is not { } handlers)
            throw error;
        handlers(this, error);
    }

    private void OnConnection(StreamHandle listener, int status)
    {
        if (status < 0)
        {
            RaiseError(new NetException(status, "accept"));
            return;
        }
        StreamHandle client = listener is TcpHandle ? new TcpHandle(Loop) : new PipeHandle(Loop);
        if (listener.Accept(client) < 0)
        {
            client.Close();
            return;
        }
        if (ConnectionCount >= MaxConnections)
        {
            DropConnection(client);
            return;
        }
        ConnectionCount++;
        var socket = new Socket(Loop, client, this, _socketOptions, _options.PauseOnConnect);
        if (_options.NoDelay)
            socket.SetNoDelay();
        if (_options.KeepAlive)
            socket.SetKeepAlive(true, _options.KeepAliveInitialDelay);
        Connection?.Invoke(socket);
    }

    /// <summary>Closes a connection over <see cref="MaxConnections"/> at once, then tells <see cref="Drop"/> whose it was.</summary>
    private void DropConnection(StreamHandle client)
    {
        // Read before the close (a closing handle answers nothing); closed before the handlers run, so a handler
        // that throws cannot leave the connection open.
        DroppedConnection? dropped = Drop is null ? null : client is TcpHandle tcp
            ? new DroppedConnection(tcp.LocalEndPoint, tcp.RemoteEndPoint)
            : default(DroppedConnection);
        client.Close();
        if (dropped is { } connection)
            Drop?.Invoke(this, connection);
    }

    internal void OnSocketClosed(Socket socket)
    {
        ConnectionCount--;
        if (_closing && ConnectionCount == 0 && _listener is null && !_listenerClosing)
            RaiseClosed(); // a listener still closing raises it when it has (OnListenerClosed): once
    }

    /// <summary>
    /// Stops accepting, as Node's <c>server.close</c>: open connections continue; <see cref="Closed"/> is raised
    /// (and <paramref name="callback"/> runs with null) once the last one has closed. If the server was not
    /// listening, <paramref name="callback"/> gets ERR_SERVER_NOT_RUNNING.
    /// </summary>
    public void Close(Action<NetException?>? callback = null)
    {
        Loop.VerifyAccess();
        if (_listener is not { } listener)
        {
            if (callback is not null)
                Loop.Post(static cb => cb(new NetException("ERR_SERVER_NOT_RUNNING", "Server is not running.")), callback);
            return;
        }
        _closing = true;
        _closeCallback = callback;
        _listener = null;
        _listenerClosing = true;
        listener.Close(static h => ((Server)((StreamHandle)h).Owner!).OnListenerClosed());
    }

    private void OnListenerClosed()
    {
        _listenerClosing = false;
        if (ConnectionCount == 0)
            RaiseClosed();
    }

    private void RaiseClosed()
    {
        // Taken before the handlers run: one that listens and closes again gives the next close its own callback.
        var callback = _closeCallback;
        _closeCallback = null;
        _closing = false;
        Closed?.Invoke(this);
        callback?.Invoke(null);
    }

    /// <summary>Lets the server keep the loop alive while listening (the default).</summary>
    public void Ref()
    {
        Loop.VerifyAccess(); // the loop counts its referenced handles without locks
        _unref = false;
        _listener?.Ref();
    }

    /// <summary>Lets the loop end while the server listens.</summary>
    public void Unref()
    {
        Loop.VerifyAccess();
        _unref = true;
        _listener?.Unref();
    }

    /// <summary>Stops listening (see <see cref="Close(Action{NetException?}?)"/>).</summary>
    public void Dispose()
    {
        if (_listener is not null)
            Close();
    }
}

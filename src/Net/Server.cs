using System.Net;
using System.Net.Sockets;

namespace Uvnet.Net;

/// <summary>
/// A TCP or Unix-socket server in the shape of Node's <c>net.Server</c>: <see cref="Listen(int, string?, int?, Action?)"/>,
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

    /// <summary>Raised for listen errors (EADDRINUSE, EACCES...) and accept errors (EMFILE).</summary>
    public event Action<Server, NetException>? Error;

    /// <summary>Raised once the server has stopped listening and every connection has closed (Node's <c>'close'</c>).</summary>
    public event Action<Server>? Closed;

    /// <summary>Connections beyond this many open ones are closed as soon as they are accepted (0: no limit).</summary>
    public int MaxConnections { get; set; }

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
    /// Listens on <paramref name="port"/> (0: any free one; see <see cref="Port"/>) on <paramref name="host"/>:
    /// an IP address, or null for every interface, dual stack (IPv6 and IPv4) as Node does. Failure is raised
    /// through <see cref="Error"/>; <paramref name="callback"/> is a one-time <see cref="Listening"/> handler.
    /// </summary>
    public void Listen(int port = 0, string? host = null, int? backlog = null, Action? callback = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
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

    /// <summary>Listens on the Unix socket <paramref name="path"/> (which must not exist).</summary>
    public void Listen(string path, int? backlog = null, Action? callback = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        BeginListen();
        var pipe = new PipeHandle(Loop);
        StartListening(pipe, pipe.Bind(path), backlog, callback, path, null);
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
            Loop.Post(static s => s.server.Error?.Invoke(s.server, s.error), (server: this, error));
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

    private void OnConnection(StreamHandle listener, int status)
    {
        if (status < 0)
        {
            Error?.Invoke(this, new NetException(status, "accept"));
            return;
        }
        StreamHandle client = listener is TcpHandle ? new TcpHandle(Loop) : new PipeHandle(Loop);
        if (listener.Accept(client) < 0)
        {
            client.Close();
            return;
        }
        if (MaxConnections > 0 && ConnectionCount >= MaxConnections)
        {
            client.Close();
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
        _unref = false;
        _listener?.Ref();
    }

    /// <summary>Lets the loop end while the server listens.</summary>
    public void Unref()
    {
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

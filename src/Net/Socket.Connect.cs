using System.Net;
using System.Net.Sockets;

namespace Uvnet.Net;

public sealed partial class Socket
{
    private static readonly Action<ConnectRequest, int> s_onConnected = static (request, status) =>
        ((Socket)request.Stream!.Owner!).OnConnected(status);

    private Action? _connectCallback;
    private IPAddress[]? _addresses;
    private int _addressIndex;
    private int _port;

    /// <summary>
    /// Connects to <paramref name="port"/> on <paramref name="host"/>, as Node's <c>socket.connect</c>. A host
    /// name is resolved on the thread pool (as libuv runs getaddrinfo off the loop) and reported through
    /// <see cref="Lookup"/>; each address found is tried in turn until one connects. <paramref name="callback"/>
    /// runs once connected, as a one-time <see cref="Connected"/> handler. Failure: <see cref="Error"/> (ECONNREFUSED,
    /// ENOTFOUND...) then <see cref="Closed"/>. Writes before the connection are buffered and sent once connected.
    /// </summary>
    /// <remarks>As Node, a socket that has closed (by <see cref="Destroy"/>, an error or both sides ending) connects
    /// again, from a <see cref="Closed"/> handler or later: its handlers stay subscribed, its state and counters start
    /// afresh.</remarks>
    /// <exception cref="InvalidOperationException">The socket is connected or connecting, or destroyed and not closed
    /// yet (connect again once <see cref="Closed"/> is raised).</exception>
    public void Connect(int port, string host = "localhost", Action? callback = null) => Connect(port, host, callback, null);

    private void Connect(int port, string host, Action? callback, SocketOperation? task)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        ArgumentException.ThrowIfNullOrEmpty(host);
        BeginConnect(callback, task);
        _port = port;
        if (IPAddress.TryParse(host, out IPAddress? literal))
        {
            ConnectTo([literal]);
            return;
        }
        int connection = _connection;
        Loop.QueueWork(() => Dns.GetHostAddresses(host), (addresses, error) =>
        {
            if (connection == _connection) // not a lookup of a connection destroyed since (the socket may connect again)
                OnLookup(host, addresses, error);
        });
    }

    /// <summary>Connects to the Unix socket at <paramref name="path"/>; a closed socket connects again as with <see cref="Connect(int, string, Action?)"/>.</summary>
    /// <exception cref="InvalidOperationException">The socket is connected or connecting, or destroyed and not closed yet.</exception>
    public void Connect(string path, Action? callback = null) => Connect(path, callback, null);

    private void Connect(string path, Action? callback, SocketOperation? task)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        BeginConnect(callback, task);
        var pipe = new PipeHandle(Loop);
        Adopt(pipe);
        int status = pipe.Connect(path, s_onConnected);
        if (status < 0)
            Fail(new NetException(status, "connect", path));
    }

    /// <summary>
    /// Refuses a socket that is connected, connecting or still closing, resets one that has closed, then takes the
    /// connect's callback and task: a refused ConnectAsync must not replace the task of the connect in flight, which
    /// would then never complete.
    /// </summary>
    private void BeginConnect(Action? callback, SocketOperation? task)
    {
        Loop.VerifyAccess();
        if (_destroyed ? !_closed : _connecting || _handle is not null)
            throw new InvalidOperationException(_destroyed
                ? "The socket is destroyed and still closing: connect it again once Closed is raised."
                : "The socket is already connected or connecting.");
        if (_destroyed)
            ResetForReconnect();
        _connecting = true;
        _connectCallback = callback;
        if (task is not null || _async is not null)
            Async.ConnectTask = task;
    }

    private void OnLookup(string host, IPAddress[]? addresses, Exception? error)
    {
        if (_destroyed)
            return;
        if (error is not null || addresses is null || addresses.Length == 0)
        {
            var notFound = new NetException(
                error is SocketException { SocketErrorCode: SocketError.TryAgain } ? "EAI_AGAIN" : "ENOTFOUND",
                $"getaddrinfo {(error as SocketException)?.SocketErrorCode.ToString() ?? "ENOTFOUND"} {host}", "getaddrinfo", host);
            try
            {
                Lookup?.Invoke(this, new LookupResult(notFound, null, host));
            }
            finally
            {
                Fail(notFound);
            }
            return;
        }
        try
        {
            Lookup?.Invoke(this, new LookupResult(null, addresses[0], host));
        }
        finally
        {
            // Even when a Lookup handler threw: a socket stuck connecting would never connect nor close.
            if (!_destroyed)
                ConnectTo(addresses);
        }
    }

    private void ConnectTo(IPAddress[] addresses)
    {
        _addresses = addresses;
        _addressIndex = 0;
        TryNextAddress();
    }

    private void TryNextAddress()
    {
        var tcp = new TcpHandle(Loop);
        Adopt(tcp);
        ApplyOptions(tcp);
        IPAddress address = _addresses![_addressIndex];
        int status = tcp.Connect(new IPEndPoint(address, _port), s_onConnected);
        if (status < 0)
            OnConnected(status);
    }

    private void OnConnected(int status)
    {
        if (_destroyed)
            return;
        if (status < 0)
        {
            string? address = _addresses?[_addressIndex].ToString();
            // As Node's autoSelectFamily: "localhost" may resolve to ::1 first while the server listens on IPv4.
            if (_addresses is not null && ++_addressIndex < _addresses.Length)
            {
                _handle!.Close();
                TryNextAddress();
                return;
            }
            Fail(new NetException(status, "connect", address, _addresses is null ? null : _port));
            return;
        }
        _connecting = false;
        _connected = true;
        KeepEndpoints();
        _transform?.OnConnected(); // TLS says hello before the writes held while connecting, which it holds in turn
        FlushWritesHeldWhileConnecting();
        if (_writableEnded && !_destroyed)
            ShutdownWhenFlushed(); // End was called while connecting
        StartReading();
        RestartTimer();
        var callback = _connectCallback;
        _connectCallback = null;
        try
        {
            Connected?.Invoke(this);
            callback?.Invoke();
        }
        finally
        {
            CompleteConnectAsync(null); // even when a handler threw: an awaiting ConnectAsync would wait forever
            ResetIfAsked(); // a ResetAndDestroy called while connecting, after the 'connect' listeners as Node's
        }
        if (!_destroyed)
            Ready?.Invoke(this);
    }
}

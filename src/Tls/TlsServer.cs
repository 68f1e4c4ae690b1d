using System.Net;
using Uvnet.Net;

namespace Uvnet.Tls;

/// <summary>
/// Node's <c>tls.Server</c>: a Net <see cref="Server"/> whose sockets run TLS. <see cref="SecureConnection"/> gets
/// each socket once its handshake is done; a handshake that fails (or times out) raises <see cref="TlsClientError"/>
/// and the socket closes. Listen, Close and the rest are the Net server's (<see cref="NetServer"/>).
/// </summary>
public sealed class TlsServer : IDisposable
{
    private readonly TlsServerOptions _options;

    internal TlsServer(Loop loop, TlsServerOptions options, Action<Socket>? secureConnectionListener, ServerOptions? serverOptions)
    {
        _options = options;
        if (secureConnectionListener is not null)
            SecureConnection += secureConnectionListener;
        NetServer = new Server(loop, OnConnection, serverOptions);
    }

    /// <summary>The TCP server underneath: Listen, Close, Address, MaxConnections, its events.</summary>
    public Server NetServer { get; }

    /// <summary>The loop the server runs on.</summary>
    public Loop Loop => NetServer.Loop;

    /// <summary>Raised with each socket whose handshake finished (Node's <c>'secureConnection'</c>).</summary>
    public event Action<Socket>? SecureConnection;

    /// <summary>Raised when a connection fails before it is secure (Node's <c>'tlsClientError'</c>): the error, then the socket closes.</summary>
    public event Action<NetException, Socket>? TlsClientError;

    /// <summary>The port listened on (0 before listening).</summary>
    public int Port => NetServer.Port;

    /// <summary>The address listened on.</summary>
    public EndPoint? Address => NetServer.Address;

    /// <summary>Listens on <paramref name="port"/> (0: any free one) of <paramref name="host"/>, as <see cref="Server.Listen(int, string?, Action?)"/>.</summary>
    public void Listen(int port = 0, string? host = null, Action? callback = null) => NetServer.Listen(port, host, callback);

    /// <summary>Stops accepting, as <see cref="Server.Close(Action{NetException?}?)"/>.</summary>
    public void Close(Action<NetException?>? callback = null) => NetServer.Close(callback);

    /// <summary>Closes the server.</summary>
    public void Dispose() => NetServer.Dispose();

    private void OnConnection(Socket socket)
    {
        socket.Error += OnSocketError;
        Tls.Accept(socket, _options, OnSecure);
    }

    private void OnSecure(Socket socket)
    {
        socket.Error -= OnSocketError;
        SecureConnection?.Invoke(socket);
    }

    private void OnSocketError(Socket socket, NetException error)
    {
        socket.Error -= OnSocketError;
        TlsClientError?.Invoke(error, socket);
    }
}

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
    private readonly TlsAcceptor _acceptor;

    internal TlsServer(Loop loop, TlsServerOptions options, Action<Socket>? secureConnectionListener, ServerOptions? serverOptions)
    {
        _acceptor = new TlsAcceptor(options, s => SecureConnection?.Invoke(s), (e, s) => TlsClientError?.Invoke(e, s));
        if (secureConnectionListener is not null)
            SecureConnection += secureConnectionListener;
        NetServer = new Server(loop, _acceptor.Accept, serverOptions);
    }

    /// <summary>The TCP server underneath: Listen, Close, Address, MaxConnections, its events.</summary>
    public Server NetServer { get; }

    /// <summary>The loop the server runs on.</summary>
    public Loop Loop => NetServer.Loop;

    /// <summary>Raised once with each socket whose handshake finished (Node's <c>'secureConnection'</c>).</summary>
    public event Action<Socket>? SecureConnection;

    /// <summary>
    /// Raised when a connection fails before it is secure (Node's <c>'tlsClientError'</c>): garbage instead of a
    /// ClientHello, a failed or timed-out handshake, a client certificate refused, a peer gone. The socket is
    /// destroyed; raised once per connection, and never for one that raised <see cref="SecureConnection"/>.
    /// </summary>
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
}

using Uvnet.Net;

namespace Uvnet.Tls;

/// <summary>
/// The server side of TLS as Node's tls.Server runs it, shared by <see cref="TlsServer"/> and the HTTPS server: TLS
/// under each accepted socket, then exactly one of two events per connection: 'secureConnection' once the handshake
/// is done, or 'tlsClientError' with the error that destroyed the socket before it was.
/// </summary>
internal sealed class TlsAcceptor
{
    private TlsServerOptions _options;
    private readonly Action<Socket> _secureConnection;
    private readonly Action<NetException, Socket> _tlsClientError;
    private readonly Action<Socket> _onSecure;
    private readonly Action<Socket, NetException> _onError;

    internal TlsAcceptor(TlsServerOptions options, Action<Socket> secureConnection, Action<NetException, Socket> tlsClientError)
    {
        _options = options;
        _secureConnection = secureConnection;
        _tlsClientError = tlsClientError;
        _onSecure = OnSecure;
        _onError = OnError;
    }

    /// <summary>
    /// The options new connections take (Node's <c>server.setSecureContext</c>): connections already accepted keep the
    /// ones they began with. Set validated.
    /// </summary>
    internal TlsServerOptions Options
    {
        get => _options;
        set => _options = value;
    }

    /// <summary>Puts TLS under a socket just accepted, before anything reads it.</summary>
    internal void Accept(Socket socket)
    {
        socket.Error += _onError;
        TlsTransform.Accept(socket, _options, _onSecure);
    }

    private void OnSecure(Socket socket)
    {
        socket.Error -= _onError; // from here its errors are the application's
        _secureConnection(socket);
    }

    private void OnError(Socket socket, NetException error)
    {
        socket.Error -= _onError;
        _tlsClientError(error, socket);
    }
}

using Uvnet.Net;
using Uvnet.Tls.Interop;

namespace Uvnet.Tls;

/// <summary>Node's <c>tls</c> module: TLS servers and client connections over Net sockets, on the loop.</summary>
public static class Tls
{
    /// <summary>
    /// A TLS server (Node's <c>tls.createServer(options, secureConnectionListener)</c>): each accepted socket runs
    /// the handshake, then <see cref="TlsServer.SecureConnection"/> gets it. Call Listen to start.
    /// </summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public static TlsServer CreateServer(Loop loop, TlsServerOptions options, Action<Socket>? secureConnectionListener = null, ServerOptions? serverOptions = null)
    {
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new TlsServer(loop, options, secureConnectionListener, serverOptions);
    }

    /// <summary>
    /// Connects to <paramref name="host"/>:<paramref name="port"/> over TLS (Node's <c>tls.connect</c>): the socket
    /// raises <see cref="Socket.Connected"/> when TCP is up, and <paramref name="secureConnectListener"/> runs once the
    /// handshake is done and the server verified (Node's <c>'secureConnect'</c>). Writes made before are held until then.
    /// A verification failure destroys the socket with Node's code (CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID...).
    /// </summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public static Socket Connect(Loop loop, int port, string host, TlsClientOptions? options = null, Action<Socket>? secureConnectListener = null, SocketOptions? socketOptions = null)
    {
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        loop.VerifyAccess(); // first: validating the options makes their OpenSSL context
        options ??= new TlsClientOptions();
        options.Validate();
        var socket = new Socket(loop, socketOptions);
        Attach(socket, options, host, secureConnectListener);
        socket.Connect(port, host);
        return socket;
    }

    /// <summary>
    /// Puts TLS under <paramref name="socket"/>, which is about to connect to <paramref name="host"/>:<paramref name="port"/>
    /// (the HTTP client's seam), resuming with <paramref name="sessions"/>' session for them when it holds one.
    /// </summary>
    internal static void Attach(Socket socket, TlsClientOptions options, string host, Action<Socket>? onSecure, TlsSessionCache? sessions = null, int port = 0) =>
        TlsTransform.Connect(socket, options, host, onSecure, sessions, port);

    /// <summary>OpenSSL connection objects alive in the process (made and not freed yet): a diagnostic, 0 once every TLS socket closed.</summary>
    public static long LiveSessionCount => SafeSslHandle.Live;
}

using System.Runtime.InteropServices;
using Uvnet.Net;
using Uvnet.Tls.Interop;

namespace Uvnet.Tls;

/// <summary>
/// Node's TLSWrap: OpenSSL on two memory BIOs between a <see cref="Socket"/> and its TCP handle, on the loop
/// thread. Ciphertext read from the handle goes into the read BIO (<see cref="OnRead"/>); the handshake and
/// <c>SSL_read</c> run at once (<see cref="Cycle"/>, <see cref="ClearOut"/>) and the plaintext goes to the socket
/// in the loop's read buffer; the socket's writes go through <c>SSL_write</c> (<see cref="ClearIn"/>) and what the
/// write BIO then holds goes to the kernel at once, or what it does not take as one queued handle write
/// (<see cref="EncOut"/>). Methods name the side they touch, as
/// TLSWrap's do.
/// </summary>
internal sealed unsafe partial class TlsTransform : SocketTransform
{
    private readonly Socket _socket;
    private readonly SafeSslHandle _ssl;
    private readonly bool _isServer;
    private readonly TlsServerOptions? _server;
    private readonly TlsClientOptions? _client;
    private readonly Action<Socket>? _onSecure;
    private GCHandle _self; // the SSL's app data: OpenSSL's SNI and ALPN callbacks find the connection through it
    private TimerHandle? _handshakeTimer;
    private TlsState _state;
    private TlsSessionCache? _sessions; // a client's: where the session it offers came from and the ones it receives go
    private (string Host, int Port, TlsClientOptions Options) _sessionKey;
    private int _sessionGeneration; // the cache's when this connection started: a Clear since drops what it receives
    private bool _shutdownWanted; // End came while writes were held: the close_notify and FIN follow them

    private TlsTransform(Socket socket, SecureContext context, TlsServerOptions? server, TlsClientOptions? client, Action<Socket>? onSecure)
    {
        _socket = socket;
        _isServer = server is not null;
        _server = server;
        _client = client;
        _onSecure = onSecure;
        _ssl = SafeSslHandle.Create(context.Handle);
        _self = GCHandle.Alloc(this, GCHandleType.Weak);
        OpenSsl.SSL_set_ex_data(_ssl, 0, GCHandle.ToIntPtr(_self));
        Connection = new TlsConnection(this);
    }

    /// <summary>What the user sees of this connection (<see cref="TlsSocketExtensions.GetTlsConnection"/>).</summary>
    internal TlsConnection Connection { get; }

    internal TlsState State => _state;

    internal SafeSslHandle Ssl => _ssl;

    internal bool IsServer => _isServer;

    internal TlsServerOptions? ServerOptions => _server;

    /// <summary>Whether the peer sent close_notify.</summary>
    internal bool ReceivedCloseNotify { get; private set; }

    /// <summary>Whether the peer closed the TCP connection without close_notify once the handshake was done.</summary>
    internal bool Truncated { get; private set; }

    /// <summary>The verification error of the peer's certificate (Node's code), or null when it was verified.</summary>
    internal NetException? VerifyError { get; private set; }

    /// <summary>Puts TLS under an accepted socket (in the server's Connection event): the server's side of the handshake.</summary>
    internal static TlsTransform Accept(Socket socket, TlsServerOptions options, Action<Socket>? onSecure)
    {
        var transform = new TlsTransform(socket, options.Context, options, null, onSecure);
        OpenSsl.SSL_set_accept_state(transform._ssl);
        options.ClientCas?.Apply(transform._ssl, options.RejectUnauthorized, first: true);
        socket.SetTransform(transform);
        transform.StartHandshakeTimer(options.HandshakeTimeout);
        return transform;
    }

    /// <summary>
    /// Puts TLS under a socket about to connect: the client's hello goes out once TCP is connected. With
    /// <paramref name="sessions"/>, it offers the session kept for <paramref name="host"/>:<paramref name="port"/> and
    /// these options, and keeps the ones the server sends.
    /// </summary>
    internal static TlsTransform Connect(Socket socket, TlsClientOptions options, string host, Action<Socket>? onSecure, TlsSessionCache? sessions = null, int port = 0)
    {
        var transform = new TlsTransform(socket, options.GetContext(), null, options, onSecure);
        transform.ConfigureClient(options, host);
        if (sessions is not null)
        {
            transform._sessions = sessions;
            transform._sessionKey = (host, port, options);
            transform._sessionGeneration = sessions.Generation;
            if (sessions.Get(transform._sessionKey) is { } session)
                transform.Offer(session);
        }
        socket.SetTransform(transform);
        return transform;
    }

    private void ConfigureClient(TlsClientOptions options, string host)
    {
        OpenSsl.SSL_set_connect_state(_ssl);
        string serverName = options.ServerName ?? host;
        bool isAddress = System.Net.IPAddress.TryParse(serverName, out _);
        if (!isAddress && serverName.Length > 0)
        {
            // SNI names a host, never an address (RFC 6066 §3), as Node's servername.
            nint name = Marshal.StringToCoTaskMemUTF8(serverName);
            nint set;
            try
            {
                set = OpenSsl.SSL_ctrl(_ssl, OpenSsl.SSL_CTRL_SET_TLSEXT_HOSTNAME, 0, name);
            }
            finally
            {
                Marshal.FreeCoTaskMem(name);
            }
            if (set == 1)
                Connection.ServerName = serverName;
            else
                OpenSsl.ERR_clear_error(); // over 255 bytes: sent without SNI, as Node does; the queue is the loop thread's
        }
        // The name the certificate must carry (OpenSSL 3 checks an address against the IP SANs), checked in the
        // handshake: a mismatch fails it unless verification is off. An empty server name only turns SNI off: the
        // host connected to is checked then (Node's servername || host), never nothing.
        string checkedName = serverName.Length > 0 ? serverName : host;
        if (OpenSsl.SSL_set1_host(_ssl, checkedName) != 1)
            throw OpenSslError.Take("SSL_set1_host");
        if (options.AlpnWire is { Length: > 0 } alpn)
        {
            fixed (byte* p = alpn)
                if (OpenSsl.SSL_set_alpn_protos(_ssl, p, (uint)alpn.Length) != 0)
                    throw OpenSslError.Take("SSL_set_alpn_protos");
        }
    }

    private void StartHandshakeTimer(long milliseconds)
    {
        if (milliseconds <= 0)
            return;
        _handshakeTimer = new TimerHandle(_socket.Loop);
        _handshakeTimer.Unref(); // the socket keeps the loop alive; the timer only cuts it
        _handshakeTimer.Start(static t => ((TlsTransform)t.Data!).OnHandshakeTimeout(), milliseconds);
        _handshakeTimer.Data = this;
    }

    private void StopHandshakeTimer()
    {
        if (_handshakeTimer is { } timer)
        {
            _handshakeTimer = null;
            timer.Close();
        }
    }

    private void OnHandshakeTimeout()
    {
        StopHandshakeTimer();
        if (_state == TlsState.Handshaking && !_socket.Destroyed)
            _socket.Destroy(new NetException("ERR_TLS_HANDSHAKE_TIMEOUT", "TLS handshake timeout"));
    }

    internal override void OnConnected()
    {
        if (_isServer)
            return;
        StartHandshakeTimer(_client!.HandshakeTimeout);
        Cycle(default);
    }

    internal override void Shutdown()
    {
        if (MustHold)
        {
            // After the handshake (Node's end() before 'secure'), the file and the writes held: FlushParkedWrites.
            _shutdownWanted = true;
            return;
        }
        _shutdownWanted = false;
        SendCloseNotify();
        if (!_socket.Destroyed)
            _socket.ShutdownHandle();
    }

    private void SendCloseNotify()
    {
        if (_state != TlsState.Established)
            return;
        _state = TlsState.Closing;
        OpenSsl.SSL_shutdown(_ssl); // 0: sent, the peer's not received yet; we do not wait for it (Node neither)
        OpenSsl.ERR_clear_error();
        EncOut(s_ownWrite);
    }

    internal override void OnClosed()
    {
        if (_state == TlsState.Closed)
            return;
        _state = TlsState.Closed;
        StopHandshakeTimer();
        FailParkedWrites();
        ReturnStaging();
        // The SSL (and its BIOs) go here, on the loop thread, after which every path checks the state first: so the
        // per-record calls pass its pointer as it is, without the SafeHandle's reference counting on each.
        _ssl.Dispose();
        if (_self.IsAllocated)
            _self.Free();
    }

    /// <summary>
    /// Offers a copy of <paramref name="session"/>: OpenSSL marks the session of an SSL freed without close_notify
    /// (an agent's connection destroyed) not resumable, which would end the cached one for every later connection.
    /// </summary>
    private void Offer(SafeSslSessionHandle session)
    {
        nint copy = OpenSsl.SSL_SESSION_dup(session.DangerousGetHandle());
        if (copy == 0)
            return;
        OpenSsl.SSL_set_session(_ssl, copy); // the SSL takes its own reference
        OpenSsl.SSL_SESSION_free(copy);
    }

    /// <summary>
    /// A session (ticket) from the server: a copy is kept to resume the next connection of the same key. A copy, as
    /// Node keeps the session serialized: the object itself stays the SSL's, which OpenSSL marks not resumable when
    /// the SSL is freed without close_notify (an agent's connection destroyed), though the ticket is good.
    /// </summary>
    [UnmanagedCallersOnly]
    internal static int OnNewSession(nint ssl, nint session)
    {
        if (FromSsl(ssl) is not { _sessions: { } sessions } transform || transform._state == TlsState.Closed)
            return 0;
        nint copy = OpenSsl.SSL_SESSION_dup(session);
        if (copy != 0)
            sessions.Put(transform._sessionKey, new SafeSslSessionHandle(copy), transform._sessionGeneration);
        return 0; // OpenSSL keeps (and frees) its own reference
    }

    /// <summary>The connection of an SSL object inside an OpenSSL callback (SNI, ALPN), from its app data.</summary>
    internal static TlsTransform? FromSsl(nint ssl)
    {
        nint p = OpenSsl.SSL_get_ex_data(ssl, 0);
        return p == 0 ? null : GCHandle.FromIntPtr(p).Target as TlsTransform;
    }
}

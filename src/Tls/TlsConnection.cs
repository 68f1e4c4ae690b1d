using System.Security.Cryptography.X509Certificates;
using Uvnet.Net;
using Uvnet.Tls.Interop;

namespace Uvnet.Tls;

/// <summary>
/// The TLS side of a <see cref="Socket"/> (what Node's TLSSocket adds to net.Socket): the negotiated protocol,
/// cipher and ALPN protocol, the SNI name, whether the peer was verified, and how the peer ended. Get it with
/// <see cref="TlsSocketExtensions.GetTlsConnection"/>; read it on the loop thread.
/// </summary>
public sealed class TlsConnection
{
    private readonly TlsTransform _transform;
    private byte[]? _peerCertificate; // DER, read at the end of the handshake (the SSL object goes with the socket)
    private X509Certificate2? _peerCertificateObject;

    internal TlsConnection(TlsTransform transform) => _transform = transform;

    /// <summary>Whether the handshake finished (Node's <c>'secure'</c> was raised); still true once the socket closed.</summary>
    public bool IsEstablished { get; private set; }

    /// <summary>The server name: the one this client sent by SNI, or the one the server received (Node's <c>servername</c>).</summary>
    public string? ServerName { get; internal set; }

    /// <summary>The protocol ALPN chose (Node's <c>alpnProtocol</c>), or null when none was.</summary>
    public string? AlpnProtocol { get; private set; }

    /// <summary>"TLSv1.2" or "TLSv1.3" once established (Node's <c>getProtocol()</c>), else null.</summary>
    public string? Protocol { get; private set; }

    /// <summary>The cipher suite's OpenSSL name (Node's <c>getCipher().name</c>) once established, else null.</summary>
    public string? Cipher { get; private set; }

    /// <summary>Whether the session was resumed rather than negotiated in full (Node's <c>isSessionReused()</c>).</summary>
    public bool SessionReused { get; private set; }

    /// <summary>
    /// Whether the peer's certificate was verified (Node's <c>authorized</c>). For a client: the server's chain and
    /// name; only false with <see cref="TlsClientOptions.DangerousAcceptAnyServerCertificate"/>, as otherwise a failure
    /// ends the handshake. For a server: the client's certificate, with <see cref="TlsServerOptions.RequestCert"/>
    /// (always false without); only false with <see cref="TlsServerOptions.RejectUnauthorized"/> off.
    /// </summary>
    public bool Authorized => _transform.VerifiesPeer && IsEstablished && _transform.VerifyError is null;

    /// <summary>
    /// Why the peer was not verified (Node's <c>authorizationError</c>: CERT_HAS_EXPIRED, UNABLE_TO_GET_ISSUER_CERT when
    /// a client sent no certificate...), or null.
    /// </summary>
    public string? AuthorizationError => _transform.VerifyError?.Code;

    /// <summary>Whether the peer sent a certificate (a server always does; a client when asked and it has one).</summary>
    internal bool HasPeerCertificate => _peerCertificate is not null;

    /// <summary>
    /// The certificate the peer sent (Node's <c>getPeerCertificate()</c>, as .NET's certificate type), or null: none
    /// was sent, or the handshake is not done. Readable after the socket closed. The same instance on each call; do
    /// not dispose it.
    /// </summary>
    public X509Certificate2? GetPeerCertificate() =>
        _peerCertificateObject ??= _peerCertificate is null ? null : X509CertificateLoader.LoadCertificate(_peerCertificate);

    /// <summary>Whether the peer sent close_notify before its end.</summary>
    public bool ReceivedCloseNotify => _transform.ReceivedCloseNotify;

    /// <summary>
    /// Whether the peer closed the connection without close_notify after the handshake: the socket ended as usual
    /// (Node does the same), but data delimited only by the close (an HTTP body without length) may be cut short.
    /// </summary>
    public bool Truncated => _transform.Truncated;

    /// <summary>Reads what the handshake settled, once it is done (the SSL object goes with the socket).</summary>
    internal unsafe void Capture(SafeSslHandle ssl)
    {
        OpenSsl.SSL_get0_alpn_selected(ssl, out byte* data, out uint length);
        AlpnProtocol = length == 0 ? null : AlpnNames.Get(new ReadOnlySpan<byte>(data, (int)length));
        Protocol = OpenSsl.Text(OpenSsl.SSL_get_version(ssl));
        Cipher = OpenSsl.Text(OpenSsl.SSL_CIPHER_get_name(OpenSsl.SSL_get_current_cipher(ssl)));
        SessionReused = OpenSsl.SSL_session_reused(ssl) == 1;
        nint peer = OpenSsl.SSL_get1_peer_certificate(ssl);
        if (peer != 0)
        {
            _peerCertificate = SecureContext.ToDer(peer);
            OpenSsl.X509_free(peer);
        }
        IsEstablished = true;
    }
}

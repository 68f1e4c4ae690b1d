using System.Security.Cryptography.X509Certificates;
using Uvnet.Tls.Interop;

namespace Uvnet.Tls;

/// <summary>
/// Settings of a TLS client connection (Node's <c>tls.connect</c> options). By default the server's chain is
/// verified against the system's trusted roots and its certificate must name the host connected to. One instance
/// may serve many connections (its OpenSSL context is made once, on first use); do not change it afterwards.
/// </summary>
public sealed class TlsClientOptions
{
    private readonly Lock _contextLock = new();
    private SecureContext? _context;
    private byte[]? _alpnWire;

    /// <summary>The name sent by SNI and checked against the certificate (Node's <c>servername</c>); null: the host connected to.</summary>
    public string? ServerName { get; init; }

    /// <summary>The protocols offered by ALPN, in preference order; none by default (the HTTP client offers <c>http/1.1</c>).</summary>
    public IReadOnlyList<string>? AlpnProtocols { get; init; }

    /// <summary>
    /// Roots to trust instead of the system's (Node's <c>ca</c>): a private CA, or a self-signed server certificate.
    /// </summary>
    public X509Certificate2Collection? CaCertificates { get; init; }

    /// <summary>
    /// Accepts any server certificate: expired, self-signed, for another host (Node's <c>rejectUnauthorized: false</c>).
    /// The connection is then open to anyone on the path. For tests against a throwaway certificate only;
    /// <see cref="TlsConnection.AuthorizationError"/> still says what verification found.
    /// </summary>
    public bool DangerousAcceptAnyServerCertificate { get; init; }

    /// <summary>Milliseconds the handshake may take once TCP is connected (ERR_TLS_HANDSHAKE_TIMEOUT); 0, the default, for none (Node's).</summary>
    public long HandshakeTimeout { get; init; }

    internal byte[] AlpnWire => _alpnWire ??= TlsServerOptions.EncodeAlpn(AlpnProtocols);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(HandshakeTimeout);
        _ = AlpnWire;
    }

    /// <summary>The client context of these options, made once (an HTTP agent may share the options across loops).</summary>
    internal SecureContext GetContext()
    {
        lock (_contextLock)
            return _context ??= CreateClientContext();
    }

    private SecureContext CreateClientContext()
    {
        SafeSslContextHandle ctx = SecureContext.CreateHandle();
        try
        {
            if (CaCertificates is { Count: > 0 } roots)
            {
                nint store = OpenSsl.SSL_CTX_get_cert_store(ctx);
                foreach (X509Certificate2 root in roots)
                {
                    foreach (nint x509 in SecureContext.ReadPem(root.ExportCertificatePem(), static bio => OpenSsl.PEM_read_bio_X509(bio, 0, 0, 0)))
                    {
                        OpenSsl.X509_STORE_add_cert(store, x509); // the store takes its own reference
                        OpenSsl.X509_free(x509);
                    }
                }
                OpenSsl.ERR_clear_error();
            }
            else if (OpenSsl.SSL_CTX_set_default_verify_paths(ctx) != 1)
                throw OpenSslError.Take("SSL_CTX_set_default_verify_paths");
            OpenSsl.SSL_CTX_set_verify(ctx, DangerousAcceptAnyServerCertificate ? OpenSsl.SSL_VERIFY_NONE : OpenSsl.SSL_VERIFY_PEER, 0);
            return SecureContext.Wrap(ctx);
        }
        catch
        {
            ctx.Dispose();
            throw;
        }
    }
}

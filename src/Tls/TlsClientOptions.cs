using System.Security.Cryptography.X509Certificates;
using Uvnet.Tls.Interop;

namespace Uvnet.Tls;

/// <summary>
/// Settings of a TLS client connection (Node's <c>tls.connect</c> options). By default the server's chain is
/// verified against the system's trusted roots and its certificate must name the host connected to. One instance
/// may serve many connections (its OpenSSL context is made once, on first use); do not change it afterwards.
/// </summary>
public sealed unsafe class TlsClientOptions
{
    private readonly Lock _contextLock = new(); // a copy (WithServerNameAndAlpn) shares it: it only guards making a context
    private SecureContext? _context;
    private string? _serverName;
    private IReadOnlyList<string>? _alpnProtocols;
    private byte[]? _alpnWire;

    /// <summary>
    /// The name sent by SNI and checked against the certificate (Node's <c>servername</c>); null: the host connected to.
    /// Empty: no SNI, and the certificate checked against the host connected to (as Node's <c>servername: ''</c>).
    /// </summary>
    public string? ServerName { get => _serverName; init => _serverName = value; }

    /// <summary>The protocols offered by ALPN, in preference order; none by default (the HTTP client offers <c>http/1.1</c>).</summary>
    public IReadOnlyList<string>? AlpnProtocols { get => _alpnProtocols; init => _alpnProtocols = value; }

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

    /// <summary>
    /// The certificate, with its private key (RSA or ECDSA), sent when the server asks for one (Node's <c>cert</c> and
    /// <c>key</c>); a PEM pair loads with <see cref="X509Certificate2.CreateFromPemFile(string, string?)"/>. None by default.
    /// </summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Intermediates sent after <see cref="ClientCertificate"/>, leaf's issuer first.</summary>
    public X509Certificate2Collection? ClientCertificateChain { get; init; }

    /// <summary>Milliseconds the handshake may take once TCP is connected (ERR_TLS_HANDSHAKE_TIMEOUT); 0, the default, for none (Node's).</summary>
    public long HandshakeTimeout { get; init; }

    internal byte[] AlpnWire => _alpnWire ??= TlsServerOptions.EncodeAlpn(AlpnProtocols);

    /// <summary>
    /// These options with <paramref name="serverName"/> and <paramref name="alpnProtocols"/>, every other setting the
    /// same: a field-by-field copy, so a setting added later is carried without a line here (a hand-written copy dropped
    /// the client certificate). What these options made of their settings, the copy makes again.
    /// </summary>
    internal TlsClientOptions WithServerNameAndAlpn(string? serverName, IReadOnlyList<string>? alpnProtocols)
    {
        var copy = (TlsClientOptions)MemberwiseClone();
        copy._serverName = serverName;
        copy._alpnProtocols = alpnProtocols;
        copy._alpnWire = null;
        copy._context = null;
        return copy;
    }

    /// <summary>
    /// Checks every setting and makes the OpenSSL context, so that what OpenSSL refuses (a client certificate below its
    /// security level) throws here, where the connection or request is asked for, not inside the loop when an agent
    /// opens a connection. Once that succeeded, a cheap check: the settings are init-only.
    /// </summary>
    /// <exception cref="ArgumentException">A setting is invalid, or OpenSSL refuses the certificate or key.</exception>
    internal void Validate()
    {
        if (Volatile.Read(ref _context) is not null)
            return;
        ArgumentOutOfRangeException.ThrowIfNegative(HandshakeTimeout);
        if (ClientCertificate is { HasPrivateKey: false })
            throw new ArgumentException("The client certificate has no private key.", nameof(ClientCertificate));
        if (ClientCertificate is null && ClientCertificateChain is not null)
            throw new ArgumentException("A client certificate chain needs its ClientCertificate.", nameof(ClientCertificateChain));
        _ = AlpnWire;
        _ = GetContext();
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
                    foreach (nint x509 in SecureContext.ReadCertificates(root.ExportCertificatePem()))
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
            if (ClientCertificate is { } certificate)
            {
                var (chain, key) = SecureContext.ToPem(certificate, ClientCertificateChain, nameof(ClientCertificate));
                SecureContext.UseChain(ctx, chain);
                SecureContext.UseKey(ctx, key);
            }
            // Sessions go to the connection's cache (an HTTP agent's) through the callback, none to OpenSSL's own store.
            OpenSsl.SSL_CTX_ctrl(ctx, OpenSsl.SSL_CTRL_SET_SESS_CACHE_MODE, OpenSsl.SSL_SESS_CACHE_CLIENT | OpenSsl.SSL_SESS_CACHE_NO_INTERNAL_STORE, 0);
            OpenSsl.SSL_CTX_sess_set_new_cb(ctx, (nint)(delegate* unmanaged<nint, nint, int>)&TlsTransform.OnNewSession);
            return SecureContext.Wrap(ctx);
        }
        catch
        {
            ctx.Dispose();
            throw;
        }
    }
}

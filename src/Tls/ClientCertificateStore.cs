using System.Security.Cryptography.X509Certificates;
using System.Text;
using Uvnet.Tls.Interop;

namespace Uvnet.Tls;

/// <summary>
/// What a server verifies client certificates against (<see cref="TlsServerOptions.RequestCert"/>): an OpenSSL store
/// of the CA certificates, and those certificates, whose subjects each handshake sends as the accepted issuers.
/// Made once per options; set on each SSL rather than on the context, which servers with other settings may share.
/// </summary>
internal sealed unsafe class ClientCertificateStore
{
    private readonly nint _store;
    private readonly nint[] _cas;
    // The session id contexts of a server that requires, and one that only requests, certificates of these CAs: a
    // session resumes only where it was made with the same settings (OpenSSL refuses another context's), so a ticket
    // of a server with the same ticket keys but other client certificate settings cannot skip this one's check (nginx
    // puts its client CA into the context likewise).
    private readonly byte[] _requireId, _requestId;

    private ClientCertificateStore(nint store, nint[] cas)
    {
        _store = store;
        _cas = cas;
        _requireId = SessionIdContext(cas, reject: true);
        _requestId = SessionIdContext(cas, reject: false);
    }

    /// <summary>SHA-256 of the settings and of each CA certificate (DER): 32 bytes, OpenSSL's most.</summary>
    private static byte[] SessionIdContext(nint[] cas, bool reject)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        hash.AppendData(reject ? "uvnet client certificate required"u8 : "uvnet client certificate requested"u8);
        foreach (nint ca in cas)
            hash.AppendData(SecureContext.ToDer(ca) ?? []);
        return hash.GetHashAndReset();
    }

    /// <summary>
    /// A store of <paramref name="certificates"/> and the certificates of <paramref name="caFile"/> (its path and the
    /// PEM text read from it); the system's roots when both are empty.
    /// </summary>
    /// <exception cref="ArgumentException">The CA file holds no certificate.</exception>
    internal static ClientCertificateStore Create(X509Certificate2Collection? certificates, (string Path, string Pem)? caFile)
    {
        OpenSsl.EnsureLoaded();
        var text = new StringBuilder();
        foreach (X509Certificate2 certificate in certificates ?? [])
            text.Append(certificate.ExportCertificatePem()).Append('\n');
        List<nint> fromFile = caFile is { Pem: var pem } ? SecureContext.ReadCertificates(pem) : [];
        if (caFile is { Path: var path } && fromFile.Count == 0)
            throw new ArgumentException($"{nameof(TlsServerOptions.CaFile)} '{path}' holds no PEM certificate.", nameof(TlsServerOptions.CaFile));
        List<nint> all = [.. SecureContext.ReadCertificates(text.ToString()), .. fromFile];
        nint store = OpenSsl.X509_STORE_new();
        if (store == 0)
        {
            foreach (nint x509 in all)
                OpenSsl.X509_free(x509);
            throw OpenSslError.Take("X509_STORE_new");
        }
        foreach (nint x509 in all)
            OpenSsl.X509_STORE_add_cert(store, x509); // the store takes its own reference; a duplicate is refused harmlessly
        if (all.Count == 0)
            OpenSsl.X509_STORE_set_default_paths(store); // Node verifies against its root CAs when no ca is given
        OpenSsl.ERR_clear_error();
        return new ClientCertificateStore(store, [.. all]);
    }

    /// <summary>
    /// Asks <paramref name="ssl"/>'s client for a certificate and verifies it against this store: with
    /// <paramref name="reject"/>, a missing or unverified one fails the handshake; else any is taken and the result kept.
    /// Called again after SNI switched the context, which replaces the SSL's certificate settings (the store with them).
    /// </summary>
    internal void Apply(SafeSslHandle ssl, bool reject, bool first)
    {
        OpenSsl.SSL_ctrl(ssl, OpenSsl.SSL_CTRL_SET_VERIFY_CERT_STORE, 1, _store); // set1: the SSL takes a reference
        if (!first)
            return;
        fixed (byte* id = reject ? _requireId : _requestId)
            OpenSsl.SSL_set_session_id_context(ssl, id, 32); // kept through an SNI switch, as it is not the context's
        if (reject)
            OpenSsl.SSL_set_verify(ssl, OpenSsl.SSL_VERIFY_PEER | OpenSsl.SSL_VERIFY_FAIL_IF_NO_PEER_CERT, 0);
        else
            OpenSsl.SSL_set_verify(ssl, OpenSsl.SSL_VERIFY_PEER, (nint)(delegate* unmanaged<int, nint, int>)&TlsServerCallbacks.OnVerifyAcceptAny);
        foreach (nint ca in _cas)
            OpenSsl.SSL_add_client_CA(ssl, ca);
    }

    ~ClientCertificateStore()
    {
        // Options live as long as their servers; a store is freed with them (SSLs still open hold their own reference).
        OpenSsl.X509_STORE_free(_store);
        foreach (nint ca in _cas)
            OpenSsl.X509_free(ca);
    }
}

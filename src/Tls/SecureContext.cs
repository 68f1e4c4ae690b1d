using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Uvnet.Tls.Interop;

namespace Uvnet.Tls;

/// <summary>
/// Node's <c>SecureContext</c> (<c>tls.createSecureContext</c>): a certificate chain and its key with the settings
/// every connection made from it shares (TLS 1.2 and 1.3 only, Mozilla's "intermediate" ciphers, no compression,
/// no renegotiation, session tickets, release of idle record buffers). Immutable once made; share one across
/// servers and loops. Dispose it when no server uses it any more (connections still open keep it alive).
/// </summary>
public sealed unsafe class SecureContext : IDisposable
{
    /// <summary>TLS 1.2 ciphers of Mozilla's "intermediate" profile (forward secret AEAD only), less DHE, which needs DH parameters.</summary>
    internal const string Tls12Ciphers =
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:" +
        "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

    internal const string Tls13Suites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

    private SecureContext(SafeSslContextHandle handle) => Handle = handle;

    internal SafeSslContextHandle Handle { get; }

    /// <summary>A client context (see <see cref="TlsClientOptions"/>).</summary>
    internal static SecureContext Wrap(SafeSslContextHandle handle) => new(handle);

    /// <summary>Reads the certificate chain (leaf first, then intermediates) and the private key from PEM files.</summary>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="ArgumentException">A file holds no certificate, no key, or a key that does not match the certificate.</exception>
    /// <exception cref="PlatformNotSupportedException">OpenSSL 3 cannot be loaded.</exception>
    public static SecureContext FromPemFiles(string certificateChainFile, string privateKeyFile)
    {
        ArgumentException.ThrowIfNullOrEmpty(certificateChainFile);
        ArgumentException.ThrowIfNullOrEmpty(privateKeyFile);
        return FromPem(File.ReadAllText(certificateChainFile), File.ReadAllText(privateKeyFile));
    }

    /// <summary>A context from PEM text: the chain (leaf first) and the private key.</summary>
    /// <exception cref="ArgumentException">No certificate, no key, or a key that does not match the certificate.</exception>
    /// <exception cref="PlatformNotSupportedException">OpenSSL 3 cannot be loaded.</exception>
    public static SecureContext FromPem(string certificateChainPem, string privateKeyPem)
    {
        ArgumentNullException.ThrowIfNull(certificateChainPem);
        ArgumentNullException.ThrowIfNull(privateKeyPem);
        OpenSsl.EnsureLoaded();
        SafeSslContextHandle ctx = CreateServerHandle();
        try
        {
            UseChain(ctx, certificateChainPem);
            UseKey(ctx, privateKeyPem);
            return new SecureContext(ctx);
        }
        catch
        {
            ctx.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A context from <paramref name="certificate"/>, which must have its private key (RSA or ECDSA, exportable),
    /// and the intermediates of <paramref name="chain"/> sent after it.
    /// </summary>
    /// <exception cref="ArgumentException">The certificate has no private key, or one that cannot be exported.</exception>
    public static SecureContext FromCertificate(X509Certificate2 certificate, X509Certificate2Collection? chain = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var (pem, key) = ToPem(certificate, chain, nameof(certificate));
        return FromPem(pem, key);
    }

    /// <summary>The PEM texts of a certificate with its private key (and intermediates), as OpenSSL reads them.</summary>
    /// <exception cref="ArgumentException">The certificate has no private key, or one that is neither RSA nor ECDSA.</exception>
    internal static (string Chain, string Key) ToPem(X509Certificate2 certificate, X509Certificate2Collection? chain, string parameter)
    {
        if (!certificate.HasPrivateKey)
            throw new ArgumentException("The certificate has no private key.", parameter);
        var pem = new StringBuilder(certificate.ExportCertificatePem()).Append('\n');
        foreach (X509Certificate2 intermediate in chain ?? [])
            pem.Append(intermediate.ExportCertificatePem()).Append('\n');
        string key = (certificate.GetECDsaPrivateKey() as System.Security.Cryptography.AsymmetricAlgorithm
            ?? certificate.GetRSAPrivateKey()
            ?? throw new ArgumentException("Only RSA and ECDSA keys are supported.", parameter)).ExportPkcs8PrivateKeyPem();
        return (pem.ToString(), key);
    }

    /// <summary>The settings shared by server and client contexts.</summary>
    internal static SafeSslContextHandle CreateHandle()
    {
        OpenSsl.EnsureLoaded();
        SafeSslContextHandle ctx = SafeSslContextHandle.Create();
        OpenSsl.SSL_CTX_ctrl(ctx, OpenSsl.SSL_CTRL_SET_MIN_PROTO_VERSION, OpenSsl.TLS1_2_VERSION, 0);
        OpenSsl.SSL_CTX_ctrl(ctx, OpenSsl.SSL_CTRL_SET_MAX_PROTO_VERSION, OpenSsl.TLS1_3_VERSION, 0);
        OpenSsl.SSL_CTX_set_options(ctx, OpenSsl.SSL_OP_NO_COMPRESSION | OpenSsl.SSL_OP_NO_RENEGOTIATION);
        // Writes always complete whole (a memory BIO takes everything); idle connections give their record buffers back.
        // Release costs two 16 KiB mallocs and frees per keep-alive request (about 1.5% of its CPU in the profile);
        // keeping them while a connection is busy would hold 33 KiB on each of a burst of connections, which glibc
        // keeps in the process's memory after they go idle (bench/FINDINGS.md).
        OpenSsl.SSL_CTX_ctrl(ctx, OpenSsl.SSL_CTRL_MODE, (nint)(OpenSsl.SSL_MODE_RELEASE_BUFFERS | OpenSsl.SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER), 0);
        if (OpenSsl.SSL_CTX_set_cipher_list(ctx, Tls12Ciphers) != 1 || OpenSsl.SSL_CTX_set_ciphersuites(ctx, Tls13Suites) != 1
            || SetGroups(ctx, "X25519:P-256:P-384") != 1)
        {
            ctx.Dispose();
            throw OpenSslError.Take("cipher settings");
        }
        return ctx;
    }

    private static int SetGroups(SafeSslContextHandle ctx, string groups)
    {
        nint list = Marshal.StringToCoTaskMemUTF8(groups);
        try
        {
            return (int)OpenSsl.SSL_CTX_ctrl(ctx, OpenSsl.SSL_CTRL_SET_GROUPS_LIST, 0, list);
        }
        finally
        {
            Marshal.FreeCoTaskMem(list);
        }
    }

    private static SafeSslContextHandle CreateServerHandle()
    {
        SafeSslContextHandle ctx = CreateHandle();
        // The server's cipher order (testssl.sh rates a client-chosen order "NOT ok"), AES-GCM first; but a client that
        // lists ChaCha20 first (no AES hardware: phones) gets it, as OpenSSL's PRIORITIZE_CHACHA does for nginx and Node.
        OpenSsl.SSL_CTX_set_options(ctx, OpenSsl.SSL_OP_NO_CLIENT_RENEGOTIATION | OpenSsl.SSL_OP_CIPHER_SERVER_PREFERENCE | OpenSsl.SSL_OP_PRIORITIZE_CHACHA);
        // Resumption with tickets (OpenSSL's default, on): the id context lets a ticket resume on this context only.
        // OpenSSL's own server cache is off, as in Node's contexts (SERVER | NO_INTERNAL | NO_AUTO_CLEAR): it would keep
        // the session of each TLS 1.2 client that takes no ticket for five minutes (up to 20,480 of them, behind a
        // lock) and walk them all every 255 handshakes to drop the expired ones.
        OpenSsl.SSL_CTX_ctrl(ctx, OpenSsl.SSL_CTRL_SET_SESS_CACHE_MODE,
            OpenSsl.SSL_SESS_CACHE_SERVER | OpenSsl.SSL_SESS_CACHE_NO_INTERNAL | OpenSsl.SSL_SESS_CACHE_NO_AUTO_CLEAR, 0);
        byte* id = stackalloc byte[] { (byte)'u', (byte)'v', (byte)'n', (byte)'e', (byte)'t' };
        OpenSsl.SSL_CTX_set_session_id_context(ctx, id, 5);
        OpenSsl.SSL_CTX_callback_ctrl(ctx, OpenSsl.SSL_CTRL_SET_TLSEXT_SERVERNAME_CB, (nint)(delegate* unmanaged<nint, int*, nint, int>)&TlsServerCallbacks.OnServerName);
        OpenSsl.SSL_CTX_set_alpn_select_cb(ctx, (nint)(delegate* unmanaged<nint, byte**, byte*, byte*, uint, nint, int>)&TlsServerCallbacks.OnAlpnSelect, 0);
        // Tickets under the keys of the server's options (rotated, settable), not the context's own random key.
        OpenSsl.SSL_CTX_callback_ctrl(ctx, OpenSsl.SSL_CTRL_SET_TLSEXT_TICKET_KEY_CB, (nint)(delegate* unmanaged<nint, byte*, byte*, nint, nint, int, int>)&TlsServerCallbacks.OnTicketKey);
        return ctx;
    }

    internal static void UseChain(SafeSslContextHandle ctx, string pem)
    {
        bool first = true;
        foreach (nint x509 in ReadCertificates(pem))
        {
            int ok = first
                ? OpenSsl.SSL_CTX_use_certificate(ctx, x509)
                : (int)OpenSsl.SSL_CTX_ctrl(ctx, OpenSsl.SSL_CTRL_CHAIN_CERT, 1, x509); // add1: takes its own reference
            OpenSsl.X509_free(x509);
            if (ok != 1)
                throw new ArgumentException("The certificate chain was refused: " + OpenSslError.Take("SSL_CTX_use_certificate").Message);
            first = false;
        }
        if (first)
            throw new ArgumentException("No PEM certificate found in the certificate chain.");
    }

    internal static void UseKey(SafeSslContextHandle ctx, string pem)
    {
        nint key = ReadPem(pem, static bio => OpenSsl.PEM_read_bio_PrivateKey(bio, 0, 0, 0)).FirstOrDefault();
        OpenSsl.ERR_clear_error();
        if (key == 0)
            throw new ArgumentException("No PEM private key found (an encrypted key is not supported).");
        int ok = OpenSsl.SSL_CTX_use_PrivateKey(ctx, key);
        OpenSsl.EVP_PKEY_free(key);
        if (ok != 1 || OpenSsl.SSL_CTX_check_private_key(ctx) != 1)
            throw new ArgumentException("The private key does not match the certificate: " + OpenSslError.Take("SSL_CTX_check_private_key").Message);
    }

    /// <summary>Every certificate of <paramref name="pem"/> (X509 pointers the caller frees), leaving OpenSSL's error queue empty.</summary>
    internal static List<nint> ReadCertificates(string pem)
    {
        List<nint> found = ReadPem(pem, static bio => OpenSsl.PEM_read_bio_X509(bio, 0, 0, 0));
        OpenSsl.ERR_clear_error(); // the end of the PEM text leaves a "no start line" error
        return found;
    }

    /// <summary>The DER encoding of an X509 certificate, or null when OpenSSL cannot encode it.</summary>
    internal static byte[]? ToDer(nint x509)
    {
        int size = OpenSsl.i2d_X509(x509, null);
        if (size <= 0)
            return null;
        byte[] der = new byte[size];
        fixed (byte* p = der)
        {
            byte* cursor = p; // i2d moves the pointer it is given past what it wrote
            OpenSsl.i2d_X509(x509, &cursor);
        }
        return der;
    }

    /// <summary>Every object <paramref name="read"/> finds in <paramref name="pem"/>, in order.</summary>
    internal static List<nint> ReadPem(string pem, Func<nint, nint> read)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(pem);
        var found = new List<nint>();
        fixed (byte* p = bytes)
        {
            nint bio = OpenSsl.BIO_new_mem_buf(p, bytes.Length);
            try
            {
                for (nint item; (item = read(bio)) != 0;)
                    found.Add(item);
            }
            finally
            {
                OpenSsl.BIO_free(bio);
            }
        }
        return found;
    }

    /// <summary>Frees the context once the connections made from it are gone (OpenSSL counts them).</summary>
    public void Dispose() => Handle.Dispose();
}

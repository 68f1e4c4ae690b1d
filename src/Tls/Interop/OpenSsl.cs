using System.Runtime.InteropServices;

namespace Uvnet.Tls.Interop;

/// <summary>
/// The slice of OpenSSL 3 (libssl.so.3, libcrypto.so.3: the libraries .NET itself uses on Linux) the TLS layer needs.
/// Macros of the C API (SSL_CTX_set_min_proto_version, SSL_set_tlsext_host_name...) are their ctrl calls here.
/// </summary>
internal static unsafe partial class OpenSsl
{
    private const string Ssl = "libssl.so.3";
    private const string Crypto = "libcrypto.so.3";

    internal const int SSL_ERROR_NONE = 0, SSL_ERROR_SSL = 1, SSL_ERROR_WANT_READ = 2, SSL_ERROR_WANT_WRITE = 3,
        SSL_ERROR_SYSCALL = 5, SSL_ERROR_ZERO_RETURN = 6;
    internal const int TLS1_2_VERSION = 0x0303, TLS1_3_VERSION = 0x0304;
    internal const int SSL_CTRL_MODE = 33, SSL_CTRL_SET_TLSEXT_SERVERNAME_CB = 53, SSL_CTRL_SET_TLSEXT_HOSTNAME = 55,
        SSL_CTRL_CHAIN_CERT = 89, SSL_CTRL_SET_GROUPS_LIST = 92, SSL_CTRL_SET_MIN_PROTO_VERSION = 123, SSL_CTRL_SET_MAX_PROTO_VERSION = 124;
    internal const int SSL_CTRL_SET_SESS_CACHE_MODE = 44, SSL_CTRL_SET_TLSEXT_TICKET_KEY_CB = 72, SSL_CTRL_SET_VERIFY_CERT_STORE = 106;
    internal const int SSL_CTRL_SESS_NUMBER = 20;
    internal const int SSL_SESS_CACHE_CLIENT = 0x1, SSL_SESS_CACHE_SERVER = 0x2, SSL_SESS_CACHE_NO_AUTO_CLEAR = 0x80,
        SSL_SESS_CACHE_NO_INTERNAL_STORE = 0x200, SSL_SESS_CACHE_NO_INTERNAL = 0x300;
    internal const int BIO_C_SET_BUF_MEM_EOF_RETURN = 130;
    internal const long SSL_MODE_ENABLE_PARTIAL_WRITE = 0x1, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER = 0x2, SSL_MODE_RELEASE_BUFFERS = 0x10;
    internal const ulong SSL_OP_NO_COMPRESSION = 1UL << 17, SSL_OP_NO_RENEGOTIATION = 1UL << 30,
        SSL_OP_NO_CLIENT_RENEGOTIATION = 1UL << 10, SSL_OP_CIPHER_SERVER_PREFERENCE = 1UL << 22, SSL_OP_PRIORITIZE_CHACHA = 1UL << 21;
    internal const int SSL_VERIFY_NONE = 0, SSL_VERIFY_PEER = 1, SSL_VERIFY_FAIL_IF_NO_PEER_CERT = 2;
    internal const int SSL_TLSEXT_ERR_OK = 0, SSL_TLSEXT_ERR_ALERT_FATAL = 2, SSL_TLSEXT_ERR_NOACK = 3;
    internal const int SSL_AD_INTERNAL_ERROR = 80;
    internal const int OPENSSL_NPN_NEGOTIATED = 1;
    internal const int SSL_RECEIVED_SHUTDOWN = 2;
    internal const int X509_V_OK = 0;

    [LibraryImport(Ssl)] internal static partial nint TLS_method();
    [LibraryImport(Ssl)] internal static partial nint SSL_CTX_new(nint method);
    [LibraryImport(Ssl)] internal static partial void SSL_CTX_free(nint ctx);
    [LibraryImport(Ssl)] internal static partial nint SSL_CTX_ctrl(SafeSslContextHandle ctx, int cmd, nint larg, nint parg);
    [LibraryImport(Ssl)] internal static partial nint SSL_CTX_callback_ctrl(SafeSslContextHandle ctx, int cmd, nint fp);
    [LibraryImport(Ssl)] internal static partial ulong SSL_CTX_set_options(SafeSslContextHandle ctx, ulong options);
    [LibraryImport(Ssl, StringMarshalling = StringMarshalling.Utf8)] internal static partial int SSL_CTX_set_cipher_list(SafeSslContextHandle ctx, string list);
    [LibraryImport(Ssl, StringMarshalling = StringMarshalling.Utf8)] internal static partial int SSL_CTX_set_ciphersuites(SafeSslContextHandle ctx, string list);
    [LibraryImport(Ssl)] internal static partial int SSL_CTX_use_certificate(SafeSslContextHandle ctx, nint x509);
    [LibraryImport(Ssl)] internal static partial int SSL_CTX_use_PrivateKey(SafeSslContextHandle ctx, nint pkey);
    [LibraryImport(Ssl)] internal static partial int SSL_CTX_check_private_key(SafeSslContextHandle ctx);
    [LibraryImport(Ssl)] internal static partial int SSL_CTX_set_default_verify_paths(SafeSslContextHandle ctx);
    [LibraryImport(Ssl)] internal static partial nint SSL_CTX_get_cert_store(SafeSslContextHandle ctx);
    [LibraryImport(Ssl)] internal static partial void SSL_CTX_set_verify(SafeSslContextHandle ctx, int mode, nint callback);
    [LibraryImport(Ssl)] internal static partial void SSL_CTX_set_alpn_select_cb(SafeSslContextHandle ctx, nint callback, nint arg);
    [LibraryImport(Ssl)] internal static partial int SSL_CTX_set_session_id_context(SafeSslContextHandle ctx, byte* id, uint length);
    [LibraryImport(Ssl)] internal static partial int SSL_set_session_id_context(SafeSslHandle ssl, byte* id, uint length);

    [LibraryImport(Ssl)] internal static partial nint SSL_new(SafeSslContextHandle ctx);
    [LibraryImport(Ssl)] internal static partial void SSL_free(nint ssl);
    [LibraryImport(Ssl)] internal static partial nint SSL_ctrl(SafeSslHandle ssl, int cmd, nint larg, nint parg);
    [LibraryImport(Ssl)] internal static partial void SSL_set_bio(SafeSslHandle ssl, nint rbio, nint wbio);
    [LibraryImport(Ssl)] internal static partial void SSL_set_accept_state(SafeSslHandle ssl);
    [LibraryImport(Ssl)] internal static partial void SSL_set_connect_state(SafeSslHandle ssl);
    [LibraryImport(Ssl)] internal static partial int SSL_do_handshake(SafeSslHandle ssl);
    [LibraryImport(Ssl)] internal static partial int SSL_read(nint ssl, byte* buffer, int count);
    [LibraryImport(Ssl)] internal static partial int SSL_write(nint ssl, byte* buffer, int count);
    [LibraryImport(Ssl)] internal static partial int SSL_get_error(SafeSslHandle ssl, int ret);
    [LibraryImport(Ssl)] internal static partial int SSL_shutdown(SafeSslHandle ssl);
    [LibraryImport(Ssl)] internal static partial int SSL_get_shutdown(SafeSslHandle ssl);
    [LibraryImport(Ssl)] internal static partial int SSL_set_ex_data(SafeSslHandle ssl, int index, nint data);
    [LibraryImport(Ssl)] internal static partial nint SSL_get_ex_data(nint ssl, int index);
    [LibraryImport(Ssl)] internal static partial nint SSL_get_servername(nint ssl, int type);
    [LibraryImport(Ssl)] internal static partial nint SSL_set_SSL_CTX(nint ssl, SafeSslContextHandle ctx);
    [LibraryImport(Ssl)] internal static partial int SSL_set_alpn_protos(SafeSslHandle ssl, byte* protos, uint length);
    [LibraryImport(Ssl)] internal static partial void SSL_get0_alpn_selected(SafeSslHandle ssl, out byte* data, out uint length);
    [LibraryImport(Ssl)] internal static partial int SSL_select_next_proto(byte** output, byte* outputLength, byte* server, uint serverLength, byte* client, uint clientLength);
    [LibraryImport(Ssl, StringMarshalling = StringMarshalling.Utf8)] internal static partial int SSL_set1_host(SafeSslHandle ssl, string host);
    [LibraryImport(Ssl)] internal static partial void SSL_set_verify(SafeSslHandle ssl, int mode, nint callback);
    [LibraryImport(Ssl)] internal static partial nint SSL_get_verify_result(SafeSslHandle ssl);
    [LibraryImport(Ssl)] internal static partial nint SSL_get_version(SafeSslHandle ssl);
    [LibraryImport(Ssl)] internal static partial nint SSL_get_current_cipher(SafeSslHandle ssl);
    [LibraryImport(Ssl)] internal static partial nint SSL_CIPHER_get_name(nint cipher);
    [LibraryImport(Ssl)] internal static partial int SSL_session_reused(SafeSslHandle ssl);
    [LibraryImport(Ssl)] internal static partial nint SSL_get1_peer_certificate(SafeSslHandle ssl);
    [LibraryImport(Ssl)] internal static partial nint SSL_get1_session(SafeSslHandle ssl);
    [LibraryImport(Ssl)] internal static partial int SSL_set_session(SafeSslHandle ssl, nint session);
    [LibraryImport(Ssl)] internal static partial void SSL_SESSION_free(nint session);
    [LibraryImport(Ssl)] internal static partial nint SSL_SESSION_dup(nint session);
    [LibraryImport(Ssl)] internal static partial void SSL_CTX_sess_set_new_cb(SafeSslContextHandle ctx, nint callback);
    [LibraryImport(Ssl)] internal static partial int SSL_add_client_CA(SafeSslHandle ssl, nint x509);
    [LibraryImport(Ssl)] internal static partial int SSL_CTX_add_client_CA(SafeSslContextHandle ctx, nint x509);

    [LibraryImport(Crypto)] internal static partial nint BIO_s_mem();
    [LibraryImport(Crypto)] internal static partial nint BIO_new(nint method);
    [LibraryImport(Crypto)] internal static partial nint BIO_new_mem_buf(byte* buffer, int length);
    [LibraryImport(Crypto)] internal static partial int BIO_free(nint bio);
    [LibraryImport(Crypto)] internal static partial int BIO_read(nint bio, byte* buffer, int count);
    [LibraryImport(Crypto)] internal static partial int BIO_write(nint bio, byte* buffer, int count);
    // Reads a counter: short enough to skip the GC transition (it is called after every read and write).
    [LibraryImport(Crypto), SuppressGCTransition] internal static partial nuint BIO_ctrl_pending(nint bio);
    [LibraryImport(Crypto)] internal static partial nint BIO_ctrl(nint bio, int cmd, nint larg, nint parg);
    [LibraryImport(Crypto)] internal static partial nint PEM_read_bio_X509(nint bio, nint x, nint callback, nint userdata);
    [LibraryImport(Crypto)] internal static partial nint PEM_read_bio_PrivateKey(nint bio, nint x, nint callback, nint userdata);
    [LibraryImport(Crypto)] internal static partial void X509_free(nint x509);
    [LibraryImport(Crypto)] internal static partial void EVP_PKEY_free(nint pkey);
    [LibraryImport(Crypto)] internal static partial int X509_STORE_add_cert(nint store, nint x509);
    [LibraryImport(Crypto)] internal static partial nint X509_STORE_new();
    [LibraryImport(Crypto)] internal static partial void X509_STORE_free(nint store);
    [LibraryImport(Crypto)] internal static partial int X509_STORE_set_default_paths(nint store);
    [LibraryImport(Crypto)] internal static partial nint EVP_aes_128_cbc();
    [LibraryImport(Crypto)] internal static partial nint EVP_sha256();
    [LibraryImport(Crypto)] internal static partial int EVP_EncryptInit_ex(nint ctx, nint cipher, nint engine, byte* key, byte* iv);
    [LibraryImport(Crypto)] internal static partial int EVP_DecryptInit_ex(nint ctx, nint cipher, nint engine, byte* key, byte* iv);
    [LibraryImport(Crypto)] internal static partial int HMAC_Init_ex(nint ctx, byte* key, int length, nint digest, nint engine);
    [LibraryImport(Crypto)] internal static partial int RAND_bytes(byte* buffer, int count);
    [LibraryImport(Crypto)] internal static partial int i2d_X509(nint x509, byte** output);
    [LibraryImport(Crypto)] internal static partial nint X509_verify_cert_error_string(nint n);
    [LibraryImport(Crypto)] internal static partial ulong ERR_get_error();
    [LibraryImport(Crypto)] internal static partial ulong ERR_peek_error();
    [LibraryImport(Crypto)] internal static partial void ERR_clear_error();
    [LibraryImport(Crypto)] internal static partial nint ERR_reason_error_string(ulong error);
    [LibraryImport(Crypto)] internal static partial void ERR_error_string_n(ulong error, byte* buffer, nuint length);

    private static readonly Lazy<string?> s_loadError = new(TryLoad);

    /// <summary>
    /// Loads both libraries once, or throws with what is missing: called before the first context is made, so a
    /// system without OpenSSL 3 (macOS without it, a slim container) fails at start-up with a clear message rather
    /// than with a DllNotFoundException in the middle of a handshake.
    /// </summary>
    internal static void EnsureLoaded()
    {
        if (s_loadError.Value is { } error)
            throw new PlatformNotSupportedException(error);
    }

    private static string? TryLoad()
    {
        foreach (string name in new[] { Crypto, Ssl })
        {
            if (!NativeLibrary.TryLoad(name, typeof(OpenSsl).Assembly, null, out _))
                return $"Uvnet's TLS needs OpenSSL 3 ({name}), which could not be loaded. Install OpenSSL 3 (Debian/Ubuntu: libssl3; macOS: brew install openssl@3 and add its lib folder to DYLD_LIBRARY_PATH).";
        }
        return null;
    }

    /// <summary>A C string from OpenSSL (static storage: never freed), or null.</summary>
    internal static string? Text(nint p) => p == 0 ? null : Marshal.PtrToStringUTF8(p);
}

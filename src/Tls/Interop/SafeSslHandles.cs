using System.Runtime.InteropServices;

namespace Uvnet.Tls.Interop;

/// <summary>An <c>SSL_CTX*</c>: freed when the last SSL made from it and the last reference go (OpenSSL counts them).</summary>
internal sealed class SafeSslContextHandle : SafeHandle
{
    public SafeSslContextHandle() : base(0, ownsHandle: true)
    {
    }

    internal static SafeSslContextHandle Create()
    {
        var handle = new SafeSslContextHandle();
        handle.SetHandle(OpenSsl.SSL_CTX_new(OpenSsl.TLS_method()));
        if (handle.IsInvalid)
            throw OpenSslError.Take("SSL_CTX_new");
        return handle;
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        OpenSsl.SSL_CTX_free(handle);
        return true;
    }
}

/// <summary>
/// An <c>SSL*</c> with its two memory BIOs (freed with it). <see cref="Live"/> counts those not freed yet, so tests
/// (and <c>--stats</c>) can tell that every connection gave its OpenSSL objects back.
/// </summary>
internal sealed class SafeSslHandle : SafeHandle
{
    private static long s_live;

    public SafeSslHandle() : base(0, ownsHandle: true)
    {
    }

    /// <summary>SSL objects made and not freed yet, across loops.</summary>
    internal static long Live => Interlocked.Read(ref s_live);

    /// <summary>The read BIO (ciphertext from the peer goes in) and the write BIO (ciphertext for the peer comes out).</summary>
    internal nint ReadBio { get; private set; }

    internal nint WriteBio { get; private set; }

    internal static SafeSslHandle Create(SafeSslContextHandle context)
    {
        var ssl = new SafeSslHandle();
        nint p = OpenSsl.SSL_new(context);
        if (p == 0)
            throw OpenSslError.Take("SSL_new");
        ssl.SetHandle(p);
        Interlocked.Increment(ref s_live);
        nint rbio = OpenSsl.BIO_new(OpenSsl.BIO_s_mem());
        nint wbio = OpenSsl.BIO_new(OpenSsl.BIO_s_mem());
        if (rbio == 0 || wbio == 0)
        {
            if (rbio != 0)
                OpenSsl.BIO_free(rbio);
            if (wbio != 0)
                OpenSsl.BIO_free(wbio);
            ssl.Dispose();
            throw OpenSslError.Take("BIO_new");
        }
        // An empty memory BIO says "retry" rather than end of file: more ciphertext may come from the socket.
        OpenSsl.BIO_ctrl(rbio, OpenSsl.BIO_C_SET_BUF_MEM_EOF_RETURN, -1, 0);
        OpenSsl.BIO_ctrl(wbio, OpenSsl.BIO_C_SET_BUF_MEM_EOF_RETURN, -1, 0);
        OpenSsl.SSL_set_bio(ssl, rbio, wbio); // the SSL owns them from here: SSL_free frees them
        ssl.ReadBio = rbio;
        ssl.WriteBio = wbio;
        return ssl;
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        OpenSsl.SSL_free(handle);
        Interlocked.Decrement(ref s_live);
        return true;
    }
}

/// <summary>An <c>SSL_SESSION*</c> a client keeps to resume with (a TLS 1.3 ticket or a TLS 1.2 session).</summary>
internal sealed class SafeSslSessionHandle : SafeHandle
{
    public SafeSslSessionHandle() : base(0, ownsHandle: true)
    {
    }

    /// <summary>Takes over a session of ours (a copy made in the new-session callback).</summary>
    internal SafeSslSessionHandle(nint session) : base(0, ownsHandle: true) => SetHandle(session);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        OpenSsl.SSL_SESSION_free(handle);
        return true;
    }
}

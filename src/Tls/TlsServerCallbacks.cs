using System.Runtime.InteropServices;
using Uvnet.Tls.Interop;

namespace Uvnet.Tls;

/// <summary>OpenSSL's server callbacks, set on every server context; each finds its connection through the SSL's app data.</summary>
internal static unsafe class TlsServerCallbacks
{
    /// <summary>SNI: the context of the host name the client asked for, else the default (Node's SNICallback lookup).</summary>
    [UnmanagedCallersOnly]
    internal static int OnServerName(nint ssl, int* alert, nint arg)
    {
        TlsTransform? connection = TlsTransform.FromSsl(ssl);
        string? name = OpenSsl.Text(OpenSsl.SSL_get_servername(ssl, 0));
        if (connection?.ServerOptions is not { } options || name is null)
            return OpenSsl.SSL_TLSEXT_ERR_OK;
        connection.Connection.ServerName = name;
        try
        {
            if (options.FindContext(name) is { } context)
            {
                OpenSsl.SSL_set_SSL_CTX(ssl, context.Handle);
                options.ClientCas?.Apply(connection.Ssl, options.RejectUnauthorized, first: false); // the switch dropped the SSL's store
            }
        }
        catch (ObjectDisposedException)
        {
            // The name's context was disposed while the server runs: this handshake fails with an alert (and the
            // server's TlsClientError) instead of the exception ending the process inside OpenSSL's callback.
            *alert = OpenSsl.SSL_AD_INTERNAL_ERROR;
            return OpenSsl.SSL_TLSEXT_ERR_ALERT_FATAL;
        }
        return OpenSsl.SSL_TLSEXT_ERR_OK;
    }

    /// <summary>ALPN: the first of the server's protocols the client offers; none in common, no ALPN (Node's default).</summary>
    [UnmanagedCallersOnly]
    internal static int OnAlpnSelect(nint ssl, byte** output, byte* outputLength, byte* offered, uint offeredLength, nint arg)
    {
        if (TlsTransform.FromSsl(ssl)?.ServerOptions?.AlpnWire is not { Length: > 0 } ours)
            return OpenSsl.SSL_TLSEXT_ERR_NOACK;
        fixed (byte* server = ours)
        {
            int result = OpenSsl.SSL_select_next_proto(output, outputLength, server, (uint)ours.Length, offered, offeredLength);
            if (result != OpenSsl.OPENSSL_NPN_NEGOTIATED)
                return OpenSsl.SSL_TLSEXT_ERR_NOACK;
            // *output points into our array, unpinned once this returns: point it into the client's list instead,
            // which OpenSSL keeps for the handshake.
            for (uint i = 0; i < offeredLength;)
            {
                byte length = offered[i];
                if (length == *outputLength && new ReadOnlySpan<byte>(offered + i + 1, length).SequenceEqual(new ReadOnlySpan<byte>(*output, length)))
                {
                    *output = offered + i + 1;
                    return OpenSsl.SSL_TLSEXT_ERR_OK;
                }
                i += 1u + length;
            }
            return OpenSsl.SSL_TLSEXT_ERR_NOACK;
        }
    }

    /// <summary>
    /// Client certificates requested but not required (<see cref="TlsServerOptions.RejectUnauthorized"/> false): the
    /// handshake goes on whatever verification found, which the connection reports (Node's VerifyCallback).
    /// </summary>
    [UnmanagedCallersOnly]
    internal static int OnVerifyAcceptAny(int preverifyOk, nint storeContext) => 1;

    /// <summary>
    /// Session tickets (OpenSSL's ticket key callback, Node's TicketKeyCallback): encrypts with the current key of the
    /// server's <see cref="TicketKeyRing"/>, decrypts with whichever of its keys the ticket names.
    /// </summary>
    [UnmanagedCallersOnly]
    internal static int OnTicketKey(nint ssl, byte* name, byte* iv, nint cipher, nint hmac, int encrypt)
    {
        if (TlsTransform.FromSsl(ssl)?.ServerOptions?.Tickets is not { } ring)
            return encrypt != 0 ? -1 : 0;
        return encrypt != 0 ? ring.InitEncrypt(name, iv, cipher, hmac) : ring.InitDecrypt(name, iv, cipher, hmac);
    }
}

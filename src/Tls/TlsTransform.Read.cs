using Uvnet.Net;
using Uvnet.Tls.Interop;

namespace Uvnet.Tls;

internal sealed unsafe partial class TlsTransform
{
    /// <summary>Ciphertext (or the end, or an error) from the handle.</summary>
    internal override void OnRead(int nread, Memory<byte> buffer)
    {
        if (_state == TlsState.Closed)
            return;
        if (nread > 0)
        {
            int written;
            fixed (byte* p = buffer.Span)
                written = OpenSsl.BIO_write(_ssl.ReadBio, p, nread); // a memory BIO takes everything (it grows)
            if (written != nread)
            {
                Fail(OpenSslError.TakeNet("ERR_SSL_BIO_WRITE", "could not buffer the peer's bytes"));
                return;
            }
            Cycle(buffer); // the bytes are in the BIO: the buffer is free for the plaintext
            return;
        }
        if (nread == 0)
            return;
        if (nread != UvError.EOF)
        {
            _socket.DeliverRead(nread, buffer);
            return;
        }
        if (ReceivedCloseNotify)
            return; // the end was delivered with the close_notify
        if (_state == TlsState.Handshaking)
        {
            // Node's words for it (ECONNRESET, as _tls_wrap.js onSocketClose before 'secure').
            Fail(new NetException("ECONNRESET", "Client network socket disconnected before secure TLS connection was established"));
            return;
        }
        // The peer closed TCP without close_notify: an end, as in Node, recorded as the truncation it may be (a body
        // delimited by the close cannot be told complete: see TlsConnection.Truncated).
        Truncated = true;
        _socket.DeliverRead(UvError.EOF, buffer);
    }

    /// <summary>Drives the handshake while it runs, then reads plaintext out (TLSWrap's Cycle).</summary>
    private void Cycle(Memory<byte> buffer)
    {
        if (_state == TlsState.Handshaking)
        {
            int r = OpenSsl.SSL_do_handshake(_ssl);
            if (r != 1)
            {
                int error = OpenSsl.SSL_get_error(_ssl, r);
                if (error is OpenSsl.SSL_ERROR_WANT_READ or OpenSsl.SSL_ERROR_WANT_WRITE)
                {
                    EncOut(s_ownWrite); // the hello, or our flight of the handshake
                    return;
                }
                NetException failure = HandshakeError();
                _sessions?.Evict(_sessionKey); // Node's agent forgets the session of a connection that failed
                EncOut(s_ownWrite); // the alert that tells the peer why
                Fail(failure);
                return;
            }
            OnHandshakeDone();
            if (_state != TlsState.Established || buffer.IsEmpty)
                return;
        }
        ClearOut(buffer);
    }

    private void OnHandshakeDone()
    {
        _state = TlsState.Established;
        StopHandshakeTimer();
        Connection.Capture(_ssl);
        if (VerifiesPeer)
            VerifyError = PeerVerifyError();
        FlushParkedWrites(); // their records follow the handshake's last flight
        if (!_socket.Destroyed)
            _onSecure?.Invoke(_socket);
    }

    /// <summary>
    /// Reads plaintext into <paramref name="buffer"/> (the loop's read buffer) until OpenSSL wants more ciphertext,
    /// handing each piece to the socket. A handler may destroy the socket: then nothing more is read.
    /// </summary>
    private void ClearOut(Memory<byte> buffer)
    {
        while (_state is TlsState.Established or TlsState.Closing && !_socket.Destroyed)
        {
            int n;
            fixed (byte* p = buffer.Span)
                n = OpenSsl.SSL_read(_ssl.DangerousGetHandle(), p, buffer.Length); // see Ssl's lifetime in OnClosed
            if (n > 0)
            {
                try
                {
                    _socket.DeliverRead(n, buffer);
                }
                catch
                {
                    // A handler threw (it leaves Loop.Run): what OpenSSL still holds decrypted would wait for the
                    // peer's next bytes, which may never come. Read on in a loop callback, as a socket goes on.
                    _socket.Loop.Post(static t => t.ResumeClearOut(), this);
                    throw;
                }
                // A read shorter than the buffer ended its record; with no ciphertext left in the BIO, another
                // SSL_read would only answer WANT_READ, at the price of a pass through the record layer and an
                // SSL_get_error: a keep-alive request is one record, so this halves the calls per request.
                if (n < buffer.Length && _state != TlsState.Closed && OpenSsl.BIO_ctrl_pending(_ssl.ReadBio) == 0)
                    break;
                continue;
            }
            int error = OpenSsl.SSL_get_error(_ssl, n);
            if (error == OpenSsl.SSL_ERROR_WANT_READ)
                break;
            if (error == OpenSsl.SSL_ERROR_ZERO_RETURN)
            {
                ReceivedCloseNotify = true;
                _socket.DeliverRead(UvError.EOF, buffer); // the peer ended: Ended, then our own end as the socket decides
                return;
            }
            NetException failure = OpenSslError.TakeNet("ERR_SSL_PROTOCOL_ERROR", "TLS record error");
            EncOut(s_ownWrite); // the alert OpenSSL wrote (record_overflow, bad_record_mac...) goes before the close, as Node's ClearOut
            Fail(failure);
            return;
        }
        if (_state != TlsState.Closed && !_socket.Destroyed)
            EncOut(s_ownWrite); // what reading produced (a KeyUpdate's answer)
    }

    /// <summary>Reads on after a handler threw, into a buffer of its own (the loop's is not at hand outside a read).</summary>
    private void ResumeClearOut()
    {
        if (_state is not (TlsState.Established or TlsState.Closing) || _socket.Destroyed)
            return;
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(MaxRecordPlaintext);
        try
        {
            ClearOut(buffer);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Whether the peer's certificate is verified: always by a client, by a server that requests one.</summary>
    internal bool VerifiesPeer => !_isServer || _server!.RequestCert;

    /// <summary>
    /// The verification error of the peer's certificate once the handshake is done; no certificate is Node's
    /// UNABLE_TO_GET_ISSUER_CERT (its VerifyPeerCertificate). A resumed session keeps its peer's certificate and
    /// verification result, so it is judged as its full handshake was. Node takes a TLS 1.3 resumption without a
    /// certificate as verified (its allowance for external PSKs, which Uvnet does not offer); but such a session is
    /// one whose client sent no certificate, and its ticket records "OK" only because nothing was verified.
    /// </summary>
    private NetException? PeerVerifyError()
    {
        const nint unableToGetIssuerCert = 2; // X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT
        nint result = Connection.HasPeerCertificate ? OpenSsl.SSL_get_verify_result(_ssl) : unableToGetIssuerCert;
        return TlsErrors.FromVerifyResult(result, Connection.ServerName);
    }

    private NetException HandshakeError()
    {
        if (VerifiesPeer && TlsErrors.FromVerifyResult(OpenSsl.SSL_get_verify_result(_ssl), Connection.ServerName) is { } verify)
        {
            OpenSsl.ERR_clear_error();
            return verify;
        }
        return OpenSslError.TakeNet("ERR_SSL_HANDSHAKE_FAILURE", "TLS handshake failed");
    }

    private void Fail(NetException error)
    {
        OpenSsl.ERR_clear_error();
        if (!_socket.Destroyed)
            _socket.Destroy(error);
    }
}

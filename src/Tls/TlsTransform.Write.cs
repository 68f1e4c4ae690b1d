using System.Buffers;
using Microsoft.Win32.SafeHandles;
using Uvnet.Net;
using Uvnet.Tls.Interop;

namespace Uvnet.Tls;

internal sealed unsafe partial class TlsTransform
{
    // The largest plaintext of one record (RFC 8446 §5.1): small writes are gathered up to it, so a batch of
    // pipelined responses leaves as few records as its size allows, not one record per response.
    private const int MaxRecordPlaintext = 16 * 1024;

    // Marks the transform's own writes (handshake flights, close_notify, alerts): no socket write completes with them.
    private static readonly object s_ownWrite = new();

    // Ciphertext up to this size is read out of the write BIO into the loop thread's scratch array and offered to
    // the kernel at once (see TakeCipher); more (a file's 64 KiB chunk, a large body) is queued in a rented array, as
    // the kernel would rarely take it whole.
    private const int CipherScratchSize = 32 * 1024;

    [ThreadStatic]
    private static byte[]? t_cipherScratch;

    private static readonly Action<WriteRequest, int> s_onCipherWritten = static (request, status) =>
        ((TlsTransform)Socket.OwnerOf(request.Stream!).Transform!).OnCipherWritten(status, request.Data);

    // Ciphertext arrays handed to the handle, in write order (a stream completes its writes in order): each
    // returns to the pool when its write completes. Grows once to the connection's depth, then allocates nothing.
    private readonly Queue<byte[]?> _inFlight = new();
    private long _cipherHanded;
    private byte[]? _staging; // rented for one Write's gathering, returned at its end: an idle connection holds none
    // Writes held during the handshake (as TLSWrap's pending writes) or behind a file being sent, in order.
    private Queue<HeldWrite>? _parked;
    private long _parkedBytes;

    internal override long WriteQueueSize =>
        _parkedBytes + _fileRemaining + (_socket.Handle is { } handle ? _cipherHanded - handle.BytesSent : 0);

    /// <summary>Whether a write now must wait its turn: the handshake runs, or a file or held writes are ahead of it.</summary>
    private bool MustHold => _state == TlsState.Handshaking || _file is not null || _parked is { Count: > 0 };

    /// <summary>The socket's write: held while <see cref="MustHold"/>, else encrypted and sent.</summary>
    internal override int Write(ReadOnlySpan<ReadOnlyMemory<byte>> buffers, object? callbacks)
    {
        if (_state is TlsState.Closed)
            return UvError.EPIPE;
        if (MustHold)
        {
            long bytes = 0;
            foreach (var b in buffers)
                bytes += b.Length;
            Hold(new HeldWrite(buffers.ToArray(), null, 0, bytes, callbacks));
            return 0;
        }
        if (!ClearIn(buffers))
            return UvError.ECONNABORTED; // the socket was destroyed with OpenSSL's reason
        return EncOut(callbacks);
    }

    private void Hold(HeldWrite write)
    {
        (_parked ??= new()).Enqueue(write);
        _parkedBytes += write.Count;
    }

    /// <summary>Encrypts <paramref name="buffers"/> into the write BIO, gathering small ones into full records.</summary>
    private bool ClearIn(params ReadOnlySpan<ReadOnlyMemory<byte>> buffers)
    {
        int staged = 0;
        try
        {
            for (int i = 0; i < buffers.Length; i++)
            {
                ReadOnlySpan<byte> data = buffers[i].Span;
                bool last = i == buffers.Length - 1;
                while (!data.IsEmpty)
                {
                    if (staged == 0 && (last || data.Length >= MaxRecordPlaintext))
                    {
                        // Whole records straight from the caller's memory, no copy; and all of the last buffer when
                        // nothing is staged before it (an HTTP flush: one buffer), which SSL_write cuts into the
                        // same records gathering would have made.
                        int whole = last ? data.Length : data.Length - data.Length % MaxRecordPlaintext;
                        if (!SslWrite(data[..whole]))
                            return false;
                        data = data[whole..];
                        continue;
                    }
                    _staging ??= ArrayPool<byte>.Shared.Rent(MaxRecordPlaintext);
                    int n = Math.Min(data.Length, MaxRecordPlaintext - staged);
                    data[..n].CopyTo(_staging.AsSpan(staged));
                    staged += n;
                    data = data[n..];
                    if (staged == MaxRecordPlaintext)
                    {
                        if (!SslWrite(_staging.AsSpan(0, staged)))
                            return false;
                        staged = 0;
                    }
                }
            }
            return staged == 0 || SslWrite(_staging.AsSpan(0, staged));
        }
        finally
        {
            ReturnStaging();
        }
    }

    private bool SslWrite(ReadOnlySpan<byte> data)
    {
        int n;
        fixed (byte* p = data)
            n = OpenSsl.SSL_write(_ssl.DangerousGetHandle(), p, data.Length); // see Ssl's lifetime in OnClosed
        if (n == data.Length)
            return true;
        Fail(OpenSslError.TakeNet("ERR_SSL_WRITE", "TLS write failed"));
        return false;
    }

    private void ReturnStaging()
    {
        if (_staging is { } staging)
        {
            _staging = null;
            ArrayPool<byte>.Shared.Return(staging);
        }
    }

    /// <summary>
    /// Sends what the write BIO holds, carrying <paramref name="callbacks"/> (the socket's, or
    /// <see cref="s_ownWrite"/>): to the kernel at once when it can (<see cref="TakeCipher"/>), and what it did not take
    /// as one queued handle write. A socket write always reaches the handle, even empty, so it completes from the
    /// loop, in order, as any write. Returns 0 or the handle's refusal.
    /// </summary>
    private int EncOut(object? callbacks)
    {
        int pending = (int)OpenSsl.BIO_ctrl_pending(_ssl.WriteBio);
        if (pending == 0 && callbacks == s_ownWrite)
            return 0;
        StreamHandle? handle = _socket.Handle;
        if (handle is null || handle.IsClosing)
            return UvError.EPIPE;
        int sent = 0;
        byte[]? cipher = pending > 0 ? TakeCipher(handle, pending, out sent) : null;
        if (sent == pending && callbacks == s_ownWrite)
        {
            _cipherHanded += pending;
            return 0;
        }
        var request = WriteRequest.Rent();
        request.Data = callbacks;
        ReadOnlyMemory<byte> memory = cipher is null ? ReadOnlyMemory<byte>.Empty : cipher.AsMemory(0, pending - sent);
        int status = handle.Write(request, new ReadOnlySpan<ReadOnlyMemory<byte>>(in memory), s_onCipherWritten);
        if (status < 0)
        {
            request.Data = null;
            _cipherHanded += sent;
            if (cipher is not null)
                ArrayPool<byte>.Shared.Return(cipher);
            if (callbacks == s_ownWrite)
                Fail(new NetException(status, "write"));
            return status;
        }
        _inFlight.Enqueue(cipher);
        _cipherHanded += pending;
        _socket.OnTransformQueued(); // records are larger than their plaintext, and some are our own: Drain may be owed
        return 0;
    }

    /// <summary>
    /// Takes the <paramref name="pending"/> bytes out of the write BIO. Up to <see cref="CipherScratchSize"/>, into the
    /// loop thread's scratch array and offered to the kernel at once, as the handle would: a keep-alive response
    /// leaves with no array rented and held until its write callback (the shared pool keeps 32 arrays per size and
    /// CPU, fewer than the writes of one busy turn under wrk's 64 connections, and each miss allocated). Returns
    /// what the kernel did not take (writes queued before it, the socket full, a failure the queued write meets) in a
    /// rented array, or null when it took everything.
    /// </summary>
    private byte[]? TakeCipher(StreamHandle handle, int pending, out int sent)
    {
        sent = 0;
        byte[] cipher;
        if (pending <= CipherScratchSize)
        {
            byte[] scratch = t_cipherScratch ??= GC.AllocateUninitializedArray<byte>(CipherScratchSize);
            fixed (byte* p = scratch)
                OpenSsl.BIO_read(_ssl.WriteBio, p, pending);
            sent = Math.Max(handle.TryWrite(scratch.AsSpan(0, pending)), 0);
            if (sent == pending)
                return null;
            cipher = ArrayPool<byte>.Shared.Rent(pending - sent);
            scratch.AsSpan(sent, pending - sent).CopyTo(cipher);
            return cipher;
        }
        cipher = ArrayPool<byte>.Shared.Rent(pending);
        fixed (byte* p = cipher)
            OpenSsl.BIO_read(_ssl.WriteBio, p, pending);
        return cipher;
    }

    private void OnCipherWritten(int status, object? callbacks)
    {
        if (_inFlight.Dequeue() is { } cipher)
            ArrayPool<byte>.Shared.Return(cipher);
        if (callbacks == s_fileChunk)
            OnFileChunkWritten(status);
        else if (callbacks != s_ownWrite)
            _socket.CompleteWrite(status, callbacks);
        else if (status < 0 && status != UvError.ECANCELED)
            Fail(new NetException(status, "write"));
        else
            _socket.OnTransformWritten(); // the last bytes queued may have been ours: the Drain owed is due then
    }

    /// <summary>
    /// Sends the held writes in order once nothing is ahead of them: after the handshake, or after a file. A file
    /// among them starts, and the writes behind it wait for its end.
    /// </summary>
    private void FlushParkedWrites()
    {
        EncOut(s_ownWrite); // the handshake's last flight (and TLS 1.3 tickets) first
        while (_parked is { Count: > 0 } parked && _file is null && !_socket.Destroyed && _state != TlsState.Closed)
        {
            HeldWrite write = parked.Dequeue();
            _parkedBytes -= write.Count;
            if (write.File is { } file)
            {
                StartFile(file, write.Offset, write.Count, write.Callbacks);
                continue;
            }
            int status = ClearIn(write.Buffers) ? EncOut(write.Callbacks) : UvError.ECONNABORTED;
            if (status < 0)
                _socket.CompleteWrite(status, write.Callbacks);
        }
        if (_shutdownWanted && !MustHold && !_socket.Destroyed)
            Shutdown();
    }

    /// <summary>The socket closed with writes held: they complete as cancelled, in order.</summary>
    private void FailParkedWrites()
    {
        if (_parked is not { } parked)
            return;
        _parked = null;
        _parkedBytes = 0;
        foreach (HeldWrite write in parked)
            _socket.CompleteWrite(UvError.ECANCELED, write.Callbacks);
    }

    /// <summary>A write held back: buffers, or a file range.</summary>
    private readonly record struct HeldWrite(ReadOnlyMemory<byte>[] Buffers, SafeFileHandle? File, long Offset, long Count, object? Callbacks);
}

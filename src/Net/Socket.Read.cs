namespace Uvnet.Net;

public sealed partial class Socket
{
    private static readonly ReadCallback s_onRead = static (stream, nread, buffer) =>
    {
        var socket = (Socket)stream.Owner!;
        if (socket._preamble is { } preamble)
            preamble.OnRead(socket, nread, buffer);
        else
            socket.PassRead(nread, buffer);
    };

    /// <summary>A read from the handle, through the transform when there is one.</summary>
    private void PassRead(int nread, Memory<byte> buffer)
    {
        if (_transform is { } transform)
            transform.OnRead(nread, buffer);
        else
            DeliverRead(nread, buffer);
    }

    /// <summary>Whether reading is paused by <see cref="Pause"/> (or <see cref="ServerOptions.PauseOnConnect"/>).</summary>
    public bool IsPaused => _paused;

    /// <summary>Stops reading: no <see cref="Data"/> until <see cref="Resume"/>. The kernel buffers, then the peer is throttled by TCP.</summary>
    public void Pause()
    {
        Loop.VerifyAccess();
        _paused = true;
        _handle?.ReadStop();
    }

    /// <summary>
    /// Restarts reading after <see cref="Pause"/>. As Node's <c>resume</c>, the socket flows from then on: bytes that
    /// no <see cref="Data"/> handler or <see cref="ReadAsync(Memory{byte})"/> takes are dropped, not kept, so the peer's end is seen.
    /// </summary>
    public void Resume()
    {
        Loop.VerifyAccess();
        _paused = false;
        OnConsumerAdded(); // flowing, and what was kept goes out first
        StartReading();
    }

    private void StartReading()
    {
        if (_paused || _readerPaused || _connecting || _destroyed || _readableEnded || _handle is not { IsReading: false } handle)
            return;
        int status = handle.ReadStart(s_onAlloc, s_onRead);
        if (status < 0)
            Fail(new NetException(status, "read"));
    }

    /// <summary>
    /// A read as the handle's read callback has it (bytes, 0, ENOBUFS, EOF or an error): from the handle, or from the
    /// <see cref="SocketTransform"/> over it, which hands on what it decoded.
    /// </summary>
    internal void DeliverRead(int nread, Memory<byte> buffer)
    {
        if (nread > 0)
        {
            BytesRead += nread;
            RestartTimer();
            ReadOnlySpan<byte> data = buffer.Span[..nread];
            if (HoldsReads)
                Keep(data);
            else
                Emit(data, _readingIntoPending);
            return;
        }
        if (nread == 0)
            return;
        if (nread == UvError.ENOBUFS)
        {
            OnReadable(); // OnAlloc gave a zero-byte read's empty buffer
            return;
        }
        if (nread != UvError.EOF)
        {
            Fail(new NetException(nread, "read"));
            return;
        }
        _readableEnded = true;
        if (HoldsReads && _keptEnd > _keptStart)
            _endHeld = true; // raised once the kept bytes are taken: Ended never comes before the data
        else
            OnPeerEnded();
    }

    /// <summary>
    /// Raises <see cref="Data"/> and <see cref="Text"/> for <paramref name="data"/>, then hands it to the async
    /// reader (already in its buffer when <paramref name="inPendingRead"/>, else kept for it).
    /// </summary>
    private void Emit(ReadOnlySpan<byte> data, bool inPendingRead)
    {
        try
        {
            string? text = DecodeText(data); // inside: an Encoding that throws on bad bytes must not take them from an async reader
            _data?.Invoke(this, data);
            RaiseText(text);
        }
        finally
        {
            // A Data handler that threw must not take the bytes from an async reader.
            if (inPendingRead)
                CompletePendingRead(data.Length);
            else if (_asyncReading)
                Keep(data);
        }
    }

    private void OnPeerEnded()
    {
        try
        {
            try
            {
                RaiseHeldText();
            }
            finally
            {
                // Even when a Text handler threw: Ended is an event of its own (a half-open socket's handler ends our side).
                Ended?.Invoke(this);
            }
        }
        finally
        {
            // Even when an Ended handler threw: a socket left open after both sides ended would never close.
            AfterPeerEnded();
        }
    }

    private void AfterPeerEnded()
    {
        CompletePendingRead(0);
        if (_destroyed)
            return;
        if (_finished)
            Destroy();
        else if (!_options.AllowHalfOpen)
            End(); // Node: without allowHalfOpen, our side ends once queued writes are flushed
    }
}

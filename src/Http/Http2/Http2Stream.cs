using System.Buffers;
using Uvnet.Http.Server;

namespace Uvnet.Http.Http2;

/// <summary>
/// One request/response exchange of an <see cref="Http2Connection"/> (RFC 9113 §5.1): open until each side has
/// sent END_STREAM (half closed when one has), or reset. It carries the request and response pair the handler
/// sees, the two flow-control windows, and the response's DATA that waits for window.
/// </summary>
internal sealed class Http2Stream
{
    private byte[]? _pending;
    private int _pendingStart;
    private int _pendingEnd;

    internal Http2Stream(Http2Connection owner) => Owner = owner;

    internal Http2Connection Owner { get; }

    internal int Id { get; private set; }

    /// <summary>The client sent END_STREAM (half closed, remote).</summary>
    internal bool RemoteClosed { get; set; }

    /// <summary>END_STREAM has been written (half closed, local).</summary>
    internal bool LocalClosed { get; set; }

    /// <summary>RST_STREAM was sent or received: closed, nothing more goes out.</summary>
    internal bool Reset { get; set; }

    /// <summary>What the peer lets this stream send (may go negative when its initial window shrinks, §6.9.2).</summary>
    internal Http2FlowWindow SendWindow;

    /// <summary>What this stream may still receive, and the bytes read (or held within bounds) that WINDOW_UPDATE has not given back yet.</summary>
    internal Http2FlowWindow ReceiveWindow;

    /// <summary>Bytes received but not given back because nobody reads the body yet (given back on the first read).</summary>
    internal int Withheld { get; set; }

    /// <summary>The request's Content-Length, or -1; and the DATA received so far (§8.1.1: they must agree).</summary>
    internal long ContentLength { get; set; }

    internal long Received { get; set; }

    internal IncomingMessage Request { get; set; } = null!;

    internal ServerResponse Response { get; set; } = null!;

    /// <summary>The response's End was called: END_STREAM (or the trailers) follow the DATA still pending.</summary>
    internal bool EndQueued { get; set; }

    /// <summary>The response's head went out (its HEADERS frame).</summary>
    internal bool HeadersSent { get; set; }

    /// <summary>END_STREAM was written while the stream's handler ran: the connection finishes it once the handler returned.</summary>
    internal bool EndedInDispatch { get; set; }

    /// <summary>In the connection's list of streams waiting for the connection's window.</summary>
    internal bool Blocked { get; set; }

    /// <summary>The response's Write returned false: Drain is owed once its pending DATA drains.</summary>
    internal bool NeedsDrain { get; set; }

    /// <summary>
    /// Where the flags of the stream's last frame are in the connection's output, and in which of its buffers (an
    /// END_STREAM can be set on it in place while it is still there), or -1.
    /// </summary>
    internal int FlagsAt { get; set; } = -1;

    internal long FlagsBuffer { get; set; }

    /// <summary>The stream-level API's view of this stream (the server has a Stream handler), or null.</summary>
    internal ServerHttp2Stream? Api { get; set; }

    /// <summary>The code of the RST_STREAM that closed the stream (sent or received).</summary>
    internal Http2ErrorCode ResetCode { get; set; }

    /// <summary>The stream-level reader paused: received DATA is not credited back (no WINDOW_UPDATE) until it resumes.</summary>
    internal bool ReadPaused { get; set; }

    /// <summary>Where the trailers of a response that asked to wait for them stand (Node's <c>waitForTrailers</c>).</summary>
    internal Http2TrailerState Trailers { get; set; }

    /// <summary>Since when (loop time) DATA has waited for a window the peer does not open, or -1.</summary>
    internal long StalledSince { get; set; } = -1;

    /// <summary>Whether the stream counts toward SETTINGS_MAX_CONCURRENT_STREAMS (open or half closed, §5.1.2).</summary>
    internal bool IsActive => !Reset && !(RemoteClosed && LocalClosed);

    internal int PendingLength => _pendingEnd - _pendingStart;

    internal ReadOnlySpan<byte> Pending => _pending.AsSpan(_pendingStart, PendingLength);

    internal void Begin(int id, long sendWindow, int receiveWindow)
    {
        Id = id;
        RemoteClosed = LocalClosed = Reset = EndQueued = HeadersSent = Blocked = NeedsDrain = EndedInDispatch = false;
        SendWindow = new Http2FlowWindow(sendWindow);
        ReceiveWindow = new Http2FlowWindow(receiveWindow);
        Withheld = 0;
        ContentLength = -1;
        Received = 0;
        FlagsAt = -1;
        StalledSince = -1;
        Api = null;
        ResetCode = Http2ErrorCode.NoError;
        ReadPaused = false;
        Trailers = Http2TrailerState.None;
    }

    /// <summary>Keeps response bytes that the windows do not let out yet.</summary>
    internal void Hold(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
            return;
        if (_pending is null || _pending.Length - _pendingEnd < data.Length)
        {
            int length = PendingLength;
            byte[] bigger = _pending is not null && _pending.Length >= length + data.Length
                ? _pending
                : ArrayPool<byte>.Shared.Rent(Math.Max(4096, (length + data.Length) * 2));
            Pending.CopyTo(bigger);
            if (_pending is not null && bigger != _pending)
                ArrayPool<byte>.Shared.Return(_pending);
            _pending = bigger;
            _pendingStart = 0;
            _pendingEnd = length;
        }
        data.CopyTo(_pending.AsSpan(_pendingEnd));
        _pendingEnd += data.Length;
    }

    /// <summary>The first <paramref name="count"/> pending bytes went out.</summary>
    internal void Consume(int count)
    {
        _pendingStart += count;
        if (_pendingStart == _pendingEnd)
            _pendingStart = _pendingEnd = 0;
    }

    /// <summary>Gives the pending buffer back (the stream is done, or reset).</summary>
    internal void ReleasePending()
    {
        if (_pending is not null)
            ArrayPool<byte>.Shared.Return(_pending);
        _pending = null;
        _pendingStart = _pendingEnd = 0;
    }
}

/// <summary>The trailers of a response that waits for them: END_STREAM is held back until they are sent.</summary>
internal enum Http2TrailerState : byte
{
    /// <summary>The response ends with its last DATA (or an empty one).</summary>
    None,

    /// <summary>The response asked to wait for trailers: its end raises WantTrailers instead of END_STREAM.</summary>
    Wanted,

    /// <summary>WantTrailers was raised: the stream stays open until SendTrailers (or Close).</summary>
    Ready,

    /// <summary>SendTrailers was called: they end the stream.</summary>
    Sent,
}

using System.Buffers;
using Uvnet.Http.Server;
using Uvnet.Net;

namespace Uvnet.Http.Http2;

internal sealed partial class Http2Connection
{
    /// <summary>
    /// A scratch the response encodes its field block into (grown as needed, kept for the connection): HPACK needs
    /// the block's length before the frames are written.
    /// </summary>
    internal Span<byte> EncodeScratch(int atLeast)
    {
        if (_encodeScratch.Length < atLeast)
            _encodeScratch = new byte[Math.Max(atLeast, _encodeScratch.Length * 2)];
        return _encodeScratch;
    }

    /// <summary>The response encoder: its dynamic table is the connection's, shared by every stream's blocks in the order sent.</summary>
    internal HpackFieldEncoder FieldEncoder { get; } = new();

    /// <summary>The start of the last response head encoded, copied when the next would encode the same (see <see cref="Http2HeadCache"/>).</summary>
    internal Http2HeadCache HeadCache { get; } = new();

    /// <summary>Whether a frame written for <paramref name="stream"/> now would be sent (neither side ended it by reset or END_STREAM).</summary>
    internal bool CanWrite(Http2Stream stream) => !(stream.Reset || stream.LocalClosed || Socket.Destroyed);

    /// <summary>
    /// A field block (the response's head, an interim 1xx, or trailers) as HEADERS and CONTINUATION frames. The
    /// caller encoded it only when <see cref="CanWrite"/>: it goes out whole.
    /// </summary>
    internal void WriteFieldBlock(Http2Stream stream, ReadOnlySpan<byte> block, bool endStream)
    {
        if (!CanWrite(stream))
            return;
        int maxFrame = (int)_peer.MaxFrameSize;
        Span<byte> destination = Output.GetSpan(Http2FrameWriter.GetHeadersLength(block.Length, maxFrame));
        stream.FlagsAt = Output.Length + 4;
        stream.FlagsBuffer = _writesIssued;
        Output.Advance(Http2FrameWriter.WriteHeaders(destination, stream.Id, block, endStream, maxFrame));
        if (endStream)
            OnEndStreamWritten(stream);
    }

    /// <summary>
    /// Response body bytes: out as DATA frames as far as the stream's and the connection's windows allow, the rest
    /// held by the stream until WINDOW_UPDATE opens them (§6.9). Only this stream waits: the others go on.
    /// </summary>
    internal void WriteData(Http2Stream stream, ReadOnlySpan<byte> data)
    {
        if (stream.Reset || stream.LocalClosed || Socket.Destroyed)
            return;
        if (stream.PendingLength > 0)
        {
            stream.Hold(data);
            return;
        }
        int sent = SendData(stream, data, endStream: false);
        stream.Hold(data[sent..]);
        NoteStall(stream);
    }

    /// <summary>Writes as much of <paramref name="data"/> as the windows allow; returns how much.</summary>
    private int SendData(Http2Stream stream, ReadOnlySpan<byte> data, bool endStream)
    {
        int maxFrame = (int)_peer.MaxFrameSize;
        int sent = 0;
        while (sent < data.Length)
        {
            long window = Math.Min(stream.SendWindow.Size, _sendWindow.Size);
            if (window <= 0)
            {
                if (_sendWindow.Size <= 0 && stream.SendWindow.Size > 0 && !stream.Blocked)
                {
                    stream.Blocked = true;
                    _blocked.Add(stream);
                }
                break;
            }
            int length = (int)Math.Min(Math.Min(window, maxFrame), data.Length - sent);
            bool last = endStream && sent + length == data.Length;
            Span<byte> destination = Output.GetSpan(Http2FrameHeader.Size + length);
            stream.FlagsAt = Output.Length + 4;
            stream.FlagsBuffer = _writesIssued;
            Output.Advance(Http2FrameWriter.WriteData(destination, stream.Id, data.Slice(sent, length), last));
            stream.SendWindow.Consume(length);
            _sendWindow.Consume(length);
            sent += length;
        }
        return sent;
    }

    /// <summary>The response ended: END_STREAM once its pending DATA is out (on the last DATA frame, or the trailers).</summary>
    internal void EndResponse(Http2Stream stream)
    {
        stream.EndQueued = true;
        if (stream.PendingLength == 0)
            WriteEnd(stream);
        if (!_inRead)
            Flush();
    }

    internal void WriteEnd(Http2Stream stream)
    {
        if (stream.Reset || stream.LocalClosed || Socket.Destroyed)
            return;
        if (stream.Trailers is Http2TrailerState.Wanted or Http2TrailerState.Ready)
        {
            // Node's waitForTrailers: the last DATA went without END_STREAM; the trailers (SendTrailers) will end it.
            if (stream.Trailers == Http2TrailerState.Wanted)
            {
                stream.Trailers = Http2TrailerState.Ready;
                stream.Api?.RaiseWantTrailers();
            }
            return;
        }
        if (stream.Response.TrailerFields is { Count: > 0 } trailers)
        {
            stream.Response.WriteHttp2Fields(trailers, status: 0, endStream: true);
            return;
        }
        // END_STREAM on the stream's last frame when it is still in the output (no extra frame), else an empty DATA.
        if (stream.FlagsAt >= 0 && stream.FlagsBuffer == _writesIssued && stream.FlagsAt < Output.Length)
        {
            Output.Written[stream.FlagsAt] |= (byte)Http2FrameFlags.EndStream;
        }
        else
        {
            Output.Advance(Http2FrameWriter.WriteData(Output.GetSpan(Http2FrameHeader.Size), stream.Id, default, endStream: true));
        }
        OnEndStreamWritten(stream);
    }

    /// <summary>END_STREAM is in the output: the response finishes with the write that carries it.</summary>
    private void OnEndStreamWritten(Http2Stream stream)
    {
        stream.LocalClosed = true;
        stream.StalledSince = -1;
        stream.Response.FinishWrite = _writesIssued + 1;
        if (stream == _dispatching)
            stream.EndedInDispatch = true; // Start decides once the handler returned (see FinishDispatched)
        else
            _finishing.Enqueue(stream);
        if (!stream.RemoteClosed)
        {
            IncomingMessage request = stream.Request;
            if (!request.IsConsumed)
            {
                // The response is whole and nobody reads the body: the client is told to stop sending it (§8.1,
                // RST_STREAM NO_ERROR), and it is dropped as HTTP/1.1 drops an unread body.
                request.StartDumping();
                WriteReset(stream.Id, Http2ErrorCode.NoError);
                stream.RemoteClosed = true;
                request.Abort(new NetException("ECONNRESET", "aborted"));
            }
        }
        Forget(stream);
    }

    /// <summary>
    /// A stream whose response ended inside its handler's call, once the handler returned: as HTTP/1.1 does, a
    /// response nobody can tell the finish of (no handler, callback or task; its handler let go) is done now, and the
    /// pair and the stream go back to their pools at once, so that the streams of one read take turns with one pair
    /// (warm in the cache) rather than each holding its own until the write completes. Any other waits for its write,
    /// as does a stream still open (a request body still coming to a reader): its pair stays its own until then.
    /// </summary>
    private void FinishDispatched(Http2Stream stream)
    {
        stream.EndedInDispatch = false;
        ServerResponse response = stream.Response;
        if (response.Observed || stream.Api is not null || Socket.Destroyed || _streams.ContainsKey(stream.Id))
        {
            _finishing.Enqueue(stream);
            return;
        }
        response.FinishUnobserved();
        HttpConnection.FinishRequest(response.AnsweredRequest);
        _owner.RetireHttp2(response);
        _freeStreams.Push(stream);
    }

    /// <summary>Sends what a stream holds as far as its windows now allow; Drain when its buffer emptied enough.</summary>
    private void Pump(Http2Stream stream)
    {
        if (stream.PendingLength > 0 && !stream.Reset && !stream.LocalClosed)
        {
            int sent = SendData(stream, stream.Pending, endStream: false);
            stream.Consume(sent);
            NoteStall(stream);
        }
        if (stream.PendingLength == 0 && stream.EndQueued && !stream.LocalClosed)
            WriteEnd(stream);
        if (stream.NeedsDrain && !IsBackedUp(stream))
        {
            stream.NeedsDrain = false;
            stream.Response.RaiseDrain();
        }
    }

    private void NoteStall(Http2Stream stream)
    {
        if (stream.PendingLength == 0)
            stream.StalledSince = -1;
        else if (stream.StalledSince < 0)
            stream.StalledSince = Server.Loop.Now;
    }

    /// <summary>The connection's window opened: the streams that waited for it go on, in the order they began waiting.</summary>
    private void PumpBlocked()
    {
        while (_blocked.Count > 0 && _sendWindow.Size > 0)
        {
            Http2Stream stream = _blocked[0];
            _blocked.RemoveAt(0);
            stream.Blocked = false;
            Pump(stream);
        }
    }

    private void PumpAll()
    {
        foreach (Http2Stream stream in _streams.Values)
        {
            if (stream.PendingLength > 0)
                Pump(stream);
        }
    }

    /// <summary>Whether a response on <paramref name="stream"/> must wait before writing more (its Write returns false).</summary>
    internal bool IsBackedUp(Http2Stream stream) =>
        stream.PendingLength >= StreamHighWaterMark || Socket.WritableLength + Output.Length >= Socket.WritableHighWaterMark;

    /// <summary>A response produced bytes outside a read: they leave now.</summary>
    internal void OnResponseOutput()
    {
        if (!_inRead)
            Flush();
    }

    /// <summary>Resets a stream from our side (a failed handler after its head, a destroyed request).</summary>
    internal void ResetStream(Http2Stream stream, Http2ErrorCode code)
    {
        if (stream.Reset || Socket.Destroyed || !_streams.ContainsKey(stream.Id))
            return;
        StreamError(stream.Id, code);
        if (!_inRead)
            Flush();
    }

    /// <summary>
    /// A stream is closed by a reset (either side): its response will never finish (Close without Finish, its
    /// waiting callbacks fail) and its request, unless read to its end, is aborted.
    /// </summary>
    private void Close(Http2Stream stream, bool reset)
    {
        if (reset)
        {
            stream.Reset = true;
            stream.ReleasePending();
            stream.StalledSince = -1;
            if (stream.Blocked)
            {
                _blocked.Remove(stream);
                stream.Blocked = false;
            }
            ServerResponse response = stream.Response;
            IncomingMessage request = stream.Request;
            if (!stream.LocalClosed)
            {
                stream.LocalClosed = true;
                _streams.Remove(stream.Id);
                RememberClosed(stream.Id);
                response.RaiseClose();
                request.OnConnectionClosed();
                _owner.RetireHttp2(response);
                OnStreamGone();
                return;
            }
            if (!request.BodyDone)
                request.OnConnectionClosed();
        }
        Forget(stream);
    }

    /// <summary>Leaves the table once both sides closed (the response may still wait for its write to finish).</summary>
    private void Forget(Http2Stream stream)
    {
        if (!(stream.RemoteClosed || stream.Reset) || !stream.LocalClosed || !_streams.Remove(stream.Id))
            return;
        RememberClosed(stream.Id);
        stream.ReleasePending();
        OnStreamGone();
    }

    private void OnStreamGone()
    {
        if (_streams.Count == 0)
            IdleSince = Server.Loop.Now;
    }

    /// <summary>The client's side of the stream closed (END_STREAM): the stream may be done.</summary>
    private void AfterRemoteClosed(Http2Stream stream) => Forget(stream);

    /// <summary>Hands the output to the socket in one write.</summary>
    internal void Flush()
    {
        if (Output.IsEmpty || Socket.Destroyed)
            return;
        if (Socket.WritableEnded)
        {
            Output.Release();
            return;
        }
        ArraySegment<byte> bytes = Output.Detach();
        _writesIssued++;
        Server.WritesIssued++;
        Socket.WriteHeldBack(bytes.AsMemory(), this); // OnWriteDone follows
        _arraysInFlight.Handed(Socket, bytes.Array!, _writesIssued);
    }

    /// <summary>A flush reached the kernel (or failed): streams whose last bytes it carried finish.</summary>
    internal override void OnWriteDone(NetException? error)
    {
        _writesCompleted++;
        _arraysInFlight.Completed(_writesCompleted);
        if (error is not null)
            return; // the socket is destroyed: its close fails what waits
        while (_finishing.TryPeek(out Http2Stream? stream) && stream.Response.FinishWrite <= _writesCompleted && !Socket.Destroyed)
        {
            _finishing.Dequeue();
            ServerResponse response = stream.Response;
            response.RaiseFinish();
            HttpConnection.FinishRequest(response.AnsweredRequest);
            response.RaiseClose();
            _owner.RetireHttp2(response);
            if (!_streams.TryGetValue(stream.Id, out Http2Stream? current) || current != stream)
                _freeStreams.Push(stream);
        }
        if (_writeCallbacksWaiting)
        {
            // Cleared first: a callback that writes with a callback of its own sets it again.
            _writeCallbacksWaiting = false;
            foreach (Http2Stream stream in _streams.Values)
            {
                stream.Response.CompleteWriteCallbacks(_writesCompleted);
                _writeCallbacksWaiting |= stream.Response.HasWriteCallbacks;
            }
        }
        FinishIfGoingAway();
    }

    /// <summary>
    /// A response on this connection waits for a write with a callback: completed writes look for such callbacks only
    /// then, not through every open stream on every write.
    /// </summary>
    internal void NoteWriteCallback() => _writeCallbacksWaiting = true;

    /// <summary>The socket drained: responses told to wait may write again.</summary>
    internal void OnDrain()
    {
        if (_inputHeld)
            OnData(default);
        foreach (Http2Stream stream in _streams.Values)
        {
            if (stream.NeedsDrain && !IsBackedUp(stream))
            {
                stream.NeedsDrain = false;
                stream.Response.RaiseDrain();
            }
        }
    }

    /// <summary>The client ended its side: no more frames come; the streams in flight are finished, then ours ends.</summary>
    internal void OnPeerEnded()
    {
        _peerGoingAway = true;
        foreach (Http2Stream stream in _streams.Values)
        {
            if (!stream.RemoteClosed)
            {
                stream.RemoteClosed = true;
                stream.Request.OnConnectionClosed(); // its body was cut short
            }
        }
        FinishIfGoingAway();
    }

    /// <summary>The socket closed: every stream not finished hears Close (its request is aborted); buffers go back.</summary>
    internal void OnClosed()
    {
        _closing = true;
        CancelPings();
        foreach (Http2Stream stream in _streams.Values.ToArray())
        {
            stream.ReleasePending();
            if (!stream.LocalClosed)
            {
                stream.Response.RaiseClose();
                stream.Request.OnConnectionClosed();
            }
        }
        foreach (Http2Stream stream in _finishing)
        {
            stream.Response.RaiseClose();
            stream.Request.OnConnectionClosed();
        }
        _finishing.Clear();
        _streams.Clear();
        Output.Release();
        if (_input is not null)
            ArrayPool<byte>.Shared.Return(_input);
        _input = null;
        _inputLength = 0;
    }
}

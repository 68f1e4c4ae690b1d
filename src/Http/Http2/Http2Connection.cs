using System.Buffers;
using Uvnet.Http.Parsing;
using Uvnet.Http.Server;
using Uvnet.Net;

namespace Uvnet.Http.Http2;

/// <summary>
/// The server side of one HTTP/2 connection (RFC 9113) over a socket whose first bytes were the client preface
/// (h2c with prior knowledge) or whose TLS handshake chose <c>h2</c>: SETTINGS exchange, stream states with their
/// stream and connection errors, flow control both ways, and each request handed to the server's handler as the
/// <see cref="IncomingMessage"/>/<see cref="ServerResponse"/> pair of HTTP/1.1 (HttpVersion "2.0").
/// </summary>
/// <remarks>
/// <para>Everything runs on the loop; there is no lock (one frame writer per connection, used by one thread). What a
/// read produces (SETTINGS ACK, PING ACK, WINDOW_UPDATE, responses ended in the handler) leaves in one write at the
/// end of the read; a response written later leaves at once.</para>
/// <para>Defences: the CONTINUATION flood and field-block bounds (<see cref="Http2FrameSequence"/>), HPACK bombs
/// (<see cref="HpackDecoder"/>'s limits), rapid reset (CVE-2023-44487: more than <see cref="MaxResetsPerWindow"/>
/// streams reset by the client, or refused, in <see cref="FloodWindow"/> ms is GOAWAY ENHANCE_YOUR_CALM), SETTINGS
/// and PING floods (more than <see cref="MaxControlFramesPerWindow"/>, or their acknowledgements piling up unread),
/// zero-window stalls (a response that waits for window longer than the server's send timeout is reset), and
/// stream-id exhaustion (a client that reaches the last odd id is told GOAWAY and served to the end).</para>
/// </remarks>
internal sealed partial class Http2Connection : WriteCompletion
{
    /// <summary>SETTINGS_MAX_CONCURRENT_STREAMS advertised (nginx's and Node's default is 100 and 128).</summary>
    internal const int DefaultMaxConcurrentStreams = 100;

    /// <summary>The window in which floods are counted, in ms.</summary>
    internal const long FloodWindow = 10_000;

    /// <summary>Client resets (and refused streams) tolerated per <see cref="FloodWindow"/>.</summary>
    internal const int MaxResetsPerWindow = 200;

    /// <summary>SETTINGS and PING frames (not ACKs) tolerated per <see cref="FloodWindow"/>.</summary>
    internal const int MaxControlFramesPerWindow = 1000;

    /// <summary>Bytes the client may leave unread before its SETTINGS/PING acknowledgements count as a flood.</summary>
    internal const int MaxUnreadControlBytes = 1 << 20;

    /// <summary>The response bytes a stream buffers before its Write returns false (the socket's high-water mark).</summary>
    internal const int StreamHighWaterMark = 16 * 1024;

    private const int OurMaxFrameSize = Http2FrameHeader.DefaultMaxFrameSize;
    private const int OurInitialWindow = Http2Settings.DefaultInitialWindowSize;
    private const int ConnectionWindow = Http2Settings.DefaultInitialWindowSize;

    private readonly HttpConnection _owner;
    private readonly HpackDecoder _decoder;
    private readonly Dictionary<int, Http2Stream> _streams = [];
    private readonly Stack<Http2Stream> _freeStreams = new();
    private readonly List<Http2Stream> _blocked = [];
    private readonly Queue<Http2Stream> _finishing = new();
    private OutputArraysInFlight _arraysInFlight; // the output arrays handed to the socket whose bytes it has not all taken
    private readonly int[] _recentlyClosed = new int[2 * DefaultMaxConcurrentStreams];
    private readonly int[] _recentlyReset = new int[2 * DefaultMaxConcurrentStreams]; // by us: what follows is ignored
    private readonly byte[] _authorityScratch = new byte[HpackDecoder.DefaultMaxFieldSize];
    private readonly int _maxConcurrentStreams;
    private Http2FrameSequence _sequence = new();
    private Http2Settings _peer = new();
    private byte[]? _input;          // a frame split across reads
    private int _inputLength;
    private byte[]? _block;          // a field block split across HEADERS and CONTINUATION
    private int _blockLength;
    private Http2FrameFlags _blockFlags;
    private bool _blockSelfDependent;
    private byte[] _encodeScratch = new byte[4096];
    private Http2Stream? _dispatching; // the stream whose handler runs now (see OnEndStreamWritten)
    private bool _prefaceDone;
    private bool _inRead;
    private bool _goingAway;         // GOAWAY sent: no new stream
    private bool _peerGoingAway;
    private bool _closing;           // a connection error: nothing more is read
    private bool _inputHeld;         // a new stream's HEADERS waits in _input until responses drain
    private bool _readPaused;
    private bool _writeCallbacksWaiting; // some open stream's response has a write callback (NoteWriteCallback)
    private int _lastStreamId;
    private int _recentlyClosedNext;
    private int _recentlyResetNext;
    private Http2FlowWindow _sendWindow = new(Http2Settings.DefaultInitialWindowSize);
    private Http2FlowWindow _receiveWindow = new(ConnectionWindow);
    private long _writesIssued;
    private long _writesCompleted;
    private long _floodWindowStart;
    private int _resets;
    private int _controlFrames;

    internal Http2Connection(HttpConnection owner)
    {
        _owner = owner;
        _maxConcurrentStreams = owner.Server.Options.Http2MaxConcurrentStreams;
        _decoder = new HpackDecoder();
        _floodWindowStart = owner.Server.Loop.Now;
        WriteServerPreface();
    }

    internal HttpServer Server => _owner.Server;

    internal Socket Socket => _owner.Socket;

    internal OutputBuffer Output { get; } = new();

    /// <summary>Writes handed to the socket so far, and those completed (a response finishes with the write of its END_STREAM).</summary>
    internal long WritesIssued => _writesIssued;

    internal long WritesCompleted => _writesCompleted;

    /// <summary>The write that will carry what is in <see cref="Output"/> now.</summary>
    internal long NextWrite => Output.IsEmpty ? _writesIssued : _writesIssued + 1;

    /// <summary>
    /// Whether no stream is active and nothing is being written (the keep-alive timeout and CloseIdleConnections apply).
    /// The output counts: responses finished in a read (see FinishDispatched) wait there for the write at its end.
    /// </summary>
    internal bool IsIdle => _streams.Count == 0 && _finishing.Count == 0 && Output.IsEmpty && Socket.WritableLength == 0;

    /// <summary>Since when (loop time) no stream has been active.</summary>
    internal long IdleSince { get; private set; }

    /// <summary>The server preface (§3.4): our SETTINGS, first of all.</summary>
    private void WriteServerPreface()
    {
        ReadOnlySpan<(Http2SettingId, uint)> settings =
        [
            (Http2SettingId.MaxConcurrentStreams, (uint)_maxConcurrentStreams),
            (Http2SettingId.MaxHeaderListSize, (uint)_decoder.MaxHeaderListSize),
            (Http2SettingId.EnablePush, 0),
        ];
        Output.Advance(Http2FrameWriter.WriteSettings(Output.GetSpan(Http2FrameWriter.GetSettingsLength(settings.Length)), settings));
        IdleSince = Server.Loop.Now;
    }

    /// <summary>Bytes read from the socket (TLS already removed).</summary>
    internal void OnData(ReadOnlySpan<byte> data)
    {
        if (_closing || Socket.Destroyed)
            return;
        Consume(data);
        // New streams held back while responses backed up go on as far as the socket took those (see Process).
        while (_inputHeld && !OutputBackedUp && !_closing && !Socket.Destroyed)
        {
            _inputHeld = false;
            Consume(default);
        }
        if (_inputHeld != _readPaused && !Socket.Destroyed)
        {
            _readPaused = _inputHeld;
            if (_readPaused)
                Socket.Pause();
            else
                Socket.Resume();
        }
        FinishIfGoingAway();
    }

    /// <summary>Whether the responses not yet taken by the kernel reach the socket's high-water mark: no new stream is read then.</summary>
    private bool OutputBackedUp => Socket.WritableLength + Output.Length >= Socket.WritableHighWaterMark;

    /// <summary>Processes <paramref name="data"/> after what is held, keeps what is left, and writes what it produced.</summary>
    private void Consume(ReadOnlySpan<byte> data)
    {
        _inRead = true;
        try
        {
            if (_inputLength == 0)
            {
                int consumed = Process(data);
                Keep(data[consumed..]);
            }
            else
            {
                Keep(data);
                int consumed = Process(_input.AsSpan(0, _inputLength));
                _input.AsSpan(consumed, _inputLength - consumed).CopyTo(_input);
                _inputLength -= consumed;
                if (_inputLength == 0)
                {
                    ArrayPool<byte>.Shared.Return(_input!);
                    _input = null;
                }
            }
        }
        finally
        {
            _inRead = false;
        }
        Flush();
    }

    private void Keep(ReadOnlySpan<byte> rest)
    {
        if (rest.IsEmpty || _closing)
            return;
        if (_input is null || _input.Length - _inputLength < rest.Length)
        {
            byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(Http2FrameHeader.Size + OurMaxFrameSize, _inputLength + rest.Length));
            _input.AsSpan(0, _inputLength).CopyTo(bigger);
            if (_input is not null)
                ArrayPool<byte>.Shared.Return(_input);
            _input = bigger;
        }
        rest.CopyTo(_input.AsSpan(_inputLength));
        _inputLength += rest.Length;
    }

    /// <summary>Handles every whole frame at the start of <paramref name="data"/>; returns the bytes used.</summary>
    private int Process(ReadOnlySpan<byte> data)
    {
        int used = 0;
        if (!_prefaceDone)
        {
            switch (Http2Preface.Check(data))
            {
                case Http2PrefaceMatch.Incomplete:
                    return 0;
                case Http2PrefaceMatch.Mismatch:
                    ConnectionError(Http2ErrorCode.ProtocolError);
                    return data.Length;
            }
            _prefaceDone = true;
            used = Http2Preface.Bytes.Length;
        }
        while (!_closing && !Socket.Destroyed && Http2FrameHeader.TryRead(data[used..], out Http2FrameHeader header))
        {
            // Every oversized frame is a connection error here (§4.2 allows it for all): no buffer waits for it.
            if (Http2FrameParser.CheckFrameSize(header, OurMaxFrameSize).IsError)
            {
                ConnectionError(Http2ErrorCode.FrameSizeError);
                return data.Length;
            }
            if (data.Length - used - Http2FrameHeader.Size < header.Length)
                break;
            if (header.Type == Http2FrameType.Headers && header.StreamId > _lastStreamId && OutputBackedUp)
            {
                // A client that sends requests without reading their responses (each finishes at once, so the
                // concurrency limit never binds) would have them queued without bound: as HTTP/1.1 stops parsing
                // pipelined requests, the next stream waits, and reading stops, until the socket drains.
                _inputHeld = true;
                break;
            }
            ReadOnlySpan<byte> payload = data.Slice(used + Http2FrameHeader.Size, header.Length);
            used += Http2FrameHeader.Size + header.Length;
            Http2Error error = _sequence.OnFrame(header);
            if (!error.IsError)
                error = OnFrame(header, payload);
            if (error.IsError)
            {
                if (error.IsConnectionError)
                {
                    ConnectionError(error.Code);
                    return data.Length;
                }
                StreamError(header.StreamId, error.Code);
            }
        }
        return _closing ? data.Length : used;
    }

    private Http2Error OnFrame(in Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        Http2Error error;
        switch (header.Type)
        {
            case Http2FrameType.Data:
                error = Http2FrameParser.ParseData(header, payload, out ReadOnlySpan<byte> data);
                return error.IsError ? error : OnDataFrame(header, data);
            case Http2FrameType.Headers:
                error = Http2FrameParser.ParseHeaders(header, payload, out Http2HeadersPayload headers);
                if (error.IsError && error.IsConnectionError)
                    return error;
                return OnHeadersFrame(header, headers.Fragment, selfDependent: error.IsError);
            case Http2FrameType.Continuation:
                error = Http2FrameParser.ParseContinuation(header, payload, out ReadOnlySpan<byte> fragment);
                return error.IsError ? error : OnContinuation(header, fragment);
            case Http2FrameType.Priority:
                return Http2FrameParser.ParsePriority(header, payload); // accepted, then ignored (RFC 9113 §5.3.2)
            case Http2FrameType.RstStream:
                error = Http2FrameParser.ParseRstStream(header, payload, out Http2ErrorCode resetCode);
                return error.IsError ? error : OnRstStream(header.StreamId, resetCode);
            case Http2FrameType.Settings:
                error = Http2FrameParser.ParseSettings(header, payload);
                return error.IsError ? error : OnSettings(header, payload);
            case Http2FrameType.PushPromise:
                return Http2FrameParser.ParsePushPromise(header);
            case Http2FrameType.Ping:
                error = Http2FrameParser.ParsePing(header, payload, out ReadOnlySpan<byte> opaque);
                if (!error.IsError && header.Has(Http2FrameFlags.Ack))
                    OnPingAck(opaque);
                if (error.IsError || header.Has(Http2FrameFlags.Ack))
                    return error;
                if (!CountControlFrame())
                    return Http2Error.Connection(Http2ErrorCode.EnhanceYourCalm);
                Output.Advance(Http2FrameWriter.WritePingAck(Output.GetSpan(Http2FrameHeader.Size + 8), opaque));
                return Http2Error.None;
            case Http2FrameType.GoAway:
                error = Http2FrameParser.ParseGoAway(header, payload, out _, out _, out _);
                if (!error.IsError)
                    _peerGoingAway = true; // the client opens no more streams: the connection ends once its streams are done
                return error;
            case Http2FrameType.WindowUpdate:
                error = Http2FrameParser.ParseWindowUpdate(header, payload, out int increment);
                return error.IsError ? error : OnWindowUpdate(header.StreamId, increment);
            default:
                return Http2Error.None; // §5.5: unknown frame types are ignored
        }
    }

    /// <summary>
    /// A stream id the client has not opened yet is idle; one it opened and that is no longer in the table is
    /// closed. Even ids would be ours (pushed), and we push nothing: idle as well.
    /// </summary>
    private bool IsIdleStream(int id) => id > _lastStreamId || (id & 1) == 0;

    private Http2Error OnDataFrame(in Http2FrameHeader header, ReadOnlySpan<byte> data)
    {
        // The whole frame, padding included, counts against both windows (§6.9.1), whatever the stream's state.
        if (!_receiveWindow.TryReceive(header.Length))
            return Http2Error.Connection(Http2ErrorCode.FlowControlError);
        if (IsIdleStream(header.StreamId))
            return Http2Error.Connection(Http2ErrorCode.ProtocolError); // §5.1: DATA on an idle stream
        CreditConnection(header.Length - data.Length); // the padding: nobody reads it
        if (!_streams.TryGetValue(header.StreamId, out Http2Stream? stream) || stream.RemoteClosed || stream.Reset)
        {
            CreditConnection(data.Length); // dropped: the connection's window is given back at once
            // §5.1: frames in flight when we reset the stream are ignored; otherwise closed, or half closed (remote).
            return WasResetByUs(header.StreamId) ? Http2Error.None : Http2Error.Stream(Http2ErrorCode.StreamClosed);
        }
        if (!stream.ReceiveWindow.TryReceive(header.Length))
        {
            CreditConnection(data.Length);
            return Http2Error.Stream(Http2ErrorCode.FlowControlError);
        }
        stream.ReceiveWindow.Release(header.Length - data.Length);
        stream.Received += data.Length;
        bool end = header.Has(Http2FrameFlags.EndStream);
        if (stream.ContentLength >= 0 && (stream.Received > stream.ContentLength || (end && stream.Received != stream.ContentLength)))
        {
            CreditConnection(data.Length);
            return Http2Error.Stream(Http2ErrorCode.ProtocolError); // §8.1.1: malformed
        }
        IncomingMessage request = stream.Request;
        if (!data.IsEmpty)
        {
            request.OnBody(data);
            CreditConnection(data.Length);
            // The stream's window is given back only for bytes read or held within bounds: an unread body stops the
            // client at its window, not at the server's memory.
            if (request.HoldsTooMuch || stream.ReadPaused)
                stream.Withheld += data.Length;
            else
                stream.ReceiveWindow.Release(data.Length);
        }
        if (end)
        {
            stream.RemoteClosed = true;
            request.OnComplete();
            AfterRemoteClosed(stream);
        }
        else
        {
            CreditStream(stream);
        }
        return Http2Error.None;
    }

    /// <summary>Gives the connection's window back by WINDOW_UPDATE once half of it is used (fewer frames than one per DATA).</summary>
    private void CreditConnection(int count)
    {
        _receiveWindow.Release(count);
        int increment = _receiveWindow.TakeUpdate();
        if (increment > 0)
            WriteWindowUpdate(0, increment);
    }

    private void CreditStream(Http2Stream stream)
    {
        if (stream.RemoteClosed || stream.Reset)
            return;
        int increment = stream.ReceiveWindow.TakeUpdate();
        if (increment > 0)
            WriteWindowUpdate(stream.Id, increment);
    }

    /// <summary>A reader came for a body whose bytes were withheld from the window: the client may send on.</summary>
    internal void ResumeBody(Http2Stream stream)
    {
        if (stream.Withheld == 0)
            return;
        stream.ReceiveWindow.Release(stream.Withheld);
        stream.Withheld = 0;
        CreditStream(stream);
        if (!_inRead)
            Flush();
    }

    private void WriteWindowUpdate(int streamId, int increment) =>
        Output.Advance(Http2FrameWriter.WriteWindowUpdate(Output.GetSpan(Http2FrameHeader.Size + 4), streamId, increment));

    private Http2Error OnHeadersFrame(in Http2FrameHeader header, ReadOnlySpan<byte> fragment, bool selfDependent)
    {
        if (header.Has(Http2FrameFlags.EndHeaders))
            return OnFieldBlock(header.StreamId, header.Flags, fragment, selfDependent);
        _blockLength = 0;
        _blockFlags = header.Flags;
        _blockSelfDependent = selfDependent;
        AppendBlock(fragment);
        return Http2Error.None;
    }

    private Http2Error OnContinuation(in Http2FrameHeader header, ReadOnlySpan<byte> fragment)
    {
        AppendBlock(fragment);
        if (!header.Has(Http2FrameFlags.EndHeaders))
            return Http2Error.None;
        Http2Error error = OnFieldBlock(header.StreamId, _blockFlags, _block.AsSpan(0, _blockLength), _blockSelfDependent);
        _blockLength = 0;
        return error;
    }

    private void AppendBlock(ReadOnlySpan<byte> fragment)
    {
        // Bounded by the sequence's field-block limit, checked before the frame came here.
        if (_block is null || _block.Length - _blockLength < fragment.Length)
            Array.Resize(ref _block, Math.Max(4096, (_blockLength + fragment.Length) * 2));
        fragment.CopyTo(_block.AsSpan(_blockLength));
        _blockLength += fragment.Length;
    }

    /// <summary>A whole field block: a new request, or a request's trailers. It is decoded in every case, to keep HPACK's table in step.</summary>
    private Http2Error OnFieldBlock(int id, Http2FrameFlags flags, ReadOnlySpan<byte> block, bool selfDependent)
    {
        bool endStream = (flags & Http2FrameFlags.EndStream) != 0;
        if (_streams.TryGetValue(id, out Http2Stream? existing))
            return OnTrailers(existing, block, endStream);
        if ((id & 1) == 0)
            return Http2Error.Connection(Http2ErrorCode.ProtocolError); // §5.1.1: a client's stream ids are odd
        if (id <= _lastStreamId && WasResetByUs(id))
        {
            // §5.1: trailers in flight when we reset the stream are ignored, once decoded for HPACK's table.
            var ignored = new Http2RequestFields(new HttpRequestHead(), trailers: true, _authorityScratch);
            return _decoder.Decode(block, ref ignored) is HpackError.None or HpackError.HeaderListTooLarge
                ? Http2Error.None
                : Http2Error.Connection(Http2ErrorCode.CompressionError);
        }
        if (id <= _lastStreamId)
        {
            // §5.1: HEADERS on a closed stream is STREAM_CLOSED; an id below one already used and never seen is a
            // PROTOCOL_ERROR (§5.1.1). A connection error either way: the block cannot open a stream.
            return Http2Error.Connection(WasRecentlyClosed(id) ? Http2ErrorCode.StreamClosed : Http2ErrorCode.ProtocolError);
        }
        _lastStreamId = id;
        Http2Stream stream = _freeStreams.TryPop(out Http2Stream? free) ? free : new Http2Stream(this);
        IncomingMessage request = _owner.RentRequest();
        stream.Request = request;
        var fields = new Http2RequestFields(request.Head, trailers: false, _authorityScratch);
        HpackError hpack = _decoder.Decode(block, ref fields);
        if (hpack is not (HpackError.None or HpackError.HeaderListTooLarge))
        {
            Abandon(stream, request);
            return Http2Error.Connection(Http2ErrorCode.CompressionError);
        }
        fields.Complete();
        if (_goingAway)
        {
            // §6.8: streams the client opened after our GOAWAY are ignored (it retries them elsewhere).
            Abandon(stream, request);
            return Http2Error.None;
        }
        if (selfDependent || fields.Fault is not null || _streams.Count >= _maxConcurrentStreams)
        {
            Abandon(stream, request);
            RememberClosed(id);
            bool refused = fields.Fault is null && !selfDependent;
            if (refused && !CountReset())
                return Http2Error.Connection(Http2ErrorCode.EnhanceYourCalm);
            // §5.1.2: past the limit, REFUSED_STREAM (the client may retry); a malformed request, PROTOCOL_ERROR (§8.1.1).
            return Http2Error.Stream(refused ? Http2ErrorCode.RefusedStream : Http2ErrorCode.ProtocolError);
        }
        stream.Begin(id, _peer.InitialWindowSize, OurInitialWindow);
        stream.ContentLength = fields.ContentLength;
        stream.RemoteClosed = endStream;
        if (endStream && fields.ContentLength > 0)
        {
            Abandon(stream, request);
            RememberClosed(id);
            return Http2Error.Stream(Http2ErrorCode.ProtocolError); // §8.1.1: a Content-Length no DATA can match
        }
        _streams.Add(id, stream);
        if (id >= int.MaxValue - 1)
            GoAway(Http2ErrorCode.NoError); // stream ids exhausted (§5.1.1): this one is served, the client reconnects for more
        Start(stream, fields.Method, fields.ExpectsContinue, tooLarge: hpack == HpackError.HeaderListTooLarge);
        return Http2Error.None;
    }

    /// <summary>A stream refused before it was opened: its request and the stream go back to their pools.</summary>
    private void Abandon(Http2Stream stream, IncomingMessage request)
    {
        _owner.ReturnRequest(request);
        _freeStreams.Push(stream);
    }

    /// <summary>A stream's request goes to the handler with its response; one whose client side closed completes.</summary>
    private void Start(Http2Stream stream, HttpRequestMethod method, bool expectsContinue, bool tooLarge)
    {
        IncomingMessage request = stream.Request;
        ServerResponse response = _owner.RentResponse(request, keepAlive: true);
        stream.Response = response;
        request.BeginHttp2(stream, method);
        response.BeginHttp2(stream);
        _dispatching = stream;
        if (tooLarge)
        {
            // §8.2.2's suggestion: 431, rather than a reset the client cannot explain.
            HttpConnection.Answer(response, 431);
        }
        else if (Server.HandlesStream)
        {
            // Node's rule: every stream goes to 'stream'; the compatibility API ('request') is one more listener of it,
            // there only when a request handler is.
            request.Dispatched = true;
            ServerHttp2Stream api = new(stream, request, response);
            stream.Api = api;
            if (Server.HandlesRequest)
                _owner.DispatchHttp2(request, response, expectsContinue);
            api.Announce();
        }
        else
        {
            _owner.DispatchHttp2(request, response, expectsContinue);
        }
        _dispatching = null;
        if (stream.RemoteClosed && !request.BodyDone)
        {
            request.OnComplete();
            AfterRemoteClosed(stream);
        }
        if (stream.EndedInDispatch)
            FinishDispatched(stream);
    }

    /// <summary>
    /// h2c by Upgrade (RFC 7540 §3.2): the HTTP/1.1 request that asked for it is stream 1, half closed (remote), and
    /// its HTTP2-Settings (checked by the caller) are the client's settings, acknowledged by the 101 itself.
    /// </summary>
    internal void AcceptUpgrade(IncomingMessage request, ReadOnlySpan<byte> settings)
    {
        _peer.TryApply(settings);
        FieldEncoder.SetPeerTableSize(_peer.HeaderTableSize);
        _lastStreamId = 1;
        Http2Stream stream = new(this) { Request = request };
        stream.Begin(1, _peer.InitialWindowSize, OurInitialWindow);
        stream.RemoteClosed = true;
        _streams.Add(1, stream);
        _inRead = true; // what the handler writes leaves with the server's SETTINGS
        try
        {
            Start(stream, request.KnownMethod, expectsContinue: false, tooLarge: false);
        }
        finally
        {
            _inRead = false;
        }
    }

    /// <summary>A field block on an open stream: the trailers, which must end it (§8.1), without pseudo-headers.</summary>
    private Http2Error OnTrailers(Http2Stream stream, ReadOnlySpan<byte> block, bool endStream)
    {
        IncomingMessage request = stream.Request;
        bool accepting = !stream.RemoteClosed && !stream.Reset;
        HttpRequestHead head = accepting ? request.BeginHttp2Trailers() : new HttpRequestHead();
        var fields = new Http2RequestFields(head, trailers: true, _authorityScratch);
        HpackError hpack = _decoder.Decode(block, ref fields);
        if (hpack is not (HpackError.None or HpackError.HeaderListTooLarge))
            return Http2Error.Connection(Http2ErrorCode.CompressionError);
        if (!accepting)
            return Http2Error.Stream(Http2ErrorCode.StreamClosed); // §5.1: half closed (remote)
        if (!endStream || fields.Fault is not null || hpack != HpackError.None
            || (stream.ContentLength >= 0 && stream.Received != stream.ContentLength))
            return Http2Error.Stream(Http2ErrorCode.ProtocolError); // §8.1: a second field block must end the stream
        stream.RemoteClosed = true;
        request.OnComplete();
        AfterRemoteClosed(stream);
        return Http2Error.None;
    }

    private Http2Error OnRstStream(int id, Http2ErrorCode code)
    {
        if (IsIdleStream(id))
            return Http2Error.Connection(Http2ErrorCode.ProtocolError); // §6.4: RST_STREAM on an idle stream
        if (!_streams.TryGetValue(id, out Http2Stream? stream))
            return Http2Error.None; // closed already
        bool unfinished = !stream.LocalClosed;
        stream.ResetCode = code;
        Close(stream, reset: true);
        // CVE-2023-44487: a client that opens and cancels streams makes the server start work it never finishes.
        if (unfinished && !CountReset())
            return Http2Error.Connection(Http2ErrorCode.EnhanceYourCalm);
        return Http2Error.None;
    }

    private Http2Error OnSettings(in Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (header.Has(Http2FrameFlags.Ack))
            return Http2Error.None;
        if (!CountControlFrame())
            return Http2Error.Connection(Http2ErrorCode.EnhanceYourCalm);
        uint before = _peer.InitialWindowSize;
        Http2Error error = _peer.TryApply(payload);
        if (error.IsError)
            return error;
        FieldEncoder.SetPeerTableSize(_peer.HeaderTableSize);
        long delta = (long)_peer.InitialWindowSize - before;
        if (delta != 0)
        {
            // §6.9.2: the change applies to every open stream's window; one pushed past 2^31-1 is a connection error.
            foreach (Http2Stream stream in _streams.Values)
            {
                if (!stream.SendWindow.TryGrow(delta))
                    return Http2Error.Connection(Http2ErrorCode.FlowControlError);
            }
        }
        Output.Advance(Http2FrameWriter.WriteSettingsAck(Output.GetSpan(Http2FrameHeader.Size)));
        if (delta > 0)
            PumpAll();
        return Http2Error.None;
    }

    private Http2Error OnWindowUpdate(int id, int increment)
    {
        if (id == 0)
        {
            if (!_sendWindow.TryGrow(increment))
                return Http2Error.Connection(Http2ErrorCode.FlowControlError); // §6.9.1
            PumpBlocked();
            return Http2Error.None;
        }
        if (IsIdleStream(id))
            return Http2Error.Connection(Http2ErrorCode.ProtocolError); // §5.1: WINDOW_UPDATE on an idle stream
        if (!_streams.TryGetValue(id, out Http2Stream? stream) || stream.Reset)
            return Http2Error.None; // closed: a WINDOW_UPDATE may still be on its way (§6.9)
        if (!stream.SendWindow.TryGrow(increment))
            return Http2Error.Stream(Http2ErrorCode.FlowControlError);
        Pump(stream);
        return Http2Error.None;
    }

    /// <summary>Counts a client reset or a refused stream; false once they pass the bound (rapid reset).</summary>
    private bool CountReset()
    {
        RollFloodWindow();
        return ++_resets <= MaxResetsPerWindow;
    }

    /// <summary>Counts a SETTINGS or PING; false once they pass the bound, or their answers pile up unread.</summary>
    private bool CountControlFrame()
    {
        RollFloodWindow();
        return ++_controlFrames <= MaxControlFramesPerWindow && Socket.WritableLength + Output.Length < MaxUnreadControlBytes;
    }

    private void RollFloodWindow()
    {
        long now = Server.Loop.Now;
        if (now - _floodWindowStart < FloodWindow)
            return;
        _floodWindowStart = now;
        _resets = _controlFrames = 0;
    }

    private void RememberClosed(int id)
    {
        _recentlyClosed[_recentlyClosedNext] = id;
        _recentlyClosedNext = (_recentlyClosedNext + 1) % _recentlyClosed.Length;
    }

    private bool WasRecentlyClosed(int id) => Array.IndexOf(_recentlyClosed, id) >= 0;

    /// <summary>Writes RST_STREAM for <paramref name="id"/>, remembering that we reset it (RFC 9113 §5.1: what the client had in flight is then ignored).</summary>
    private void WriteReset(int id, Http2ErrorCode code)
    {
        Output.Advance(Http2FrameWriter.WriteRstStream(Output.GetSpan(Http2FrameHeader.Size + 4), id, code));
        _recentlyReset[_recentlyResetNext] = id;
        _recentlyResetNext = (_recentlyResetNext + 1) % _recentlyReset.Length;
    }

    private bool WasResetByUs(int id) => Array.IndexOf(_recentlyReset, id) >= 0;

    /// <summary>A stream error (§5.4.2): RST_STREAM, and the stream is closed.</summary>
    private void StreamError(int id, Http2ErrorCode code)
    {
        if (id == 0)
            return;
        WriteReset(id, code);
        if (_streams.TryGetValue(id, out Http2Stream? stream))
        {
            stream.ResetCode = code;
            Close(stream, reset: true);
        }
    }

    /// <summary>
    /// A connection error (§5.4.1): GOAWAY with the last stream we processed, then the connection closes once that
    /// has been written. Nothing more is read.
    /// </summary>
    private void ConnectionError(Http2ErrorCode code)
    {
        if (_closing)
            return;
        _closing = true;
        WriteGoAway(code);
        Flush();
        if (!Socket.Destroyed)
            Socket.End();
    }

    private void WriteGoAway(Http2ErrorCode code) =>
        Output.Advance(Http2FrameWriter.WriteGoAway(Output.GetSpan(Http2FrameHeader.Size + 8), _lastStreamId, code, default));

    /// <summary>
    /// Graceful shutdown (the server closes, or stream ids ran out): GOAWAY with the last stream id we will serve;
    /// the streams up to it are finished, then our side ends.
    /// </summary>
    internal void GoAway(Http2ErrorCode code = Http2ErrorCode.NoError)
    {
        if (_goingAway || _closing || Socket.Destroyed)
            return;
        _goingAway = true;
        WriteGoAway(code);
        if (!_inRead)
        {
            Flush();
            FinishIfGoingAway();
        }
    }

    /// <summary>Ends our side once GOAWAY was sent (or received) and no stream is left.</summary>
    private void FinishIfGoingAway()
    {
        if ((_goingAway || _peerGoingAway) && _streams.Count == 0 && _finishing.Count == 0 && !_closing && !Socket.Destroyed)
        {
            if (!_goingAway)
                GoAway();
            _closing = true;
            Flush();
            Socket.End();
        }
    }

    /// <summary>The server's periodic check: zero-window stalls, and the keep-alive timeout of an idle connection.</summary>
    internal void CheckTimeouts(long now)
    {
        long sendTimeout = Server.Options.SendTimeout;
        if (sendTimeout > 0)
        {
            foreach (Http2Stream stream in _streams.Values)
            {
                if (stream.StalledSince >= 0 && now - stream.StalledSince >= sendTimeout)
                {
                    Server.SendTimeouts++;
                    StreamError(stream.Id, Http2ErrorCode.Cancel); // a client that never opens its window holds nothing more
                    Flush();
                    return; // the table changed under the loop; the rest wait for the next check
                }
            }
        }
        long keepAlive = Server.Options.KeepAliveTimeout;
        if (keepAlive > 0 && IsIdle && now - IdleSince >= keepAlive)
            GoAway();
    }
}

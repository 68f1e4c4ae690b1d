using Uvnet.Http.Http2;
using Uvnet.Http.Server;
using Uvnet.Net;
using Uvnet.Tls;

namespace Uvnet.Server.Load;

/// <summary>A request's place on an HTTP/2 connection, made once per load slot and reused for each of its requests.</summary>
internal sealed class Http2LoadStream(ILoadRequest request)
{
    internal ILoadRequest Request { get; } = request;

    /// <summary>The connection carrying (or about to carry) the request, or null between requests.</summary>
    internal Http2LoadConnection? Connection { get; set; }

    internal int Id { get; set; }

    /// <summary>What the server lets the request body send on this stream.</summary>
    internal Http2FlowWindow SendWindow;

    /// <summary>What the server may still send on this stream, and the bytes received since its last WINDOW_UPDATE.</summary>
    internal Http2FlowWindow ReceiveWindow;

    /// <summary>Request body bytes sent so far (the rest waits for the server's window).</summary>
    internal int BodySent { get; set; }

    /// <summary>Whether the final (non-1xx) response head came.</summary>
    internal bool FinalHeaders { get; set; }

    /// <summary>Loop time of the last frame for the stream (or of its opening): the idle timeout counts from it.</summary>
    internal long LastActivity { get; set; }
}

/// <summary>
/// The request fields every stream of a <c>uvnet load --h2</c> worker sends, HPACK-encoded once (static table only,
/// so the block is the same on every stream and every connection), and the body.
/// </summary>
internal sealed class Http2LoadRequestTemplate
{
    // Connection-specific fields HTTP/2 forbids (RFC 9113 §8.2.2); a Host field becomes :authority (§8.3.1), and the
    // Content-Length is the body's.
    private static readonly HashSet<string> s_dropped = new(StringComparer.OrdinalIgnoreCase)
    {
        "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host", "content-length",
    };

    internal Http2LoadRequestTemplate(LoadOptions options)
    {
        string authority = options.Headers.LastOrDefault(h => h.Key.Equals("host", StringComparison.OrdinalIgnoreCase)).Value
            ?? $"{(options.Host.Contains(':') ? $"[{options.Host}]" : options.Host)}:{options.Port}";
        Body = options.Body ?? [];
        var fields = new List<KeyValuePair<string, string>>
        {
            new(":method", options.Method),
            new(":scheme", options.Tls is null ? "http" : "https"),
            new(":authority", authority),
            new(":path", options.Path),
        };
        foreach (var (name, value) in options.Headers)
        {
            // TE is allowed with "trailers" only (§8.2.2).
            bool te = name.Equals("te", StringComparison.OrdinalIgnoreCase);
            if (!s_dropped.Contains(name) && (!te || value.Trim().Equals("trailers", StringComparison.OrdinalIgnoreCase)))
                fields.Add(new(name.ToLowerInvariant(), te ? "trailers" : value));
        }
        if (Body.Length > 0)
            fields.Add(new("content-length", Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var block = new byte[fields.Sum(f => 2 * (f.Key.Length + f.Value.Length) + 16)];
        int length = 0;
        foreach (var (name, value) in fields)
        {
            bool encoded = HpackEncoder.TryEncodeField(System.Text.Encoding.Latin1.GetBytes(name), System.Text.Encoding.Latin1.GetBytes(value),
                neverIndex: false, block.AsSpan(length), out int written);
            if (!encoded)
                throw new InvalidOperationException("the request's field block was sized too small");
            length += written;
        }
        Block = block.AsSpan(0, length).ToArray();
    }

    /// <summary>The request's field block.</summary>
    internal byte[] Block { get; }

    /// <summary>The request's body (empty: END_STREAM on the HEADERS frame).</summary>
    internal byte[] Body { get; }
}

/// <summary>
/// The client side of one HTTP/2 connection for <c>uvnet load --h2</c> (RFC 9113): the preface and SETTINGS, then
/// each request on a stream of its own, at most <see cref="Http2Settings.MaxConcurrentStreams"/> of the server's at
/// once (the rest wait in order). Responses are parsed: field blocks HPACK-decoded (<c>:status</c> kept, interim 1xx
/// skipped, trailers accepted), DATA counted, flow control both ways (WINDOW_UPDATE for the connection and each
/// stream once half a window is used; the request body held to the server's windows). The server's RST_STREAM and
/// GOAWAY end their requests as <see cref="LoadError.Reset"/> and <see cref="LoadError.GoAway"/>.
/// </summary>
/// <remarks>
/// The frames are read and written by Uvnet's server code (<see cref="Http2FrameReader"/>, <see cref="Http2FrameParser"/>,
/// <see cref="Http2FrameSequence"/>, <see cref="Http2FrameWriter"/>, <see cref="HpackDecoder"/>). Everything runs on
/// the loop; frames produced while a read is handled leave in one write at its end. Nothing is allocated per request:
/// the stream objects are the slots', the output arrays are pooled.
/// </remarks>
internal sealed class Http2LoadConnection : ILoadConnection<Http2LoadConnection>
{
    /// <summary>SETTINGS_INITIAL_WINDOW_SIZE advertised: each stream may receive 1 MiB before its WINDOW_UPDATE.</summary>
    internal const int StreamWindow = 1 << 20;

    /// <summary>The connection's receive window, raised from 65,535 by a WINDOW_UPDATE right after the preface.</summary>
    internal const int ConnectionWindow = 16 << 20;

    private const int OurMaxFrameSize = Http2FrameHeader.DefaultMaxFrameSize;

    private readonly Loop _loop;
    private readonly Http2LoadRequestTemplate _template;
    private readonly HpackDecoder _decoder = new();
    private readonly Dictionary<int, Http2LoadStream> _streams = [];
    private readonly Queue<Http2LoadStream> _waiting = new(); // before the server's SETTINGS, or past its stream limit
    private readonly List<Http2LoadStream> _sending = []; // request bodies waiting for the server's window
    private readonly List<Http2LoadStream> _scratch = []; // a copy of the open streams, to end them while the table changes
    private readonly OutputBuffer _output = new();
    private readonly Queue<byte[]> _writes = new();
    private readonly Action<NetException?> _onWritten;
    private readonly byte[] _input = new byte[Http2FrameHeader.Size + OurMaxFrameSize]; // a frame split across reads
    private readonly long _created;
    private int _inputLength;
    private byte[] _block = [];  // a field block split across HEADERS and CONTINUATION
    private int _blockLength;
    private Http2FrameFlags _blockFlags;
    private bool _blockSelfDependent; // its stream depends on itself (§5.3.1): a stream error once the block is decoded
    private Http2FrameSequence _sequence = new();
    private Http2Settings _peer = new();
    private int _nextStreamId = 1;
    private Http2FlowWindow _sendWindow = new(Http2Settings.DefaultInitialWindowSize);
    private Http2FlowWindow _receiveWindow = new(ConnectionWindow);
    private bool _ready, _goingAway, _closed, _inRead, _connectFailed, _noH2;

    /// <summary>Connects to <paramref name="options"/>' server (over TLS for https, h2 offered by ALPN) and sends the preface.</summary>
    internal Http2LoadConnection(Loop loop, LoadOptions options, Http2LoadRequestTemplate template)
    {
        _loop = loop;
        _template = template;
        _onWritten = OnWritten;
        _created = loop.Now;
        if (options.Tls is { } tls)
        {
            Socket = Uvnet.Tls.Tls.Connect(loop, options.Port, options.Host, tls, socket =>
            {
                // A server that picked HTTP/1.1 (or nothing) cannot be loaded over HTTP/2: every request is a tls error.
                if (socket.GetTlsConnection()?.AlpnProtocol != "h2")
                {
                    _noH2 = true;
                    socket.Destroy();
                }
            });
        }
        else
        {
            Socket = new Socket(loop);
            Socket.Connect(options.Port, options.Host);
        }
        Socket.SetNoDelay();
        Socket.Data += (_, data) => OnSocketData(data);
        Socket.Error += (_, error) => _connectFailed |= !_ready && error is { Syscall: "connect" or "getaddrinfo" };
        Socket.Closed += (_, _) => OnClosed();
        WritePreface();
    }

    /// <summary>The connection's socket.</summary>
    public Socket Socket { get; }

    /// <summary>Raised once when the connection takes no new request (GOAWAY, failure, stream ids used up): the worker makes another.</summary>
    public event Action<Http2LoadConnection>? Gone;

    /// <summary>Whether a new request can be given to <see cref="Start"/>.</summary>
    public bool IsUsable => !_closed && !_goingAway && _nextStreamId < int.MaxValue - 1;

    /// <summary>Requests open or waiting on the connection.</summary>
    internal int Count => _streams.Count + _waiting.Count;

    private void WritePreface()
    {
        _output.Write(Http2Preface.Bytes);
        ReadOnlySpan<(Http2SettingId, uint)> settings =
        [
            (Http2SettingId.EnablePush, 0),
            (Http2SettingId.InitialWindowSize, StreamWindow),
            (Http2SettingId.MaxHeaderListSize, (uint)_decoder.MaxHeaderListSize),
        ];
        _output.Advance(Http2FrameWriter.WriteSettings(_output.GetSpan(Http2FrameWriter.GetSettingsLength(settings.Length)), settings));
        WriteWindowUpdate(0, ConnectionWindow - Http2Settings.DefaultInitialWindowSize);
        Flush(); // held by the socket until it is connected (and TLS done)
    }

    /// <summary>
    /// Sends <paramref name="stream"/>'s request: at once once the server's SETTINGS came and under its stream limit,
    /// else when a stream closes. Only while <see cref="IsUsable"/>.
    /// </summary>
    internal void Start(Http2LoadStream stream)
    {
        stream.Connection = this;
        _waiting.Enqueue(stream);
        OpenWaiting();
        if (!_inRead)
            Flush();
    }

    /// <summary>Drops <paramref name="stream"/>'s request without telling it (the caller counts it): RST_STREAM CANCEL if sent.</summary>
    internal void Cancel(Http2LoadStream stream)
    {
        if (_streams.Remove(stream.Id))
        {
            _sending.Remove(stream);
            if (!_closed)
                WriteReset(stream.Id, Http2ErrorCode.Cancel);
        }
        else if (_waiting.Contains(stream))
        {
            // Rare (a timeout or the run's end): the queue is rebuilt without it.
            int count = _waiting.Count;
            for (int i = 0; i < count; i++)
            {
                Http2LoadStream s = _waiting.Dequeue();
                if (s != stream)
                    _waiting.Enqueue(s);
            }
        }
        stream.Connection = null;
        AfterStreamEnded();
        if (!_inRead)
            Flush();
    }

    /// <summary>Closes the connection now (the run is over); its requests are not told.</summary>
    public void Destroy()
    {
        _closed = true;
        _streams.Clear();
        _waiting.Clear();
        _sending.Clear();
        Socket.Destroy();
    }

    /// <summary>
    /// Ends the requests idle for <paramref name="timeoutMs"/> as timeouts (each stream reset with CANCEL), or all of
    /// them when the connection has not become ready in that time (not connected, or no SETTINGS from the server).
    /// </summary>
    public void CheckTimeouts(long now, long timeoutMs)
    {
        if (_closed)
            return;
        if (!_ready)
        {
            if (now - _created >= timeoutMs && Count > 0)
            {
                Close();
                FailAll(LoadError.Timeout);
                Socket.Destroy();
            }
            return;
        }
        _scratch.Clear();
        foreach (Http2LoadStream stream in _streams.Values)
        {
            if (now - stream.LastActivity >= timeoutMs)
                _scratch.Add(stream);
        }
        foreach (Http2LoadStream stream in _scratch)
        {
            if (stream.Connection != this || !_streams.ContainsKey(stream.Id))
                continue; // ended by an earlier one's handler
            Cancel(stream);
            stream.Request.OnFailed(LoadError.Timeout);
        }
        _scratch.Clear();
    }

    private void OpenWaiting()
    {
        while (_ready && !_goingAway && !_closed && _waiting.Count > 0 && _streams.Count < _peer.MaxConcurrentStreams
               && _nextStreamId < int.MaxValue - 1)
            Open(_waiting.Dequeue());
    }

    private void Open(Http2LoadStream stream)
    {
        int id = _nextStreamId;
        _nextStreamId += 2;
        stream.Id = id;
        // Idle from its sending: the wait for the server's stream limit is no silence of the server's on it.
        stream.LastActivity = _loop.Now;
        stream.SendWindow = new Http2FlowWindow(_peer.InitialWindowSize);
        stream.ReceiveWindow = new Http2FlowWindow(StreamWindow);
        stream.BodySent = 0;
        stream.FinalHeaders = false;
        _streams.Add(id, stream);
        ReadOnlySpan<byte> block = _template.Block;
        int maxFrame = (int)_peer.MaxFrameSize;
        bool hasBody = _template.Body.Length > 0;
        _output.Advance(Http2FrameWriter.WriteHeaders(_output.GetSpan(Http2FrameWriter.GetHeadersLength(block.Length, maxFrame)), id, block, !hasBody, maxFrame));
        if (hasBody && !SendBody(stream))
            _sending.Add(stream);
        if (_nextStreamId >= int.MaxValue - 1)
            NoMoreStreams();
    }

    /// <summary>Sends as much of the request body as the windows allow; true once all of it went.</summary>
    private bool SendBody(Http2LoadStream stream)
    {
        ReadOnlySpan<byte> body = _template.Body;
        int maxFrame = (int)_peer.MaxFrameSize;
        while (stream.BodySent < body.Length)
        {
            long window = Math.Min(stream.SendWindow.Size, _sendWindow.Size);
            if (window <= 0)
                return false;
            int length = (int)Math.Min(Math.Min(window, maxFrame), body.Length - stream.BodySent);
            bool last = stream.BodySent + length == body.Length;
            _output.Advance(Http2FrameWriter.WriteData(_output.GetSpan(Http2FrameHeader.Size + length), stream.Id, body.Slice(stream.BodySent, length), last));
            stream.SendWindow.Consume(length);
            _sendWindow.Consume(length);
            stream.BodySent += length;
        }
        return true;
    }

    private void SendBodies()
    {
        for (int i = _sending.Count - 1; i >= 0; i--)
        {
            if (SendBody(_sending[i]))
                _sending.RemoveAt(i);
        }
    }

    private void OnSocketData(ReadOnlySpan<byte> data)
    {
        if (_closed)
            return;
        _inRead = true;
        try
        {
            while (!data.IsEmpty && !_closed)
            {
                if (_inputLength == 0)
                {
                    data = data[Process(data)..];
                    if (data.IsEmpty || _closed)
                        break;
                }
                // What is left is less than a frame (at most our frame size, checked from its header): keep it.
                int n = Math.Min(data.Length, _input.Length - _inputLength);
                data[..n].CopyTo(_input.AsSpan(_inputLength));
                _inputLength += n;
                data = data[n..];
                int used = _closed ? _inputLength : Process(_input.AsSpan(0, _inputLength));
                _input.AsSpan(used, _inputLength - used).CopyTo(_input);
                _inputLength -= used;
            }
        }
        finally
        {
            _inRead = false;
        }
        Flush();
    }

    /// <summary>Handles every whole frame at the start of <paramref name="data"/>; returns the bytes used.</summary>
    private int Process(ReadOnlySpan<byte> data)
    {
        int used = 0;
        while (!_closed && Http2FrameHeader.TryRead(data[used..], out Http2FrameHeader header))
        {
            // Larger than we allow: no buffer waits for it (§4.2 allows a connection error for any frame).
            if (Http2FrameParser.CheckFrameSize(header, OurMaxFrameSize).IsError)
            {
                ConnectionError(Http2ErrorCode.FrameSizeError);
                return data.Length;
            }
            if (!Http2FrameReader.TryReadFrame(data[used..], out _, out ReadOnlySpan<byte> payload))
                break;
            used += Http2FrameHeader.Size + header.Length;
            Http2Error error = _sequence.OnFrame(header);
            if (!error.IsError)
                error = OnFrame(header, payload);
            if (error.IsConnectionError)
            {
                ConnectionError(error.Code);
                return data.Length;
            }
            if (error.IsError)
                StreamError(header.StreamId, error.Code);
        }
        return _closed ? data.Length : used;
    }

    private Http2Error OnFrame(in Http2FrameHeader header, ReadOnlySpan<byte> payload)
    {
        Http2Error error;
        switch (header.Type)
        {
            case Http2FrameType.Data:
                error = Http2FrameParser.ParseData(header, payload, out ReadOnlySpan<byte> data);
                return error.IsError ? error : OnData(header, data.Length);
            case Http2FrameType.Headers:
                error = Http2FrameParser.ParseHeaders(header, payload, out Http2HeadersPayload headers);
                if (error.IsConnectionError)
                    return error;
                _blockLength = 0;
                _blockFlags = header.Flags;
                _blockSelfDependent = error.IsError;
                return header.Has(Http2FrameFlags.EndHeaders) ? OnFieldBlock(header.StreamId, header.Flags, headers.Fragment) : AppendBlock(headers.Fragment);
            case Http2FrameType.Continuation:
                error = Http2FrameParser.ParseContinuation(header, payload, out ReadOnlySpan<byte> fragment);
                if (error.IsError)
                    return error;
                AppendBlock(fragment);
                return header.Has(Http2FrameFlags.EndHeaders) ? OnFieldBlock(header.StreamId, _blockFlags, _block.AsSpan(0, _blockLength)) : Http2Error.None;
            case Http2FrameType.RstStream:
                error = Http2FrameParser.ParseRstStream(header, payload, out _);
                return error.IsError ? error : OnReset(header.StreamId);
            case Http2FrameType.Settings:
                error = Http2FrameParser.ParseSettings(header, payload);
                return error.IsError || header.Has(Http2FrameFlags.Ack) ? error : OnSettings(payload);
            case Http2FrameType.PushPromise:
                return Http2FrameParser.ParsePushPromise(header); // we sent SETTINGS_ENABLE_PUSH 0 (§6.6: PROTOCOL_ERROR)
            case Http2FrameType.Ping:
                error = Http2FrameParser.ParsePing(header, payload, out ReadOnlySpan<byte> opaque);
                if (!error.IsError && !header.Has(Http2FrameFlags.Ack))
                    _output.Advance(Http2FrameWriter.WritePingAck(_output.GetSpan(Http2FrameHeader.Size + 8), opaque));
                return error;
            case Http2FrameType.GoAway:
                error = Http2FrameParser.ParseGoAway(header, payload, out int lastStreamId, out _, out _);
                if (!error.IsError)
                    OnGoAway(lastStreamId);
                return error;
            case Http2FrameType.WindowUpdate:
                error = Http2FrameParser.ParseWindowUpdate(header, payload, out int increment);
                return error.IsError ? error : OnWindowUpdate(header.StreamId, increment);
            case Http2FrameType.Priority:
                return Http2FrameParser.ParsePriority(header, payload); // checked, then ignored (RFC 9113 §5.3.2)
            default:
                return Http2Error.None; // §5.5: unknown frame types are ignored
        }
    }

    /// <summary>A stream id we have not opened (even ids would be the server's: we allow no push).</summary>
    private bool IsIdle(int id) => id >= _nextStreamId || (id & 1) == 0;

    private Http2Error AppendBlock(ReadOnlySpan<byte> fragment)
    {
        // Bounded by the sequence's field-block limit, checked before the frame came here.
        if (_block.Length - _blockLength < fragment.Length)
            Array.Resize(ref _block, Math.Max(4096, (_blockLength + fragment.Length) * 2));
        fragment.CopyTo(_block.AsSpan(_blockLength));
        _blockLength += fragment.Length;
        return Http2Error.None;
    }

    /// <summary>
    /// A whole field block: a response head (interim or final) or trailers. Decoded in every case, to keep HPACK's table
    /// in step (§4.3), that of a self-dependent stream too, whose stream error comes after.
    /// </summary>
    private Http2Error OnFieldBlock(int id, Http2FrameFlags flags, ReadOnlySpan<byte> block)
    {
        var fields = new ResponseFields();
        HpackError hpack = _decoder.Decode(block, ref fields);
        if (hpack is not (HpackError.None or HpackError.HeaderListTooLarge))
            return Http2Error.Connection(Http2ErrorCode.CompressionError);
        if (!_streams.TryGetValue(id, out Http2LoadStream? stream))
        {
            // §5.1: HEADERS on an idle stream is a PROTOCOL_ERROR; on one we reset, it was in flight (ignored).
            return IsIdle(id) ? Http2Error.Connection(Http2ErrorCode.ProtocolError) : Http2Error.None;
        }
        if (_blockSelfDependent)
            return Http2Error.Stream(Http2ErrorCode.ProtocolError);
        stream.LastActivity = _loop.Now;
        bool end = (flags & Http2FrameFlags.EndStream) != 0;
        if (!stream.FinalHeaders)
        {
            // §8.3.2: exactly one :status of three digits; §8.1: an interim head cannot end the stream, and there is no 101.
            if (fields.Status < 100 || fields.Malformed || hpack != HpackError.None || (fields.Status < 200 && (end || fields.Status == 101)))
                return Http2Error.Stream(Http2ErrorCode.ProtocolError);
            if (fields.Status < 200)
                return Http2Error.None;
            stream.FinalHeaders = true;
            stream.Request.OnStatus(fields.Status);
        }
        else if (!end || fields.Status != 0 || fields.Malformed)
        {
            return Http2Error.Stream(Http2ErrorCode.ProtocolError); // §8.1: trailers end the stream, with no pseudo-header
        }
        if (end)
            Complete(stream);
        return Http2Error.None;
    }

    private Http2Error OnData(in Http2FrameHeader header, int dataLength)
    {
        // The whole frame, padding included, counts against both windows (§6.9.1).
        if (!_receiveWindow.TryReceive(header.Length))
            return Http2Error.Connection(Http2ErrorCode.FlowControlError);
        CreditConnection(header.Length); // nothing is kept: the window is given back as the bytes are counted
        if (!_streams.TryGetValue(header.StreamId, out Http2LoadStream? stream))
            return IsIdle(header.StreamId) ? Http2Error.Connection(Http2ErrorCode.ProtocolError) : Http2Error.None;
        if (!stream.FinalHeaders)
            return Http2Error.Stream(Http2ErrorCode.ProtocolError); // §8.1: DATA before the response's head
        if (!stream.ReceiveWindow.TryReceive(header.Length))
            return Http2Error.Stream(Http2ErrorCode.FlowControlError);
        stream.LastActivity = _loop.Now;
        if (dataLength > 0)
            stream.Request.OnBody(dataLength);
        if (header.Has(Http2FrameFlags.EndStream))
        {
            Complete(stream);
            return Http2Error.None;
        }
        stream.ReceiveWindow.Release(header.Length);
        int increment = stream.ReceiveWindow.TakeUpdate();
        if (increment > 0)
            WriteWindowUpdate(stream.Id, increment);
        return Http2Error.None;
    }

    /// <summary>Gives the connection's window back by one WINDOW_UPDATE once half of it is used.</summary>
    private void CreditConnection(int count)
    {
        _receiveWindow.Release(count);
        int increment = _receiveWindow.TakeUpdate();
        if (increment > 0)
            WriteWindowUpdate(0, increment);
    }

    private Http2Error OnReset(int id)
    {
        if (IsIdle(id))
            return Http2Error.Connection(Http2ErrorCode.ProtocolError); // §6.4: RST_STREAM on an idle stream
        if (_streams.TryGetValue(id, out Http2LoadStream? stream))
            End(stream, LoadError.Reset);
        return Http2Error.None;
    }

    private Http2Error OnSettings(ReadOnlySpan<byte> payload)
    {
        uint before = _peer.InitialWindowSize;
        Http2Error error = _peer.TryApply(payload);
        if (error.IsError)
            return error;
        long delta = (long)_peer.InitialWindowSize - before;
        foreach (Http2LoadStream stream in _streams.Values)
        {
            // §6.9.2: the change applies to every open stream's window.
            if (!stream.SendWindow.TryGrow(delta))
                return Http2Error.Connection(Http2ErrorCode.FlowControlError);
        }
        _output.Advance(Http2FrameWriter.WriteSettingsAck(_output.GetSpan(Http2FrameHeader.Size)));
        _ready = true;
        OpenWaiting();
        if (delta > 0)
            SendBodies();
        return Http2Error.None;
    }

    private Http2Error OnWindowUpdate(int id, int increment)
    {
        if (id == 0)
        {
            if (!_sendWindow.TryGrow(increment))
                return Http2Error.Connection(Http2ErrorCode.FlowControlError); // §6.9.1
            SendBodies();
            return Http2Error.None;
        }
        if (IsIdle(id))
            return Http2Error.Connection(Http2ErrorCode.ProtocolError);
        if (!_streams.TryGetValue(id, out Http2LoadStream? stream))
            return Http2Error.None; // closed: a WINDOW_UPDATE may still be on its way
        if (!stream.SendWindow.TryGrow(increment))
            return Http2Error.Stream(Http2ErrorCode.FlowControlError);
        if (_sending.Contains(stream) && SendBody(stream))
            _sending.Remove(stream);
        return Http2Error.None;
    }

    /// <summary>
    /// GOAWAY: the streams above <paramref name="lastStreamId"/> were not processed (§6.8) and fail as
    /// <see cref="LoadError.GoAway"/>; those not sent yet go to another connection; the rest may still finish.
    /// </summary>
    private void OnGoAway(int lastStreamId)
    {
        bool first = !_goingAway;
        _goingAway = true;
        if (first)
            Gone?.Invoke(this);
        _scratch.Clear();
        foreach (Http2LoadStream stream in _streams.Values)
        {
            if (stream.Id > lastStreamId)
                _scratch.Add(stream);
        }
        foreach (Http2LoadStream stream in _scratch)
        {
            if (stream.Connection == this && _streams.ContainsKey(stream.Id))
                End(stream, LoadError.GoAway);
        }
        _scratch.Clear();
        Resend();
        AfterStreamEnded();
    }

    /// <summary>The requests not sent yet go out on another connection.</summary>
    private void Resend()
    {
        while (_waiting.TryDequeue(out Http2LoadStream? stream))
        {
            stream.Connection = null;
            stream.Request.OnUnsent();
        }
    }

    /// <summary>The stream ids are used up (§5.1.1): the open streams finish, the next requests go to another connection.</summary>
    private void NoMoreStreams()
    {
        Gone?.Invoke(this);
        Resend();
    }

    /// <summary>A response ended: the stream leaves the table first, so its request may start its next one here.</summary>
    private void Complete(Http2LoadStream stream)
    {
        _streams.Remove(stream.Id);
        if (stream.BodySent < _template.Body.Length)
        {
            // §8.1: a response before the whole request: the rest is not sent (RST_STREAM NO_ERROR).
            _sending.Remove(stream);
            WriteReset(stream.Id, Http2ErrorCode.NoError);
        }
        stream.Connection = null;
        stream.Request.OnEnd();
        AfterStreamEnded();
    }

    /// <summary>A stream failed: it leaves the table, then its request is told.</summary>
    private void End(Http2LoadStream stream, LoadError kind)
    {
        _streams.Remove(stream.Id);
        _sending.Remove(stream);
        stream.Connection = null;
        stream.Request.OnFailed(kind);
        AfterStreamEnded();
    }

    /// <summary>A stream slot freed: the next waiting request opens, or a connection going away with nothing left closes.</summary>
    private void AfterStreamEnded()
    {
        if (_closed)
            return;
        OpenWaiting();
        if (!IsUsable && Count == 0)
        {
            // Going away, or out of stream ids, with nothing left: our side ends (the server's GOAWAY asked for no more).
            Flush();
            Close();
            Socket.End();
        }
    }

    /// <summary>A stream error of ours (§5.4.2): RST_STREAM, and its request fails as a read error (a malformed response).</summary>
    private void StreamError(int id, Http2ErrorCode code)
    {
        if (id == 0 || _closed)
            return;
        WriteReset(id, code);
        if (_streams.TryGetValue(id, out Http2LoadStream? stream))
            End(stream, LoadError.Read);
    }

    /// <summary>A connection error of ours (§5.4.1): GOAWAY, our side ends, every request fails as a read error.</summary>
    private void ConnectionError(Http2ErrorCode code)
    {
        if (_closed)
            return;
        _output.Advance(Http2FrameWriter.WriteGoAway(_output.GetSpan(Http2FrameHeader.Size + 8), 0, code, default));
        Flush();
        Close();
        Socket.End();
        FailAll(LoadError.Read);
    }

    private void OnClosed()
    {
        if (_closed && Count == 0)
            return;
        Close();
        // Refused or unreachable; the handshake failed or chose no h2; cut after a GOAWAY; or cut.
        LoadError kind = _connectFailed ? LoadError.Connect
            : _noH2 || Socket.GetTlsConnection() is { IsEstablished: false } ? LoadError.Tls
            : _goingAway ? LoadError.GoAway
            : LoadError.Read;
        if (_ready)
            Resend(); // never sent: another connection takes them
        FailAll(kind);
    }

    /// <summary>Takes no more requests: the worker is told to make another connection.</summary>
    private void Close()
    {
        if (_closed)
            return;
        _closed = true;
        Gone?.Invoke(this);
    }

    /// <summary>Every request on the connection, open or waiting, fails with <paramref name="kind"/>.</summary>
    private void FailAll(LoadError kind)
    {
        _scratch.Clear();
        _scratch.AddRange(_streams.Values);
        _scratch.AddRange(_waiting);
        _streams.Clear();
        _waiting.Clear();
        _sending.Clear();
        foreach (Http2LoadStream stream in _scratch)
        {
            stream.Connection = null;
            stream.Request.OnFailed(kind);
        }
        _scratch.Clear();
    }

    private void WriteReset(int id, Http2ErrorCode code) =>
        _output.Advance(Http2FrameWriter.WriteRstStream(_output.GetSpan(Http2FrameHeader.Size + 4), id, code));

    private void WriteWindowUpdate(int streamId, int increment) =>
        _output.Advance(Http2FrameWriter.WriteWindowUpdate(_output.GetSpan(Http2FrameHeader.Size + 4), streamId, increment));

    /// <summary>Hands what was written to the socket; the array goes back to the pool when the write completes.</summary>
    private void Flush()
    {
        if (_output.IsEmpty)
            return;
        if (Socket.Destroyed || !Socket.Writable)
        {
            _output.Release();
            return;
        }
        ArraySegment<byte> segment = _output.Detach();
        _writes.Enqueue(segment.Array!);
        Socket.Write(segment.AsMemory(), _onWritten);
    }

    private void OnWritten(NetException? error)
    {
        if (_writes.TryDequeue(out byte[]? array))
            OutputArrays.Return(array);
    }

    /// <summary>The fields of a response head or trailers: <c>:status</c> kept, any other pseudo-header or a second :status malformed.</summary>
    private struct ResponseFields : IHpackHeaderHandler
    {
        /// <summary>The status (0: none yet).</summary>
        public int Status;

        /// <summary>A pseudo-header other than one :status of three digits, or one after a regular field (§8.3).</summary>
        public bool Malformed;

        private bool _regularSeen;

        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool neverIndexed, ref byte memo)
        {
            if (name.IsEmpty || name[0] != (byte)':')
            {
                _regularSeen = true;
                return;
            }
            if (!name.SequenceEqual(":status"u8) || Status != 0 || _regularSeen || value.Length != 3
                || !char.IsAsciiDigit((char)value[0]) || !char.IsAsciiDigit((char)value[1]) || !char.IsAsciiDigit((char)value[2]))
            {
                Malformed = true;
                return;
            }
            Status = ((value[0] - '0') * 100) + ((value[1] - '0') * 10) + (value[2] - '0');
        }
    }
}

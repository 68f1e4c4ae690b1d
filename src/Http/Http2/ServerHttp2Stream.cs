using System.Runtime.CompilerServices;
using System.Text;
using Uvnet.Http.Server;
using Uvnet.Net;

namespace Uvnet.Http.Http2;

/// <summary>Handles a new HTTP/2 stream (<see cref="HttpServer.Stream"/>), as Node's <c>'stream'</c> listener: the stream, its request headers, and the flags of its HEADERS.</summary>
public delegate void Http2StreamHandler(ServerHttp2Stream stream, HttpHeaders headers, Http2HeadersFlags flags);

/// <summary>A piece of a stream's request body (<see cref="ServerHttp2Stream.Data"/>): a span valid only until the handler returns.</summary>
public delegate void Http2StreamDataHandler(ServerHttp2Stream stream, ReadOnlySpan<byte> data);

/// <summary>The flags of the HEADERS frame that opened a stream (RFC 9113 §6.2), as the number Node's <c>'stream'</c> event passes.</summary>
[Flags]
public enum Http2HeadersFlags
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>END_STREAM: the request has no body (<see cref="ServerHttp2Stream.EndAfterHeaders"/>).</summary>
    EndStream = 0x1,

    /// <summary>END_HEADERS: the field block is complete (always, by the time the event is raised).</summary>
    EndHeaders = 0x4,
}

/// <summary>The options of <see cref="ServerHttp2Stream.Respond"/>, as Node's <c>respond(headers, options)</c>.</summary>
public sealed class Http2RespondOptions
{
    /// <summary>The response has no body: the HEADERS frame ends the stream.</summary>
    public bool EndStream { get; init; }

    /// <summary>
    /// The stream is not ended by its last DATA: <see cref="ServerHttp2Stream.WantTrailers"/> is raised instead, and
    /// <see cref="ServerHttp2Stream.SendTrailers"/> (or <see cref="ServerHttp2Stream.Close"/>) ends it.
    /// </summary>
    public bool WaitForTrailers { get; init; }
}

/// <summary>Where a stream stands in RFC 9113 §5.1's state machine.</summary>
public enum Http2StreamStateKind
{
    /// <summary>Both sides may send.</summary>
    Open,

    /// <summary>The server's side ended (END_STREAM sent); the request may still send.</summary>
    HalfClosedLocal,

    /// <summary>The request ended (END_STREAM received); the response may still send.</summary>
    HalfClosedRemote,

    /// <summary>Both sides ended, or the stream was reset.</summary>
    Closed,
}

/// <summary>A stream's state, as Node's <c>http2stream.state</c>.</summary>
/// <param name="State">The state of RFC 9113 §5.1.</param>
/// <param name="LocalWindowSize">The bytes the client may still send on this stream before a WINDOW_UPDATE.</param>
/// <param name="LocalClose">Whether the server's side has ended.</param>
/// <param name="RemoteClose">Whether the client's side has ended.</param>
public readonly record struct Http2StreamState(Http2StreamStateKind State, int LocalWindowSize, bool LocalClose, bool RemoteClose);

/// <summary>
/// One HTTP/2 stream of the server, as Node's <c>ServerHttp2Stream</c> (the stream-level API of <c>http2</c>): raised
/// by <see cref="HttpServer.Stream"/> with the request headers; answered by <see cref="Respond"/>,
/// <see cref="Write(ReadOnlySpan{byte})"/> and <see cref="End(ReadOnlySpan{byte})"/>, with trailers
/// (<see cref="SendTrailers"/>) and resets (<see cref="Close"/>); its request body arrives as <see cref="Data"/> and
/// <see cref="Ended"/>, paused with <see cref="Pause"/> (which withholds WINDOW_UPDATE).
/// </summary>
/// <remarks>
/// A new object per stream, never reused: once <see cref="Closed"/> was raised it keeps its last state
/// (<see cref="Id"/>, <see cref="RstCode"/>, ...) and refuses to send (ERR_HTTP2_INVALID_STREAM), so a reference kept past
/// the stream never reaches another one. Members belong to the loop's thread.
/// </remarks>
public sealed class ServerHttp2Stream
{
    private readonly Loop _loop;
    private readonly HttpServer _server;
    private Http2Stream? _stream;      // null once closed: the internal stream is pooled
    private IncomingMessage? _request;
    private ServerResponse? _response;
    private Http2Connection? _connection;
    private Http2StreamDataHandler? _data;
    private Action<ServerHttp2Stream>? _end, _aborted, _close, _wantTrailers, _drain;
    private Action<ServerHttp2Stream, HttpHeaders>? _trailers;
    private Action<ServerHttp2Stream, Exception>? _error;
    private List<byte[]>? _paused;     // DATA received while paused, in order
    private bool _endPending;          // the request ended while paused: End follows the bytes held
    private bool _reading;             // the request's body events are hooked
    private bool _resuming;            // Resume is handing over what was held
    private bool _requestClosed, _responseClosed;
    private bool _announcing = true;   // the Stream event is not raised yet: a close waits for it (Announce)
    private bool _watchingSocket;      // waiting for Resume with both sides ended: the connection's end destroys the stream
    private Exception? _destroyError;

    internal ServerHttp2Stream(Http2Stream stream, IncomingMessage request, ServerResponse response)
    {
        _stream = stream;
        _request = request;
        _response = response;
        _connection = stream.Owner;
        _server = stream.Owner.Server;
        _loop = _server.Loop;
        Id = stream.Id;
        EndAfterHeaders = stream.RemoteClosed;
        Method = request.Method;
        Path = request.Url;
        Authority = request.Headers["host"] ?? "";
        Scheme = Tls.TlsSocketExtensions.GetTlsConnection(stream.Owner.Socket) is null ? "http" : "https";
        HeadRequest = request.KnownMethod == Parsing.HttpRequestMethod.Head;
        // The pair is this object's until its Close: not reused meanwhile (ReleaseIfDone waits for the let go).
        request.Held = true;
        response.Hold();
        response.Close += _ => { _responseClosed = true; CloseIfDone(); };
        request.Close += _ => { _requestClosed = true; CloseIfDone(); };
        response.Drain += _ => Raise(_drain);
    }

    /// <summary>The stream's id (odd: the client opened it).</summary>
    public int Id { get; }

    /// <summary>The request's <c>:method</c>.</summary>
    public string Method { get; }

    /// <summary>The request's <c>:path</c>.</summary>
    public string Path { get; }

    /// <summary>The request's <c>:authority</c> (or its Host field), empty when it had neither.</summary>
    public string Authority { get; }

    /// <summary>"https" on TLS, "http" on h2c: the scheme of the connection (not the <c>:scheme</c> the client sent).</summary>
    public string Scheme { get; }

    /// <summary>Whether the request came with END_STREAM on its HEADERS (it has no body), as Node's <c>endAfterHeaders</c>.</summary>
    public bool EndAfterHeaders { get; }

    /// <summary>Whether the request is a HEAD: the response carries no body.</summary>
    public bool HeadRequest { get; }

    /// <summary>Whether the response's HEADERS were sent (by this stream, or by the compatibility API's response).</summary>
    public bool HeadersSent
    {
        get => _headersSent || (_response?.HeadersSent ?? false);
        private set => _headersSent = value;
    }

    private bool _headersSent;

    /// <summary>Whether the stream is closed: reset by either side (<see cref="Close"/>), or ended both ways.</summary>
    public bool IsClosed { get; private set; }

    /// <summary>Whether the stream is gone (its <see cref="Closed"/> event was raised): nothing more can be done with it.</summary>
    public bool Destroyed { get; private set; }

    /// <summary>Whether the stream closed before its response was ended (Node's <c>aborted</c>).</summary>
    public bool IsAborted { get; private set; }

    /// <summary>The RST_STREAM code that closed the stream (NO_ERROR when it ended normally).</summary>
    public Http2ErrorCode RstCode { get; private set; }

    /// <summary>Whether incoming DATA is held back (<see cref="Pause"/>).</summary>
    public bool IsPaused { get; private set; }

    /// <summary>Whether the response was ended (<see cref="End(ReadOnlySpan{byte})"/>, or Respond with EndStream).</summary>
    public bool WritableEnded => _response?.WritableEnded ?? _endedAtClose;

    private bool _endedAtClose;

    /// <summary>The stream's state (RFC 9113 §5.1) and the client's remaining window on it.</summary>
    public Http2StreamState State
    {
        get
        {
            Verify();
            if (_stream is not { } stream || IsClosed)
                return new Http2StreamState(Http2StreamStateKind.Closed, 0, true, true);
            Http2StreamStateKind kind = (stream.LocalClosed, stream.RemoteClosed) switch
            {
                (true, true) => Http2StreamStateKind.Closed,
                (true, false) => Http2StreamStateKind.HalfClosedLocal,
                (false, true) => Http2StreamStateKind.HalfClosedRemote,
                _ => Http2StreamStateKind.Open,
            };
            return new Http2StreamState(kind, (int)stream.ReceiveWindow.Size, stream.LocalClosed, stream.RemoteClosed);
        }
    }

    /// <summary>The connection the stream belongs to, as Node's <c>stream.session</c>; null once the stream is destroyed.</summary>
    public Http2Session? Session
    {
        get
        {
            Verify();
            return Destroyed ? null : _connection!.Session;
        }
    }

    /// <summary>Raised for each piece of the request body (a span valid until the handler returns); not while paused.</summary>
    public event Http2StreamDataHandler? Data
    {
        add { LoopThread.Subscribe(_loop, nameof(ServerHttp2Stream), ref _data, value, add: true); StartReading(); }
        remove => LoopThread.Subscribe(_loop, nameof(ServerHttp2Stream), ref _data, value, add: false);
    }

    /// <summary>Raised once the request body has arrived whole (after <see cref="Trailers"/>, if any).</summary>
    public event Action<ServerHttp2Stream>? Ended
    {
        add { LoopThread.Subscribe(_loop, nameof(ServerHttp2Stream), ref _end, value, add: true); StartReading(); }
        remove => LoopThread.Subscribe(_loop, nameof(ServerHttp2Stream), ref _end, value, add: false);
    }

    /// <summary>Raised with the request's trailer fields, before <see cref="Ended"/>, when the request had some.</summary>
    public event Action<ServerHttp2Stream, HttpHeaders>? Trailers
    {
        add { LoopThread.Subscribe(_loop, nameof(ServerHttp2Stream), ref _trailers, value, add: true); StartReading(); }
        remove => LoopThread.Subscribe(_loop, nameof(ServerHttp2Stream), ref _trailers, value, add: false);
    }

    /// <summary>Raised when the stream closes before its response was ended (a reset by either side, the connection lost).</summary>
    public event Action<ServerHttp2Stream>? Aborted
    {
        add => LoopThread.Subscribe(_loop, nameof(ServerHttp2Stream), ref _aborted, value, add: true);
        remove => LoopThread.Subscribe(_loop, nameof(ServerHttp2Stream), ref _aborted, value, add: false);
    }

    /// <summary>
    /// Raised before <see cref="Closed"/> when the stream was reset with a code other than NO_ERROR and CANCEL
    /// (ERR_HTTP2_STREAM_ERROR, as Node's), or destroyed with an error (<see cref="Destroy"/>).
    /// </summary>
    public event Action<ServerHttp2Stream, Exception>? Error
    {
        add => LoopThread.Subscribe(_loop, nameof(ServerHttp2Stream), ref _error, value, add: true);
        remove => LoopThread.Subscribe(_loop, nameof(ServerHttp2Stream), ref _error, value, add: false);
    }

    /// <summary>Raised once, last, when the stream is done with: both sides ended (and the response's last bytes written), or reset, or the connection closed.</summary>
    public event Action<ServerHttp2Stream>? Closed
    {
        add => LoopThread.Subscribe(_loop, nameof(ServerHttp2Stream), ref _close, value, add: true);
        remove => LoopThread.Subscribe(_loop, nameof(ServerHttp2Stream), ref _close, value, add: false);
    }

    /// <summary>
    /// Raised when a response that asked to wait for trailers (<see cref="Http2RespondOptions.WaitForTrailers"/>) has
    /// sent its last DATA: call <see cref="SendTrailers"/>. Without a handler empty trailers end the stream, as Node's.
    /// </summary>
    public event Action<ServerHttp2Stream>? WantTrailers
    {
        add => LoopThread.Subscribe(_loop, nameof(ServerHttp2Stream), ref _wantTrailers, value, add: true);
        remove => LoopThread.Subscribe(_loop, nameof(ServerHttp2Stream), ref _wantTrailers, value, add: false);
    }

    /// <summary>Raised when a <see cref="Write(ReadOnlySpan{byte})"/> that returned false may be followed by more: the stream's window opened and its buffer drained.</summary>
    public event Action<ServerHttp2Stream>? Drain
    {
        add => LoopThread.Subscribe(_loop, nameof(ServerHttp2Stream), ref _drain, value, add: true);
        remove => LoopThread.Subscribe(_loop, nameof(ServerHttp2Stream), ref _drain, value, add: false);
    }

    /// <summary>
    /// Sends the response's HEADERS, as Node's <c>respond(headers, options)</c>: <c>:status</c> among
    /// <paramref name="headers"/> (200 when absent), the other fields lower-cased, <c>date</c> added. The stream ends
    /// with them when <see cref="Http2RespondOptions.EndStream"/> is set, for 204, 205 and 304, and for a HEAD request.
    /// </summary>
    /// <exception cref="InvalidOperationException">The stream is closed (ERR_HTTP2_INVALID_STREAM) or its headers were sent (ERR_HTTP2_HEADERS_SENT).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><c>:status</c> is not a number from 200 to 599 (ERR_HTTP2_STATUS_INVALID).</exception>
    /// <exception cref="ArgumentException">
    /// A pseudo-header other than <c>:status</c> (ERR_HTTP2_INVALID_PSEUDOHEADER), a connection-specific field
    /// (ERR_HTTP2_INVALID_CONNECTION_HEADERS), or a name or value that is not valid (as <see cref="ServerResponse.SetHeader(string, string)"/>). Nothing is sent.
    /// </exception>
    public void Respond(IEnumerable<KeyValuePair<string, string>>? headers = null, Http2RespondOptions? options = null)
    {
        Verify();
        ServerResponse response = Live();
        if (HeadersSent || response.HeadersSent)
            throw new InvalidOperationException("Response has already been initiated (ERR_HTTP2_HEADERS_SENT).");
        var fields = CheckFields(headers, statusAllowed: true, out string? statusText);
        int status = 200;
        if (statusText is not null && (!TryParseStatus(statusText, out status) || status < 200 || status > 599))
            throw new ArgumentOutOfRangeException(nameof(headers), statusText, $"Invalid status code: {statusText} (ERR_HTTP2_STATUS_INVALID).");
        response.WriteHead(status, null, fields);
        HeadersSent = true;
        if (options?.WaitForTrailers == true)
            _stream!.Trailers = Http2TrailerState.Wanted;
        if (options?.EndStream == true || status is 204 or 205 or 304 || HeadRequest)
            response.End();
    }

    /// <summary>
    /// Sends an informational (1xx) HEADERS block before the response's, as Node's <c>additionalHeaders</c>:
    /// <c>:status</c> 100 to 199 but 101, and fields.
    /// </summary>
    /// <exception cref="InvalidOperationException">The stream is closed (ERR_HTTP2_INVALID_STREAM) or its response's HEADERS were sent (ERR_HTTP2_HEADERS_AFTER_RESPOND).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><c>:status</c> is missing or not 1xx (ERR_HTTP2_INVALID_INFO_STATUS).</exception>
    /// <exception cref="ArgumentException">
    /// <c>:status</c> is 101 (ERR_HTTP2_STATUS_101), another pseudo-header or a connection-specific field is there, or a
    /// name or value is invalid. Nothing is sent.
    /// </exception>
    public void AdditionalHeaders(IEnumerable<KeyValuePair<string, string>> headers)
    {
        Verify();
        ArgumentNullException.ThrowIfNull(headers);
        ServerResponse response = Live();
        if (HeadersSent)
            throw new InvalidOperationException("Cannot send informational headers after the HTTP message has been sent (ERR_HTTP2_HEADERS_AFTER_RESPOND).");
        var fields = CheckFields(headers, statusAllowed: true, out string? statusText);
        if (statusText == "101")
            throw new ArgumentException("HTTP status code 101 (Switching Protocols) is forbidden in HTTP/2 (ERR_HTTP2_STATUS_101).", nameof(headers));
        if (statusText is null || !TryParseStatus(statusText, out int status) || status < 100 || status > 199)
            throw new ArgumentOutOfRangeException(nameof(headers), statusText, $"Invalid informational status code: {statusText} (ERR_HTTP2_INVALID_INFO_STATUS).");
        response.WriteHttp2Fields(fields, status, endStream: false);
        _stream!.Owner.OnResponseOutput();
    }

    /// <summary>
    /// Writes body bytes as DATA, as the windows allow (the rest waits for WINDOW_UPDATE, on this stream only); the
    /// HEADERS go first (200) if <see cref="Respond"/> was not called. Returns false once the stream's buffer passed
    /// its high-water mark: wait for <see cref="Drain"/>. After <see cref="End(ReadOnlySpan{byte})"/> or on a closed
    /// stream nothing is written and false is returned (after End, <see cref="Error"/> is raised with ERR_STREAM_WRITE_AFTER_END).
    /// </summary>
    public bool Write(ReadOnlySpan<byte> data)
    {
        Verify();
        if (IsClosed || Destroyed)
            return false;
        ServerResponse response = Live();
        if (!HeadersSent)
            Respond(); // which ends a HEAD request's stream: this write comes after that end
        if (response.WritableEnded)
        {
            RaiseError(new NetException("ERR_STREAM_WRITE_AFTER_END", "write after end"));
            return false;
        }
        return response.Write(data);
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8; see <see cref="Write(ReadOnlySpan{byte})"/>.</summary>
    public bool Write(string text) => Write(Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// Ends the response, with <paramref name="data"/> as its last bytes: END_STREAM follows the DATA still waiting
    /// for window (or <see cref="WantTrailers"/> is raised, when the response waits for trailers). HEADERS (200) go
    /// first if <see cref="Respond"/> was not called. A second End does nothing; with data it is a write after end.
    /// </summary>
    public void End(ReadOnlySpan<byte> data = default)
    {
        Verify();
        if (IsClosed || Destroyed)
            return;
        ServerResponse response = Live();
        if (response.WritableEnded)
        {
            if (!data.IsEmpty)
                Write(data);
            return;
        }
        if (!HeadersSent)
            Respond();
        if (!response.WritableEnded)
            response.End(data);
    }

    /// <summary>Ends the response with <paramref name="text"/> as UTF-8; see <see cref="End(ReadOnlySpan{byte})"/>.</summary>
    public void End(string text) => End(Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// Sends the trailers that end a response which waited for them, as Node's <c>sendTrailers</c>: a HEADERS frame
    /// with END_STREAM (empty <paramref name="headers"/>: END_STREAM alone).
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// The stream is closed (ERR_HTTP2_INVALID_STREAM), the trailers were sent (ERR_HTTP2_TRAILERS_ALREADY_SENT), or
    /// <see cref="WantTrailers"/> has not been raised (ERR_HTTP2_TRAILERS_NOT_READY).
    /// </exception>
    /// <exception cref="ArgumentException">A pseudo-header (ERR_HTTP2_INVALID_PSEUDOHEADER) or an invalid name or value; nothing is sent.</exception>
    public void SendTrailers(IEnumerable<KeyValuePair<string, string>> headers)
    {
        Verify();
        ArgumentNullException.ThrowIfNull(headers);
        ServerResponse response = Live();
        Http2Stream stream = _stream!;
        if (stream.Trailers == Http2TrailerState.Sent)
            throw new InvalidOperationException("Trailing headers have already been sent (ERR_HTTP2_TRAILERS_ALREADY_SENT).");
        if (stream.Trailers != Http2TrailerState.Ready)
            throw new InvalidOperationException("Trailing headers cannot be sent until after the wantTrailers event is emitted (ERR_HTTP2_TRAILERS_NOT_READY).");
        var fields = CheckFields(headers, statusAllowed: false, out _);
        response.AddTrailers(fields);
        stream.Trailers = Http2TrailerState.Sent;
        stream.Owner.WriteEnd(stream);
        stream.Owner.OnResponseOutput();
    }

    /// <summary>
    /// Closes the stream with RST_STREAM <paramref name="code"/>, as Node's <c>close(code, callback)</c>:
    /// <see cref="Aborted"/> first if the response was not ended, then <see cref="Error"/> (for a code other than
    /// NO_ERROR and CANCEL) and <see cref="Closed"/>, within this call. <paramref name="callback"/> is added to
    /// <see cref="Closed"/>. A closed stream is left as it is.
    /// </summary>
    public void Close(Http2ErrorCode code = Http2ErrorCode.NoError, Action<ServerHttp2Stream>? callback = null)
    {
        Verify();
        if (IsClosed || Destroyed)
            return;
        if (callback is not null)
            _close += callback;
        Http2Stream stream = _stream!;
        bool ended = _response!.WritableEnded;
        IsClosed = true;
        if (!ended)
            Abort();
        if (stream.LocalClosed && (stream.RemoteClosed || stream.Reset))
            return; // both sides ended already: nothing to reset, the stream closes when its last bytes are written
        RstCode = code;
        stream.Owner.ResetStream(stream, code); // raises the response's and the request's Close: ours follows
    }

    /// <summary>
    /// Destroys the stream, as Node's <c>destroy(error)</c>: RST_STREAM INTERNAL_ERROR with <paramref name="error"/>
    /// (raised as <see cref="Error"/>), or the code given to <see cref="Close"/> (NO_ERROR) without one.
    /// </summary>
    public void Destroy(Exception? error = null)
    {
        Verify();
        if (Destroyed)
            return;
        _destroyError = error;
        if (_responseClosed && _requestClosed)
            DropHeld(); // both sides ended, the end waiting for Resume: nothing to reset
        else
            Close(error is null ? Http2ErrorCode.NoError : Http2ErrorCode.InternalError);
    }

    /// <summary>
    /// Stops raising <see cref="Data"/>: what arrives is held, and the stream's window is not given back (no
    /// WINDOW_UPDATE), so the client stops at it while other streams go on.
    /// </summary>
    public void Pause()
    {
        Verify();
        IsPaused = true;
        if (_stream is { } stream)
            stream.ReadPaused = true;
    }

    /// <summary>Raises <see cref="Data"/> again: first for what was held (then <see cref="Ended"/> if the request ended meanwhile), then gives the window back.</summary>
    public void Resume()
    {
        Verify();
        if (!IsPaused)
            return;
        IsPaused = false;
        if (_stream is { } stream)
            stream.ReadPaused = false;
        if (_resuming)
            return; // paused and resumed by a Data handler of this Resume: its loop goes on with what is held, in order
        if (_paused is { } held)
        {
            _paused = null;
            _resuming = true;
            try
            {
                foreach (byte[] chunk in held)
                {
                    OnData(chunk);
                    if (Destroyed)
                        return; // destroyed by a handler: what it held is dropped
                    if (IsPaused)
                    {
                        // Paused again by a handler: what is left waits, in order.
                        _paused = [.. held.SkipWhile(c => c != chunk).Skip(1), .. _paused ?? []];
                        return;
                    }
                }
            }
            finally
            {
                _resuming = false;
            }
        }
        if (_endPending)
        {
            _endPending = false;
            OnRequestEnd();
        }
        if (_stream is { } live && !live.Reset)
            live.Owner.ResumeBody(live);
    }

    /// <summary>Hooks the request's body the first time someone reads it here (before that, an unread body is held as the compatibility API holds it).</summary>
    private void StartReading()
    {
        if (_reading || _request is not { } request)
            return;
        _reading = true;
        request.Data += (_, data) => OnData(data);
        request.End += _ => OnRequestEnd();
    }

    private void OnData(ReadOnlySpan<byte> data)
    {
        if (IsPaused)
        {
            (_paused ??= []).Add(data.ToArray());
            return;
        }
        _data?.Invoke(this, data);
    }

    private void OnRequestEnd()
    {
        if (IsPaused && _paused is { Count: > 0 })
        {
            _endPending = true;
            return;
        }
        if (_request is { } request && _trailers is { } trailers && request.Trailers.Count > 0)
        {
            trailers(this, request.Trailers.Snapshot()); // a copy, as the headers: the request is pooled
            if (Destroyed)
                return; // destroyed by its Trailers handler: no Ended after Closed
        }
        _end?.Invoke(this);
        CloseIfDone();
    }

    /// <summary>
    /// Raises the server's Stream event for this stream. The compatibility handler runs first and may close it
    /// (Destroy): it is destroyed only after the Stream handler, whose subscribers hear Aborted and Closed then, as
    /// Node's listeners hear them on the next tick.
    /// </summary>
    internal void Announce()
    {
        _announcing = false;
        _server.RaiseStream(this, _request!, _response!, EndAfterHeaders);
        CloseIfDone();
    }

    /// <summary>The response was ended (or its last DATA sent) on a stream that waits for trailers.</summary>
    internal void RaiseWantTrailers()
    {
        if (_wantTrailers is null)
        {
            SendTrailers([]);
            return;
        }
        Raise(_wantTrailers);
    }

    private void Abort()
    {
        if (IsAborted)
            return;
        IsAborted = true;
        Raise(_aborted);
    }

    /// <summary>
    /// The response closed and the request is done with (ended, or cut short): the stream is destroyed. Aborted when
    /// its response had not ended, Error for a reset with an error code, then Close; the pair is let go.
    /// </summary>
    private void CloseIfDone()
    {
        if (Destroyed || !_responseClosed || !_requestClosed)
            return;
        ServerResponse response = _response!;
        Detach();
        if (_announcing)
            return; // closed by the compatibility handler, before the Stream event: Announce destroys it after that
        if (_endPending && response.Finished)
        {
            // As Node's: a stream that ended well (closed, as Node's stream.closed) waits for its reader to take what
            // it holds (Resume), or for its session's end, which destroys it.
            if (_connection!.Socket.Destroyed)
                DropHeld();
            else if (!_watchingSocket)
            {
                _watchingSocket = true;
                _connection.Socket.Closed += OnSocketClosed;
            }
            return;
        }
        _endPending = false; // reset, or the connection lost: what was held is dropped
        Destroyed = true;
        if (_watchingSocket)
            _connection!.Socket.Closed -= OnSocketClosed;
        _endedAtClose = response.WritableEnded;
        _headersSent = response.HeadersSent;
        if (!response.Finished && !response.WritableEnded)
            Abort();
        _request = null;
        _response = null;
        _paused = null;
        Exception? error = _destroyError;
        if (error is null && response.Finished is false && RstCode is not (Http2ErrorCode.NoError or Http2ErrorCode.Cancel))
            error = new NetException("ERR_HTTP2_STREAM_ERROR", $"Stream closed with error code {ErrorName(RstCode)}");
        if (error is not null)
            RaiseError(error);
        Raise(_close);
        response.LetGo();
    }

    private void OnSocketClosed(Socket socket, bool hadError) => DropHeld();

    /// <summary>Destroys a stream whose both sides ended while its end waits for Resume: what it holds is dropped.</summary>
    private void DropHeld()
    {
        _endPending = false;
        CloseIfDone();
    }

    /// <summary>
    /// Both sides are done with: the connection has forgotten the internal stream and pools it for its next stream, so
    /// nothing here may reach it past this point (a stream waiting for Resume would pause or credit another one).
    /// </summary>
    private void Detach()
    {
        if (_stream is not { } stream)
            return;
        IsClosed = true;
        if (stream.Reset && RstCode == Http2ErrorCode.NoError)
            RstCode = stream.ResetCode;
        stream.Api = null;
        _stream = null;
    }

    private void RaiseError(Exception error)
    {
        if (_error is not { } handlers)
            return;
        try
        {
            handlers(this, error);
        }
        catch (Exception e)
        {
            _server.ReportHandlerError(e, null);
        }
    }

    /// <summary>Raises an event, containing a handler that throws as a throwing request handler is (the stream is reset, or answered 500).</summary>
    private void Raise(Action<ServerHttp2Stream>? handlers)
    {
        if (handlers is null)
            return;
        try
        {
            handlers(this);
        }
        catch (Exception e)
        {
            _server.ReportHandlerError(e, _request);
            if (_response is { } response)
                HttpServer.FailHandler(response);
            if (_stream is { Trailers: Http2TrailerState.Ready })
                Close(Http2ErrorCode.InternalError); // its response ended: nothing else would end a stream waiting for trailers
        }
    }

    /// <summary>The response, for a member that sends: a stream gone refuses (ERR_HTTP2_INVALID_STREAM).</summary>
    private ServerResponse Live() => _response is { } response && !IsClosed
        ? response
        : throw new InvalidOperationException("The stream has been destroyed (ERR_HTTP2_INVALID_STREAM).");

    private void Verify([CallerMemberName] string member = "") => LoopThread.Verify(_loop, nameof(ServerHttp2Stream), member);

    /// <summary>
    /// Reads <paramref name="headers"/> once, checking every field before anything is sent: <c>:status</c> (when
    /// allowed) is handed back apart, another pseudo-header (ERR_HTTP2_INVALID_PSEUDOHEADER) or a connection-specific
    /// field (ERR_HTTP2_INVALID_CONNECTION_HEADERS) is refused, as is a name that is not a token or a value with CR, LF
    /// or NUL.
    /// </summary>
    private static List<KeyValuePair<string, string>> CheckFields(IEnumerable<KeyValuePair<string, string>>? headers, bool statusAllowed, out string? status)
    {
        status = null;
        var fields = new List<KeyValuePair<string, string>>();
        if (headers is null)
            return fields;
        foreach (var (name, value) in headers)
        {
            ArgumentNullException.ThrowIfNull(name, nameof(headers));
            ArgumentNullException.ThrowIfNull(value, nameof(headers));
            if (statusAllowed && name.Equals(":status", StringComparison.Ordinal))
            {
                status = value;
                continue;
            }
            if (name.StartsWith(':'))
                throw new ArgumentException($"\"{name}\" is an invalid pseudoheader or is used incorrectly (ERR_HTTP2_INVALID_PSEUDOHEADER).", nameof(headers));
            if (IsConnectionSpecific(name, value))
                throw new ArgumentException($"HTTP/1 Connection specific headers are forbidden: \"{name}\" (ERR_HTTP2_INVALID_CONNECTION_HEADERS).", nameof(headers));
            FieldValidation.ValidateName(name, "Header");
            FieldValidation.ValidateValue(name, value, "header");
            fields.Add(new(name, value));
        }
        return fields;
    }

    private static bool TryParseStatus(string text, out int status) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out status);

    /// <summary>Node's isIllegalConnectionSpecificHeader: fields of HTTP/1.1 connections, which HTTP/2 forbids (RFC 9113 §8.2.2).</summary>
    private static bool IsConnectionSpecific(string name, string value) =>
        name.Equals("connection", StringComparison.OrdinalIgnoreCase)
        || name.Equals("upgrade", StringComparison.OrdinalIgnoreCase)
        || name.Equals("host", StringComparison.OrdinalIgnoreCase)
        || name.Equals("http2-settings", StringComparison.OrdinalIgnoreCase)
        || name.Equals("keep-alive", StringComparison.OrdinalIgnoreCase)
        || name.Equals("proxy-connection", StringComparison.OrdinalIgnoreCase)
        || name.Equals("transfer-encoding", StringComparison.OrdinalIgnoreCase)
        || (name.Equals("te", StringComparison.OrdinalIgnoreCase) && !value.Equals("trailers", StringComparison.OrdinalIgnoreCase));

    /// <summary>nghttp2's name for a code, as Node's messages give it (NGHTTP2_PROTOCOL_ERROR), or the number.</summary>
    internal static string ErrorName(Http2ErrorCode code)
    {
        if (!Enum.IsDefined(code))
            return ((uint)code).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var name = new StringBuilder("NGHTTP2_");
        foreach (char c in code.ToString())
        {
            if (char.IsUpper(c) && name.Length > "NGHTTP2_".Length)
                name.Append('_');
            name.Append(char.ToUpperInvariant(c));
        }
        return name.ToString();
    }
}

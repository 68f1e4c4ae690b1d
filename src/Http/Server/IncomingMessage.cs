using System.Runtime.CompilerServices;
using System.Text;
using Uvnet.Http.Parsing;
using Uvnet.Net;

namespace Uvnet.Http.Server;

/// <summary>
/// A request, as Node's <c>http.IncomingMessage</c>: method, URL, version and headers, and the body as
/// <see cref="Data"/>/<see cref="End"/> events or <see cref="ReadBodyAsync"/>.
/// </summary>
/// <remarks>
/// Request and response objects are reused for later requests on the connection, but only once the response has
/// finished, the request's body has been read, and the handler has let them go: a synchronous handler by returning
/// with its response ended, an async one (<see cref="Http.CreateServer(Loop, Func{IncomingMessage, ServerResponse, Task}, HttpServerOptions?)"/>)
/// by completing its task. A handler that returns before its response has ended may keep both for as long as it
/// likes: they are never reused. Do not keep them past the handler otherwise. Body bytes reach
/// <see cref="Data"/> as a span, valid for the duration of the handler; <see cref="ReadBodyAsync"/> returns a copy
/// the caller owns. A body nobody reads is held (up to 64 KiB,
/// then the connection stops reading) until the response ends, then discarded, as Node does.
/// <para>A <see cref="Data"/> or <see cref="End"/> handler that throws is contained as a throwing request handler is
/// (see <see cref="HttpServer"/>): the rest of the body is dropped, and the response gets 500 if nothing of it was
/// sent, or its connection is destroyed if something was. The exception does not leave the loop.</para>
/// </remarks>
public sealed class IncomingMessage
{
    // Body bytes held for a reader that has not asked yet; past this the connection pauses (Node's 16 KiB
    // readable high-water mark, with room for a few TCP reads).
    internal const int MaxHeldBody = 64 * 1024;

    // What Trailers returns when the request had none (never loaded, so never changed: shared by every loop).
    private static readonly HttpHeaders s_noTrailers = new();

    private readonly HttpHeaders _headers = new();
    private readonly OutputBuffer _heldBody = new();
    private bool _headersLoaded;
    private string? _url;
    private string? _path;
    private string? _query;

    // The trailer section of a chunked body: kept apart from the head (RFC 9110 §6.5.2), made on the first request
    // that has one.
    private HttpRequestHead? _trailerHead;
    private HttpHeaders? _trailers;
    private bool _inTrailers;
    private bool _hasTrailers;
    private bool _trailersLoaded;
    private TaskCompletionSource<byte[]>? _bodyTask;

    // Why the body will never be whole (cut off, malformed, or bytes of it discarded, see Dumping): a read made after
    // the fact fails with it too, rather than taking the part that was held for the whole body.
    private Exception? _bodyFault;

    // The body events' handlers: subscribed on the loop only, since Recycle clears them for the next request there.
    private RequestDataHandler? _data;
    private Action<IncomingMessage>? _end;
    private Action<IncomingMessage>? _close, _timeout;
    private Action<IncomingMessage, Exception>? _error;

    // Node's readableEnded: the whole body reached someone reading it (a Data, End or ReadBodyAsync reader). A request
    // destroyed before that is aborted.
    private bool _readToEnd;
    private bool _closed;
    private bool _destroyed;

    // What Destroy was given: raised as Error once the socket it destroyed has closed (null: no Error, as Node).
    private Exception? _destroyError;

    internal IncomingMessage()
    {
    }

    internal HttpRequestHead Head { get; } = new();

    internal HttpConnection? Connection { get; set; }

    /// <summary>The response to this request while both are in use: a body handler that throws fails it.</summary>
    internal ServerResponse? Response { get; set; }

    /// <summary>The method: "GET", "POST", or any other token the client sent.</summary>
    public string Method { get; private set; } = "GET";

    /// <summary>The parsed method, for comparisons without strings.</summary>
    public HttpRequestMethod KnownMethod { get; private set; }

    /// <summary>The request-target as sent ("/path?query"), not decoded.</summary>
    public string Url
    {
        get
        {
            VerifyLoopThread();
            return _url ??= Live.Server.InternUrl(Head.Url);
        }
    }

    /// <summary>The request-target's bytes, as sent; valid while the request is.</summary>
    public ReadOnlySpan<byte> UrlBytes
    {
        get
        {
            VerifyLoopThread();
            return Head.Url;
        }
    }

    /// <summary>
    /// The path of the request-target, not decoded, whatever its form (RFC 9112 §3.2): <c>/a/b</c> for
    /// <c>/a/b?x=1</c> and for the absolute-form <c>http://host/a/b?x=1</c> (<c>/</c> when that has no path),
    /// <c>*</c> for <c>OPTIONS *</c>, empty for CONNECT's authority-form. Route by it rather than by <see cref="Url"/>.
    /// For a target that is a path alone it is the <see cref="Url"/> string itself (no allocation).
    /// </summary>
    public string Path
    {
        get
        {
            VerifyLoopThread();
            if (_path is null)
            {
                ReadOnlySpan<byte> path = PathBytes;
                _path = path.Length == Head.Url.Length ? Url : Encoding.Latin1.GetString(path);
            }
            return _path;
        }
    }

    /// <summary>The bytes of <see cref="Path"/>, a slice of the target (no allocation); valid while the request is.</summary>
    public ReadOnlySpan<byte> PathBytes
    {
        get
        {
            VerifyLoopThread();
            RequestTarget.Split(Head.Url, out ReadOnlySpan<byte> path, out _);
            return path;
        }
    }

    /// <summary>The query of the request-target, after its <c>?</c>, not decoded; empty when there is none.</summary>
    public string Query
    {
        get
        {
            VerifyLoopThread();
            if (_query is null)
            {
                RequestTarget.Split(Head.Url, out _, out ReadOnlySpan<byte> query);
                _query = query.IsEmpty ? "" : Encoding.Latin1.GetString(query);
            }
            return _query;
        }
    }

    /// <summary>"1.1" or "1.0".</summary>
    public string HttpVersion => HttpVersionMajor == 2 ? "2.0" : HttpVersionMinor == 1 ? "1.1" : "1.0";

    /// <summary>1, or 2 for a request that came over HTTP/2.</summary>
    public int HttpVersionMajor { get; private set; } = 1;

    /// <summary>1 or 0 (0 on HTTP/2, as Node's "2.0").</summary>
    public int HttpVersionMinor { get; private set; }

    /// <summary>The header fields.</summary>
    public HttpHeaders Headers
    {
        get
        {
            VerifyLoopThread();
            if (!_headersLoaded)
            {
                _headers.Load(Head, Live.Server.Loop, Live.Server.MaxHeadersCount);
                _headersLoaded = true;
            }
            return _headers;
        }
    }

    /// <summary>
    /// The trailer fields that ended a chunked body, as Node's <c>req.trailers</c>: complete once <see cref="End"/> is
    /// raised, empty when there were none. They are never merged into <see cref="Headers"/> (RFC 9110 §6.5.2: a
    /// trailer <c>Host</c> must not pass for the request's). The trailer section has the header section's limits
    /// (<see cref="HttpServerOptions.ParserLimits"/>), and may not carry framing fields.
    /// </summary>
    public HttpHeaders Trailers
    {
        get
        {
            VerifyLoopThread();
            if (!_hasTrailers)
                return s_noTrailers;
            if (!_trailersLoaded)
            {
                (_trailers ??= new HttpHeaders()).Load(_trailerHead!, Live.Server.Loop, maxCount: 0);
                _trailersLoaded = true;
            }
            return _trailers!;
        }
    }

    /// <summary>The connection's socket.</summary>
    public Socket Socket => Live.Socket;

    /// <summary>
    /// Whether the whole request, body included, has arrived and been parsed, as Node's <c>message.complete</c>:
    /// false for a request refused, cut by the connection's close or destroyed before its end.
    /// </summary>
    public bool Complete { get; private set; }

    /// <summary>
    /// Whether the request was aborted, as Node's <c>message.aborted</c>: its connection closed, or it was
    /// <see cref="Destroy"/>ed, before its body had been read to its end (a request whose body nobody reads counts
    /// as not read until its response has finished). Set before <see cref="Error"/> and <see cref="Close"/>.
    /// </summary>
    public bool Aborted { get; private set; }

    /// <summary>Whether the connection may serve another request after this one (RFC 9112 §9.3).</summary>
    public bool ShouldKeepAlive { get; private set; }

    /// <summary>
    /// Raised for each piece of the body, with the framing (chunks) removed. The bytes are a span over a buffer the
    /// connection reuses, valid only until the handler returns: keep a copy with <c>data.ToArray()</c>.
    /// </summary>
    public event RequestDataHandler? Data
    {
        add => LoopThread.Subscribe(Live.Server.Loop, nameof(IncomingMessage), ref _data, value, add: true);
        remove => LoopThread.Subscribe(Live.Server.Loop, nameof(IncomingMessage), ref _data, value, add: false);
    }

    /// <summary>Raised once the whole body has arrived.</summary>
    public event Action<IncomingMessage>? End
    {
        add => LoopThread.Subscribe(Live.Server.Loop, nameof(IncomingMessage), ref _end, value, add: true);
        remove => LoopThread.Subscribe(Live.Server.Loop, nameof(IncomingMessage), ref _end, value, add: false);
    }

    /// <summary>
    /// Raised once for every request, as Node's <c>close</c> on <c>req</c>, when the request is done with: right after
    /// <see cref="End"/> when someone reads the body (a Data, End or ReadBodyAsync reader), otherwise once its
    /// response has finished and the body has arrived; or, for a request cut short (<see cref="Aborted"/>), once its
    /// connection has closed, after <see cref="Error"/>. Not raised for an upgraded or CONNECT request, whose socket
    /// the handler owns.
    /// </summary>
    public event Action<IncomingMessage>? Close
    {
        add => LoopThread.Subscribe(Live.Server.Loop, nameof(IncomingMessage), ref _close, value, add: true);
        remove => LoopThread.Subscribe(Live.Server.Loop, nameof(IncomingMessage), ref _close, value, add: false);
    }

    /// <summary>
    /// Raised before <see cref="Close"/> when the connection closes before the request is done (a
    /// <see cref="NetException"/> ECONNRESET, "aborted", as Node's), or with the error given to <see cref="Destroy"/>.
    /// </summary>
    public event Action<IncomingMessage, Exception>? Error
    {
        add => LoopThread.Subscribe(Live.Server.Loop, nameof(IncomingMessage), ref _error, value, add: true);
        remove => LoopThread.Subscribe(Live.Server.Loop, nameof(IncomingMessage), ref _error, value, add: false);
    }

    /// <summary>
    /// Raised while this request is still arriving when its connection has been idle for the socket's timeout (see
    /// <see cref="SetTimeout"/> and <see cref="HttpServer.SetTimeout"/>), as Node's <c>timeout</c> on <c>req</c>.
    /// A handler here keeps the socket from being destroyed: it decides.
    /// </summary>
    public event Action<IncomingMessage>? Timeout
    {
        add => LoopThread.Subscribe(Live.Server.Loop, nameof(IncomingMessage), ref _timeout, value, add: true);
        remove => LoopThread.Subscribe(Live.Server.Loop, nameof(IncomingMessage), ref _timeout, value, add: false);
    }

    /// <summary>
    /// Sets the connection's idle timeout to <paramref name="milliseconds"/> (0: none), as Node's
    /// <c>req.setTimeout</c>: <see cref="Timeout"/> is raised while the request still arrives, and
    /// <paramref name="callback"/>, when given, is added to it. It lasts until the connection has no response left
    /// to send; then the server's (<see cref="HttpServer.SetTimeout"/>) applies again, as in Node, so that a later
    /// request on the kept-alive connection does not inherit it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="milliseconds"/> is negative.</exception>
    public IncomingMessage SetTimeout(long milliseconds, Action<IncomingMessage>? callback = null)
    {
        VerifyLoopThread();
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds);
        if (callback is not null)
            _timeout += callback;
        Live.SetRequestTimeout(milliseconds);
        return this;
    }

    /// <summary>
    /// Destroys the request, as Node's <c>req.destroy(error)</c>. A request not yet read to its end is
    /// <see cref="Aborted"/>: its connection is destroyed (with <paramref name="error"/>, raised on the socket), and once
    /// it has closed the request raises <see cref="Error"/> (when <paramref name="error"/> is given) and
    /// <see cref="Close"/>. A request already read to its end only raises <see cref="Close"/> (now, if not raised
    /// yet): its response can still be sent. A second call does nothing.
    /// </summary>
    public void Destroy(Exception? error = null)
    {
        VerifyLoopThread();
        if (_destroyed || _closed)
            return;
        _destroyed = true;
        if (_readToEnd)
        {
            RaiseClose();
            return;
        }
        Aborted = true;
        _destroyError = error;
        if (Stream is { } stream)
            stream.Owner.ResetStream(stream, Http2.Http2ErrorCode.Cancel); // only this stream: raises Error and Close
        else
            Live.Socket.Destroy(error); // the close that follows raises Error and Close (OnConnectionClosed)
    }

    /// <summary>
    /// The whole body, once it has arrived (empty when there is none). Reading resumes if it had paused for an
    /// unread body. Everything is kept in memory: for large bodies, use <see cref="Data"/>. Fails with a
    /// <see cref="HttpClientError"/> for a malformed body, with a <see cref="NetException"/> (ECONNRESET, "aborted")
    /// when the connection closes first, and with an <see cref="InvalidOperationException"/> when bytes of the body
    /// were dropped: its response finished while nobody read it (it is dumped then, as in Node), or a
    /// <see cref="Data"/> handler threw. A read asked for after the body went wrong fails the same way: the part
    /// received is never handed over as the whole. Read the body (this call, or a Data handler) before ending the
    /// response.
    /// </summary>
    public Task<byte[]> ReadBodyAsync()
    {
        VerifyLoopThread();
        if (BodyDone)
        {
            if (_bodyFault is { } fault)
                return Task.FromException<byte[]>(fault);
            _readToEnd = true;
            return Task.FromResult(TakeHeldBody());
        }
        _bodyTask ??= new TaskCompletionSource<byte[]>();
        if (Stream is { } stream)
            stream.Owner.ResumeBody(stream);
        else
            Live.ResumeAfterBody();
        return _bodyTask.Task;
    }

    /// <summary>Refuses a call from off the loop's thread (see <see cref="LoopThread"/>).</summary>
    // The connection, for any member: a request kept past its use (recycled with its connection, or answered and
    // back in the pool) names the misuse instead of failing inside with a NullReferenceException.
    private HttpConnection Live => Connection ?? throw new ObjectDisposedException(nameof(IncomingMessage),
        "This request was answered and recycled; do not keep a request or its response past the handler.");

    private void VerifyLoopThread([CallerMemberName] string member = "") =>
        LoopThread.Verify(Live.Server.Loop, nameof(IncomingMessage), member);

    /// <summary>Whether nothing more of the request will be read: it is complete, refused or cut short.</summary>
    internal bool BodyDone { get; private set; }

    /// <summary>Whether the body was left to the connection to drop (the response finished first).</summary>
    internal bool Dumping { get; set; }

    /// <summary>Whether its response has finished (raised Finish): the request is done with once its body has arrived.</summary>
    internal bool ResponseFinished { get; set; }

    /// <summary>Whether its response has finished (the request may then be recycled once complete).</summary>
    internal bool Answered { get; set; }

    /// <summary>Whether it has its response (queued for a handler or answered by the server): that is its one final response.</summary>
    internal bool Dispatched { get; set; }

    /// <summary>Whether its handler still holds it (see <see cref="ServerResponse.Held"/>): not recycled then.</summary>
    internal bool Held { get; set; }

    /// <summary>Whether someone reads the body (Data handlers or <see cref="ReadBodyAsync"/>): it is not dumped when the response finishes first, as in Node.</summary>
    internal bool IsConsumed => _data is not null || _bodyTask is not null;

    internal bool HoldsTooMuch => _bodyTask is null && _heldBody.Length >= MaxHeldBody;

    /// <summary>The HTTP/2 stream the request came on, or null on HTTP/1.1.</summary>
    internal Http2.Http2Stream? Stream { get; private set; }

    /// <summary>
    /// The object of Uvnet's own that handles this request's events (the proxy's exchange), found by its handlers
    /// without a table; whoever sets it clears it when done (the request is pooled).
    /// </summary>
    internal object? Handler { get; set; }

    internal void Begin(HttpConnection connection)
    {
        Connection = connection;
        Stream = null;
        HttpVersionMajor = 1;
        Head.Clear();
        _headersLoaded = false;
        _url = null;
        _path = null;
        _query = null;
        _inTrailers = false;
        _hasTrailers = false;
        _trailersLoaded = false;
        Complete = BodyDone = Aborted = false;
        _readToEnd = _closed = _destroyed = ResponseFinished = false;
        _destroyError = null;
        Dumping = false;
        _bodyFault = null;
        Answered = false;
        Dispatched = false;
        Held = false;
    }

    internal void OnHeadersComplete(HttpRequestParser parser)
    {
        KnownMethod = parser.Method;
        Method = KnownMethods.Name(parser.Method) ?? Encoding.ASCII.GetString(Head.Method);
        HttpVersionMinor = parser.VersionMinor;
        ShouldKeepAlive = parser.ShouldKeepAlive;
    }

    /// <summary>The head of an HTTP/2 request checked out (see <see cref="Http2.Http2RequestFields"/>): method and version.</summary>
    internal void BeginHttp2(Http2.Http2Stream stream, HttpRequestMethod method)
    {
        Stream = stream;
        KnownMethod = method;
        Method = KnownMethods.Name(method) ?? Encoding.ASCII.GetString(Head.Method);
        HttpVersionMajor = 2;
        HttpVersionMinor = 0;
        ShouldKeepAlive = true;
    }

    /// <summary>An HTTP/2 trailer section arrives: the head its fields go to.</summary>
    internal HttpRequestHead BeginHttp2Trailers()
    {
        BeginTrailers();
        _hasTrailers = true;
        return _trailerHead!;
    }

    /// <summary>The last chunk has arrived: the fields that follow are trailers, not headers.</summary>
    internal void BeginTrailers()
    {
        _inTrailers = true;
        (_trailerHead ??= new HttpRequestHead()).Clear();
    }

    /// <summary>A piece of a field name, of the header section or (after <see cref="BeginTrailers"/>) of the trailer section.</summary>
    internal void AppendFieldName(ReadOnlySpan<byte> name)
    {
        if (_inTrailers)
        {
            _hasTrailers = true;
            _trailerHead!.AppendHeaderName(name);
        }
        else
        {
            Head.AppendHeaderName(name);
        }
    }

    /// <summary>A piece of a field value, of the section its name is in.</summary>
    internal void AppendFieldValue(ReadOnlySpan<byte> value) => (_inTrailers ? _trailerHead! : Head).AppendHeaderValue(value);

    internal void OnBody(ReadOnlySpan<byte> data)
    {
        // The parser goes on through the rest of a read after a handler destroyed the socket: as in Node, a
        // destroyed request raises no more body events.
        if (Dumping || IsDestroyed)
        {
            if (Dumping && !data.IsEmpty)
                DropBody();
            return;
        }
        if (_data is { } handlers)
        {
            try
            {
                handlers(this, data);
            }
            catch (Exception e)
            {
                Dumping = true; // the handler that threw gets no more of the body
                FailResponse(e);
            }
            return;
        }
        _heldBody.Write(data);
    }

    // On HTTP/2 the request ends with its stream: a reset one (Destroy, the client's RST_STREAM) hears nothing more.
    private bool IsDestroyed => Stream is { } stream ? stream.Reset : Live.Socket.Destroyed;

    internal void OnComplete()
    {
        if (IsDestroyed)
        {
            AbortBody(); // the bytes after the destroy were dropped: no End, and no body
            if (ResponseFinished)
                OnConnectionClosed(); // no longer parsed nor queued, the close would not reach it: cut short now
            return;
        }
        Complete = BodyDone = true;
        _readToEnd = (IsConsumed || _end is not null) && _bodyFault is null;
        try
        {
            _end?.Invoke(this);
        }
        catch (Exception e)
        {
            FailResponse(e);
        }
        if (_bodyTask is { } task)
        {
            _bodyTask = null;
            if (_bodyFault is { } fault)
                task.SetException(fault);
            else
                task.SetResult(TakeHeldBody());
        }
        if (_readToEnd || ResponseFinished)
            RaiseClose(); // read to its end, or dropped after its response: done with, as Node's autoDestroy after end
    }

    /// <summary>Raises <see cref="Close"/> once; a handler that throws is reported (the request is done with: nothing to fail).</summary>
    internal void RaiseClose()
    {
        if (_closed)
            return;
        _closed = true;
        if (_close is not { } handlers)
            return; // the common case: no handler, no protected call
        try
        {
            handlers(this);
        }
        catch (Exception e)
        {
            Live.Server.ReportHandlerError(e, this);
        }
    }

    /// <summary>
    /// The connection closed (or will never send this request's response): a request not done with is aborted, as
    /// Node's abortIncoming (unless it was read to its end), raises <see cref="Error"/> (ECONNRESET "aborted", or the
    /// error given to <see cref="Destroy"/>) and then <see cref="Close"/>.
    /// </summary>
    internal void OnConnectionClosed()
    {
        if (_closed)
            return;
        AbortBody(); // a reader waiting for the body gets ECONNRESET rather than waiting forever
        if (!_readToEnd)
            Aborted = true;
        Exception? error = _destroyed ? _destroyError : new NetException("ECONNRESET", "aborted");
        if (error is not null && _error is { } handlers)
        {
            try
            {
                handlers(this, error);
            }
            catch (Exception e)
            {
                Live.Server.ReportHandlerError(e, this);
            }
        }
        RaiseClose();
    }

    /// <summary>The connection has been idle for its socket's timeout: true when a <see cref="Timeout"/> handler took it.</summary>
    internal bool RaiseTimeout()
    {
        if (_timeout is not { } handlers)
            return false;
        try
        {
            handlers(this);
        }
        catch (Exception e)
        {
            FailResponse(e);
        }
        return true;
    }

    /// <summary>A body handler threw: contained as a throwing request handler is, inside the parser's callback (the exception must not unwind the parser).</summary>
    private void FailResponse(Exception error)
    {
        Live.Server.ReportHandlerError(error, this);
        if (Response is { } response)
            HttpServer.FailHandler(response);
    }

    /// <summary>A refused request: nothing more of it will be read.</summary>
    internal void MarkComplete() => BodyDone = true;

    /// <summary>
    /// The connection closed, or was destroyed, before the whole body was read: a reader waiting for it gets
    /// ECONNRESET ("aborted"), as in Node, rather than waiting forever.
    /// </summary>
    internal void AbortBody() => Abort(new NetException("ECONNRESET", "aborted"));

    /// <summary>Its body turned out malformed, or will never arrive: nothing more of it will be read, and a reader waiting for it gets the error.</summary>
    internal void Abort(Exception error)
    {
        MarkComplete();
        _bodyFault ??= error; // a read asked for later fails too: what was held is not the body
        if (_bodyTask is { } task)
        {
            _bodyTask = null;
            task.SetException(_bodyFault);
        }
    }

    /// <summary>The response finished before the body arrived: drop what is held and what is still to come.</summary>
    internal void StartDumping()
    {
        Dumping = true;
        if (_heldBody.Length > 0)
            DropBody();
        _heldBody.Release();
    }

    internal void Recycle()
    {
        _data = null;
        _end = null;
        _close = _timeout = null;
        _error = null;
        _heldBody.Release();
        _bodyTask = null;
        Connection = null;
        Response = null;
        Stream = null;
        Handler = null;
    }

    /// <summary>Bytes of the body were discarded: it can no longer be read whole.</summary>
    private void DropBody() => _bodyFault ??= new InvalidOperationException(
        "The request body was dropped: its response finished before anything read it. Call ReadBodyAsync (or subscribe Data) before ending the response.");

    private byte[] TakeHeldBody()
    {
        ArraySegment<byte> held = _heldBody.Detach();
        byte[] body = held.AsSpan().ToArray();
        if (held.Array is { Length: > 0 } array)
            OutputArrays.Return(array);
        return body;
    }
}

using System.Globalization;
using System.Text;
using Uvnet.Http.Parsing;
using Uvnet.Http.Server;
using Uvnet.Net;
using Uvnet.Tls;

namespace Uvnet.Http.Client;

/// <summary>
/// An outgoing request, as Node's <c>http.ClientRequest</c>: made by <see cref="Http.Request(Loop, RequestOptions, Action{ClientResponse}?)"/>,
/// it takes a connection from its <see cref="Agent"/> on the next loop turn, sends its head with the first
/// <see cref="Write(ReadOnlySpan{byte})"/>, <see cref="End(ReadOnlySpan{byte})"/> or <see cref="FlushHeaders"/>,
/// and raises <see cref="Response"/> when the response's head arrives. Members are for the loop's thread.
/// </summary>
/// <remarks>
/// Framing as Node's: a body given whole to End is sent with Content-Length; a body written before End is chunked;
/// GET, HEAD, DELETE, OPTIONS, TRACE and CONNECT without a body send neither; a Content-Length or
/// Transfer-Encoding set by the caller is kept. Events are raised in Node's order: <see cref="Socket"/>,
/// <see cref="Information"/> for each interim response, <see cref="Response"/>, then <see cref="Close"/> once the
/// response has closed; or <see cref="Error"/> then <see cref="Close"/>.
/// </remarks>
public sealed partial class ClientRequest
{
    // The high-water mark of what a request holds before its connection is assigned, as a socket's.
    private const int HighWaterMark = 16 * 1024;

    // A request sent on a reused connection keeps what it sent, up to this, for the one retry of the reuse race.
    private const int MaxReplay = 64 * 1024;

    private readonly List<KeyValuePair<string, string>> _headers = [];
    private readonly OutputBuffer _out = new();
    private readonly OutputBuffer _replayStore = new(); // what _replay holds, kept across uses
    private OutputBuffer? _replay;
    private OutputBuffer? _replayBytes; // what the retry sends first, until its fresh connection is assigned
    private ClientConnection? _connection;
    private bool _headSent, _chunked, _ended, _finished, _destroyed, _closed, _needDrain, _retried, _retryIdempotentOnly;
    private long _timeout, _declaredLength = -1, _bodyBytes;
    private bool _live, _recyclable, _recycleDeferred, _retained;
    private bool _pipelinableHead; // no Expect or Upgrade field: set with the head, when the fields are final
    private bool _framingChecked; // FramingProblem found none in the fields as they are (_declaredLength is theirs)
    private ClientResponse? _pairedResponse; // made once, reused with the request
    private Action<ClientResponse>? _callback; // Http.Request's callback, a Response handler that needs no closure
    private string? _hostField, _hostFieldFor; // the default Host field and the host it was made for (with _hostFieldPort and _hostFieldSecure)
    private int _hostFieldPort;
    private bool _hostFieldSecure; // whether it was made for https, whose default port (443) it leaves out
    private string _method = "";

    private Action<ClientRequest, ClientResponse>? _response;
    private Action<ClientRequest, InformationalResponse>? _information;
    private Action<ClientRequest>? _continue, _timeoutEvent, _close, _finish, _drain;
    private Action<ClientRequest, ClientResponse, Socket, byte[]>? _upgrade;
    private Action<ClientRequest, Socket>? _socket;
    private Action<ClientRequest, Exception>? _error;

    private ClientRequest(Loop loop) => Loop = loop;

    /// <summary>
    /// Makes a request of <paramref name="options"/> (its method replaced by <paramref name="method"/> when given), a
    /// recycled one when <paramref name="agent"/> recycles them and <paramref name="recyclable"/>. Validates everything first.
    /// </summary>
    internal static ClientRequest Make(Loop loop, RequestOptions options, Agent? agent, string? method, Action<ClientResponse>? callback, bool recyclable)
    {
        method ??= options.Method;
        string host = options.Hostname ?? options.Host;
        Validate(method, options.Path, host, options.Port);
        options.Tls?.Validate(); // and its OpenSSL context made: a refused certificate throws here, not in the agent
        long declaredLength = -1;
        if (options.Headers is { } headers)
        {
            for (int i = 0; i < headers.Count; i++)
            {
                var (name, value) = headers[i];
                FieldValidation.ValidateName(name, "Header");
                FieldValidation.ValidateValue(name, value, "header");
            }
            if (FramingProblem(headers, out declaredLength) is { } problem)
                throw new ArgumentException(problem, nameof(options));
        }
        recyclable &= agent is { Options.RecycleRequests: true };
        ClientRequest request = (recyclable ? agent!.RentRequest() : null) ?? new ClientRequest(loop);
        request.Begin(options, agent, method, host, callback, recyclable, declaredLength);
        return request;
    }

    /// <summary>This use's settings, validated by <see cref="Make"/>: <paramref name="declaredLength"/> is the Content-Length its <see cref="FramingProblem"/> found, or -1.</summary>
    private void Begin(RequestOptions options, Agent? agent, string method, string host, Action<ClientResponse>? callback, bool recyclable, long declaredLength)
    {
        _live = true;
        _recyclable = recyclable;
        Agent = agent;
        _callback = callback;
        // As Node's: a "head" must skip the body of its response as HEAD does. A token is ASCII: no lowercase letter, no new string.
        _method = method.AsSpan().ContainsAnyInRange('a', 'z') ? method.ToUpperInvariant() : method;
        Path = options.Path;
        Host = host;
        Port = options.Port;
        Tls = options.Tls;
        bool hasHost = false;
        if (options.Headers is { } headers)
        {
            for (int i = 0; i < headers.Count; i++)
            {
                _headers.Add(headers[i]);
                hasHost |= IsField(headers[i].Key, "Host");
            }
        }
        if (!hasHost)
            _headers.Add(new("Host", HostField()));
        _declaredLength = declaredLength;
        _framingChecked = true; // by Make, and the Host added changes nothing of it
        _timeout = options.Timeout > 0 ? options.Timeout : agent?.Options.Timeout ?? 0;
        _retryIdempotentOnly = options.RetryIdempotentOnly;
    }

    /// <summary>The default Host field, made again only when the request's origin is not the previous use's.</summary>
    private string HostField()
    {
        if (_hostField is null || _hostFieldFor != Host || _hostFieldPort != Port || _hostFieldSecure != (Tls is not null))
        {
            string host = Host.Contains(':') ? $"[{Host}]" : Host;
            _hostField = Port == (Tls is null ? 80 : 443) ? host : $"{host}:{Port}";
            _hostFieldFor = Host;
            _hostFieldPort = Port;
            _hostFieldSecure = Tls is not null;
        }
        return _hostField;
    }

    /// <summary>
    /// Ends this use once the request has closed, when its agent recycles requests and nothing can reach the pair any
    /// more (no upgrade took the socket, no write of it is still going out): the agent hands it out again.
    /// </summary>
    private void Recycle()
    {
        if (!_recyclable || !_closed || !_live || _retained || !_out.IsEmpty || _connection is not null || _headSent && !_finished)
            return; // a write still going out raises Finish on this use later, and its connection may hold it until then
        Agent agent = Agent!;
        _live = false;
        _pairedResponse?.Recycle();
        _headers.Clear();
        ReleaseOutput();
        _headSent = _chunked = _ended = _finished = _destroyed = _closed = _needDrain = _retried = _framingChecked = false;
        _declaredLength = -1;
        _bodyBytes = 0;
        _response = null;
        _information = null;
        _continue = _timeoutEvent = _close = _finish = _drain = null;
        _upgrade = null;
        _socket = null;
        _error = null;
        _callback = null;
        Handler = null;
        Res = null;
        ReusedSocket = KeepAlive = false;
        agent.ReturnRequest(this);
    }

    /// <summary>
    /// Keeps the pair from being recycled after its Close until <see cref="Unretain"/>: the proxy's filters read an
    /// exchange's upstream request and response until the exchange ends, which may be after the request closed.
    /// </summary>
    internal void Retain() => _retained = true;

    /// <summary>Ends <see cref="Retain"/>: the pair is recycled (later in the loop's iteration) once it has closed, or when it closes.</summary>
    internal void Unretain()
    {
        _retained = false;
        DeferRecycle();
    }

    /// <summary>
    /// The object of Uvnet's own that handles this request's events (the proxy's exchange), found by its handlers
    /// without a table; whoever sets it clears it when done (the request is recycled).
    /// </summary>
    internal object? Handler { get; set; }

    /// <summary>The loop the request runs on.</summary>
    public Loop Loop { get; }

    /// <summary>The TLS settings of an https request (<see cref="RequestOptions.Tls"/>); null for http.</summary>
    public TlsClientOptions? Tls
    {
        get => Use(field);
        private set;
    }

    /// <summary>The agent whose pool serves it; null for <see cref="RequestOptions.NoAgent"/>.</summary>
    public Agent? Agent
    {
        get => Use(field);
        private set;
    }

    /// <summary>The method.</summary>
    public string Method => Use(_method);

    /// <summary>The request-target.</summary>
    public string Path
    {
        get => Use(field);
        private set;
    } = "";

    /// <summary>The host connected to.</summary>
    public string Host
    {
        get => Use(field);
        private set;
    } = "";

    /// <summary>The port connected to.</summary>
    public int Port
    {
        get => Use(field);
        private set;
    }

    /// <summary>The connection's socket once one is assigned (<see cref="Socket"/> event), else null.</summary>
    public Socket? Connection => Use(_connection?.Socket);

    /// <summary>Whether the request went out on a connection that had served another (Node's <c>reusedSocket</c>).</summary>
    public bool ReusedSocket
    {
        get => Use(field);
        private set;
    }

    /// <summary>Whether the head has been formatted for sending (Node's <c>headersSent</c>): headers can no longer change.</summary>
    public bool HeadersSent => Use(_headSent);

    /// <summary>Whether <see cref="End(ReadOnlySpan{byte})"/> was called (Node's <c>writableEnded</c>).</summary>
    public bool WritableEnded => Use(_ended);

    /// <summary>Whether every byte of the request was handed to the kernel (Node's <c>writableFinished</c>).</summary>
    public bool WritableFinished => Use(_finished);

    /// <summary>Whether <see cref="Destroy"/> was called or the request closed (Node's <c>destroyed</c>): nothing more can be written.</summary>
    public bool Destroyed => Use(_destroyed);

    /// <summary>The response once its head arrived (Node's <c>req.res</c>).</summary>
    public ClientResponse? Res
    {
        get => Use(field);
        private set;
    }

    internal bool IsHead => _method == "HEAD";

    internal bool IsConnect => _method == "CONNECT";

    internal long TimeoutMs => _timeout;

    /// <summary>Whether the head sent asks to keep the connection (no <c>Connection: close</c>, the caller's included).</summary>
    internal bool KeepAlive { get; private set; }

    /// <summary>The response's head arrived (the callback given to Http.Request is one of these handlers).</summary>
    public event Action<ClientRequest, ClientResponse>? Response { add => Sub(ref _response, value, true); remove => Sub(ref _response, value, false); }

    /// <summary>An interim 1xx response other than 101 arrived (100 Continue, 103 Early Hints...), as Node's <c>information</c>.</summary>
    public event Action<ClientRequest, InformationalResponse>? Information { add => Sub(ref _information, value, true); remove => Sub(ref _information, value, false); }

    /// <summary>The server answered 100 Continue: send the body of an <c>Expect: 100-continue</c> request now.</summary>
    public event Action<ClientRequest>? Continue { add => Sub(ref _continue, value, true); remove => Sub(ref _continue, value, false); }

    /// <summary>
    /// The server switched protocols (101, or 2xx to CONNECT): the socket is handed over with the bytes read past the
    /// response's head (an array the handler owns). With no handler the socket is destroyed, as Node's.
    /// </summary>
    public event Action<ClientRequest, ClientResponse, Socket, byte[]>? Upgrade { add => Sub(ref _upgrade, value, true); remove => Sub(ref _upgrade, value, false); }

    /// <summary>A connection was assigned (new or reused).</summary>
    public event Action<ClientRequest, Socket>? Socket { add => Sub(ref _socket, value, true); remove => Sub(ref _socket, value, false); }

    /// <summary>The socket was idle for the request's timeout; nothing is ended: call <see cref="Destroy"/> to give up.</summary>
    public event Action<ClientRequest>? Timeout { add => Sub(ref _timeoutEvent, value, true); remove => Sub(ref _timeoutEvent, value, false); }

    /// <summary>
    /// The request failed before its response arrived: connect errors (ECONNREFUSED, ENOTFOUND, ETIMEDOUT...), ECONNRESET
    /// "socket hang up" when the connection closed first, an <see cref="HttpResponseError"/> for a malformed response,
    /// or the error given to <see cref="Destroy"/>. <see cref="Close"/> follows.
    /// </summary>
    public event Action<ClientRequest, Exception>? Error { add => Sub(ref _error, value, true); remove => Sub(ref _error, value, false); }

    /// <summary>Raised once, last: after the response closed, or after Error, or after Destroy.</summary>
    public event Action<ClientRequest>? Close { add => Sub(ref _close, value, true); remove => Sub(ref _close, value, false); }

    /// <summary>The whole request was handed to the kernel.</summary>
    public event Action<ClientRequest>? Finish { add => Sub(ref _finish, value, true); remove => Sub(ref _finish, value, false); }

    /// <summary>A <see cref="Write(ReadOnlySpan{byte})"/> returned false and the bytes have since gone out: write more.</summary>
    public event Action<ClientRequest>? Drain { add => Sub(ref _drain, value, true); remove => Sub(ref _drain, value, false); }

    /// <summary>Sets a header field, replacing one of the same name (any case).</summary>
    /// <exception cref="ArgumentException">The name is not a token or the value holds CR, LF, NUL or another forbidden character.</exception>
    /// <exception cref="InvalidOperationException">The head was sent (ERR_HTTP_HEADERS_SENT).</exception>
    public void SetHeader(string name, string value)
    {
        VerifyLoopThread();
        FieldValidation.ValidateName(name, "Header");
        FieldValidation.ValidateValue(name, value, "header");
        VerifyHeadNotSent("set");
        _headers.RemoveAll(p => p.Key.Equals(name, StringComparison.OrdinalIgnoreCase));
        _headers.Add(new(name, value));
        _framingChecked = false;
    }

    /// <summary>The value of a header field set on the request, or null.</summary>
    public string? GetHeader(string name)
    {
        VerifyLoopThread();
        ArgumentNullException.ThrowIfNull(name);
        return HttpHeaders.Join(_headers, name);
    }

    /// <summary>Whether a header field of that name is set.</summary>
    public bool HasHeader(string name) => GetHeader(name) is not null;

    /// <summary>Removes a header field (Node's default Host too).</summary>
    /// <exception cref="InvalidOperationException">The head was sent (ERR_HTTP_HEADERS_SENT).</exception>
    public void RemoveHeader(string name)
    {
        VerifyLoopThread();
        ArgumentNullException.ThrowIfNull(name);
        VerifyHeadNotSent("remove");
        _headers.RemoveAll(p => p.Key.Equals(name, StringComparison.OrdinalIgnoreCase));
        _framingChecked = false;
    }

    /// <summary>Sends the head now, with a chunked body to follow unless a Content-Length was set.</summary>
    public void FlushHeaders()
    {
        VerifyWritable();
        VerifyLength(0, ending: false);
        if (!_headSent)
            WriteHead(contentLength: -1);
        Flush();
    }

    /// <summary>
    /// Sends a piece of the body (copied: the caller may reuse its buffer). Returns false once what waits to be sent
    /// reaches 16 KiB: stop until <see cref="Drain"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The request was ended (ERR_STREAM_WRITE_AFTER_END) or destroyed (ERR_STREAM_DESTROYED),
    /// the bytes would pass a Content-Length set on it (ERR_HTTP_CONTENT_LENGTH_MISMATCH), or its framing fields are ambiguous.</exception>
    public bool Write(ReadOnlySpan<byte> data)
    {
        VerifyWritable();
        VerifyLength(data.Length, ending: false);
        if (!_headSent)
            WriteHead(contentLength: -1);
        WriteBody(data);
        Flush();
        bool below = Backlog < HighWaterMark;
        _needDrain |= !below;
        return below;
    }

    /// <summary>Sends <paramref name="text"/> as UTF-8 (see <see cref="Write(ReadOnlySpan{byte})"/>).</summary>
    public bool Write(string text) => Write(Encoding.UTF8.GetBytes(text ?? throw new ArgumentNullException(nameof(text))));

    /// <summary>Ends the request, with a last piece of body: the whole body when nothing was written before (Content-Length).</summary>
    /// <exception cref="InvalidOperationException">The request was ended already or destroyed, the body would not match
    /// a Content-Length set on it (ERR_HTTP_CONTENT_LENGTH_MISMATCH), or its framing fields are ambiguous.</exception>
    public void End(ReadOnlySpan<byte> data = default)
    {
        VerifyWritable();
        VerifyLength(data.Length, ending: true);
        if (!_headSent)
            WriteHead(contentLength: data.Length);
        WriteBody(data);
        if (_chunked)
            _out.Write("0\r\n\r\n"u8);
        _ended = true;
        Flush();
    }

    /// <summary>Ends the request with <paramref name="text"/> as UTF-8.</summary>
    public void End(string text) => End(Encoding.UTF8.GetBytes(text ?? throw new ArgumentNullException(nameof(text))));

    /// <summary>
    /// Destroys the request and its connection (never reused). <see cref="Error"/> is raised with
    /// <paramref name="error"/> when one is given, then <see cref="Close"/>, once the calling code has returned to the loop; a response in progress is
    /// aborted. Calls after the first do nothing.
    /// </summary>
    public void Destroy(Exception? error = null)
    {
        VerifyLoopThread();
        if (_destroyed)
            return;
        if (IsWaiting)
            Agent?.RemoveWaiting(this); // never to take a connection later, nor count as Pending
        _destroyed = true;
        ReleaseOutput();
        ClientConnection? connection = _connection;
        _connection = null;
        connection?.DestroyFor(this);
        if (Res is { } res && !res.Complete)
            res.OnAborted(error ?? new NetException("ECONNRESET", "aborted"));
        // The aborted response closed the request already, which recycles it later in the iteration: a Fail queued now
        // would run on the recycled pair and close its next use (or leave it destroyed before it begins). Deferred, not
        // posted: a close that comes before it (a complete response's, read to its end) defers the recycling behind it,
        // where a posted Fail would run after the recycling, in the next poll.
        if (!_closed)
            Loop.Defer(static s => s.request.Fail(s.error), (request: this, error));
    }

    /// <summary>Node's <c>abort()</c>: <see cref="Destroy"/> without an error.</summary>
    public void Abort() => Destroy();

    /// <summary>
    /// Raises <see cref="Timeout"/> after <paramref name="milliseconds"/> of inactivity on the socket (0: off), from
    /// now if a connection is assigned, else from its assignment.
    /// </summary>
    public ClientRequest SetTimeout(long milliseconds, Action<ClientRequest>? callback = null)
    {
        VerifyLoopThread();
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds);
        _timeout = milliseconds;
        if (callback is not null)
            _timeoutEvent += callback;
        _connection?.SetTimeoutFor(this, milliseconds);
        return this;
    }

    /// <summary>Takes a connection: deferred by Http.Request, so handlers subscribed after it see every event.</summary>
    internal void Start()
    {
        if (_destroyed)
            return;
        if (Agent is { } agent)
            agent.AddRequest(this, fresh: false);
        else
            new ClientConnection(this).Assign(this, reused: false);
    }

    internal void OnAssigned(ClientConnection connection, bool reused, bool pipelined)
    {
        _connection = connection;
        ReusedSocket = reused;
        // A request sent on a reused connection may meet the server's close of it, and one pipelined may meet the
        // failure of a request before it: kept for one retry, when the retry is safe (RFC 9110 §9.2.2: idempotent, or
        // nothing of a body sent, unless the options ask for idempotent methods only).
        if ((reused || pipelined) && !_retried && (IsIdempotent || (_bodyBytes == 0 && !_retryIdempotentOnly)))
            _replay = _replayStore;
        _socket?.Invoke(this, connection.Socket);
        if (_replayBytes is { } replay)
        {
            _replayBytes = null;
            connection.Write(replay.Detach(), this);
        }
        Flush();
        if (_needDrain && Backlog < HighWaterMark)
        {
            _needDrain = false;
            _drain?.Invoke(this);
        }
    }

    /// <summary>
    /// Whether the request may go out behind others on a busy connection (undici's rules, <c>idempotent</c> being GET
    /// and HEAD there): a GET or HEAD, ended and all of it handed over (no body, nothing of it to stream that could fail
    /// the requests around it), asking to keep the connection, and neither <c>Expect</c> (it waits for an interim
    /// answer) nor <c>Upgrade</c> (the server may switch before answering those before it).
    /// </summary>
    internal bool CanPipeline =>
        _method is "GET" or "HEAD" && _ended && _bodyBytes == 0 && KeepAlive && !_destroyed && _pipelinableHead;

    /// <summary>Whether the connection's close before any response byte may be retried once on a fresh connection.</summary>
    internal bool CanRetry => _replay is not null && !_destroyed;

    /// <summary>Sends the request again on a fresh connection (the reuse race), what was sent first.</summary>
    internal void Retry()
    {
        _retried = true;
        _replayBytes = _replay;
        _replay = null;
        _connection = null;
        Agent!.AddRequest(this, fresh: true);
    }

    /// <summary>A byte of the response arrived: the request is answered, never retried.</summary>
    internal void OnResponseBytes()
    {
        if (_replay is null)
            return;
        _replay.Release();
        _replay = null;
    }

    internal void OnInformation(InformationalResponse info)
    {
        _information?.Invoke(this, info);
        if (info.StatusCode == 100)
            _continue?.Invoke(this);
    }

    /// <summary>The response object of this request, to begin with the response's head.</summary>
    internal ClientResponse PairedResponse => _pairedResponse ??= new ClientResponse(Loop);

    internal void OnResponse(ClientResponse response)
    {
        Res = response;
        if (_response is null && _callback is null)
        {
            response.Resume(); // nobody asked for it: dumped, as Node does, so the connection goes back to its pool
            return;
        }
        _callback?.Invoke(response); // Http.Request's callback: the first Response handler, as Node's
        if (!_closed)
            _response?.Invoke(this, response);
    }

    internal bool OnUpgrade(ClientResponse response, Socket socket, byte[] head)
    {
        _connection = null;
        _recyclable = false; // the handler keeps the response with the socket
        Res = response;
        if (_upgrade is null)
            return false;
        _upgrade(this, response, socket, head);
        RaiseClose();
        return true;
    }

    internal void OnTimeout() => _timeoutEvent?.Invoke(this);

    internal void OnDrain()
    {
        if (!_needDrain || Backlog >= HighWaterMark)
            return;
        _needDrain = false;
        _drain?.Invoke(this);
    }

    /// <summary>Every write the connection was given completed.</summary>
    internal void OnWritesFlushed()
    {
        if (!_ended || _finished || !_out.IsEmpty)
            return;
        _finished = true;
        _finish?.Invoke(this);
        DeferRecycle(); // a request that closed before its last write went out is recycled now
    }

    /// <summary>The response is off the wire: its connection goes on without this request (a Destroy now destroys nothing of it).</summary>
    internal void OnWireComplete() => _connection = null;

    /// <summary>The response is done (ended, or aborted with its own Error): the request closes after it.</summary>
    internal void OnResponseClosed()
    {
        _connection = null;
        RaiseClose();
    }

    /// <summary>The request failed before its response: Error (when there is one) then Close, once.</summary>
    internal void Fail(Exception? error)
    {
        _connection = null;
        ReleaseOutput();
        if (_closed)
            return;
        if (error is not null)
            _error?.Invoke(this, error);
        RaiseClose();
    }

    /// <summary>Whether the request has no connection yet, and may be in its pool's queue.</summary>
    private bool IsWaiting => _connection is null && !_closed;

    private bool IsIdempotent => _method is "GET" or "HEAD" or "OPTIONS" or "TRACE" or "PUT" or "DELETE";

    private long Backlog => _out.Length + (_connection?.Socket.WritableLength ?? 0);

    private void RaiseClose()
    {
        if (_closed)
            return;
        _closed = true;
        _destroyed = true; // as Node's: its connection is gone or serves others, so what is written next would go nowhere
        _close?.Invoke(this);
        DeferRecycle();
    }

    /// <summary>
    /// Recycles the request later in the loop's iteration, outside every call that raised its events (a response's body
    /// pump, the connection's parser), which still read the pair as they return. Deferred, not posted: a post from the
    /// loop's own thread would write its wakeup descriptor, and cost a poll and a read to answer, once per request.
    /// </summary>
    private void DeferRecycle()
    {
        if (!_recyclable || !_closed || _recycleDeferred)
            return;
        _recycleDeferred = true;
        Loop.Defer(s_recycleDeferred, this);
    }

    private static readonly Action<ClientRequest> s_recycleDeferred = static r =>
    {
        r._recycleDeferred = false;
        r.Recycle();
    };

    private void WriteHead(long contentLength)
    {
        _headSent = true;
        _out.WriteLatin1(_method);
        _out.Write(" "u8);
        _out.WriteLatin1(Path);
        _out.Write(" HTTP/1.1\r\n"u8);
        // The fields the framing depends on are noted as they are written: one reading of the list.
        bool expect = false, upgrade = false, length = false, coding = false;
        string? connection = null;
        foreach (var (name, value) in _headers)
        {
            _out.WriteField(name, value);
            if (IsField(name, "Connection"))
                connection = connection is null ? value : $"{connection}, {value}";
            else if (IsField(name, "Content-Length"))
                length = true;
            else if (IsField(name, "Transfer-Encoding"))
                coding = true;
            else if (IsField(name, "Expect"))
                expect = true;
            else if (IsField(name, "Upgrade"))
                upgrade = true;
        }
        // Asked for every request on a busy connection each time one is placed behind them: noted once, here.
        _pipelinableHead = !expect && !upgrade;
        if (connection is not null)
            KeepAlive = !HasCloseToken(connection);
        else
        {
            KeepAlive = Agent is { Options.KeepAlive: true };
            _out.Write(KeepAlive ? "Connection: keep-alive\r\n"u8 : "Connection: close\r\n"u8);
        }
        if (length || coding)
            _chunked = coding; // ending with chunked: FramingProblem refused any other
        else if (contentLength < 0)
        {
            _chunked = true;
            _out.Write("Transfer-Encoding: chunked\r\n"u8);
        }
        else if (contentLength > 0 || !(_method is "GET" or "HEAD" or "DELETE" or "OPTIONS" or "TRACE" or "CONNECT"))
        {
            _out.Write("Content-Length: "u8);
            _out.WriteDecimal(contentLength);
            _out.Write("\r\n"u8);
        }
        _out.Write("\r\n"u8);
    }

    private void WriteBody(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
            return;
        if (!IsIdempotent)
            DropReplay(); // a non-idempotent request that sent a body is never sent twice
        _bodyBytes += data.Length;
        if (_chunked)
        {
            _out.WriteHex(data.Length);
            _out.Write("\r\n"u8);
            _out.Write(data);
            _out.Write("\r\n"u8);
        }
        else
            _out.Write(data);
    }

    /// <summary>Hands what is buffered to the connection, keeping a copy while a retry is possible.</summary>
    private void Flush()
    {
        if (_connection is null || _out.IsEmpty)
            return;
        if (_replay is not null)
        {
            if (_replay.Length + _out.Length > MaxReplay)
                DropReplay();
            else
                _out.CopyTo(_replay, Range.All);
        }
        _connection.Write(_out.Detach(), this);
    }

    private void DropReplay()
    {
        _replay?.Release();
        _replay = null;
    }

    private void ReleaseOutput()
    {
        _out.Release();
        DropReplay();
        _replayBytes?.Release();
        _replayBytes = null;
    }

    private void VerifyWritable()
    {
        VerifyLoopThread();
        if (_ended)
            throw new InvalidOperationException("write after end (ERR_STREAM_WRITE_AFTER_END).");
        if (_destroyed)
            throw new InvalidOperationException("Cannot call write after a stream was destroyed (ERR_STREAM_DESTROYED).");
    }

    /// <summary>
    /// Refuses a body that would not match the Content-Length set on the request, as Node's <c>strictContentLength</c>
    /// (always on: bytes past it would be read as another request), and framing fields set since it was made that
    /// servers would read differently.
    /// </summary>
    private void VerifyLength(int length, bool ending)
    {
        if (!_headSent && !_framingChecked)
        {
            if (FramingProblem(_headers, out _declaredLength) is { } problem)
                throw new InvalidOperationException(problem);
            _framingChecked = true;
        }
        if (_chunked || _declaredLength < 0)
            return;
        long total = _bodyBytes + length;
        if (total > _declaredLength || ending && total != _declaredLength)
            throw new InvalidOperationException($"Request body's content-length of {total} byte(s) does not match the content-length of {_declaredLength} byte(s) set in header (ERR_HTTP_CONTENT_LENGTH_MISMATCH).");
    }

    /// <summary>
    /// Why <paramref name="headers"/> would frame the request ambiguously (two Host fields, RFC 9112 §3.2; Content-Length
    /// beside Transfer-Encoding, repeated, or not one decimal, §6.3), or null; the Content-Length set, or -1.
    /// </summary>
    private static string? FramingProblem(IReadOnlyList<KeyValuePair<string, string>> headers, out long contentLength)
    {
        contentLength = -1;
        int hosts = 0, lengths = 0;
        string? length = null, transferEncoding = null;
        for (int i = 0; i < headers.Count; i++) // by index: a foreach over the interface would allocate its enumerator
        {
            var (name, value) = headers[i];
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
                hosts++;
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                transferEncoding = transferEncoding is null ? value : $"{transferEncoding}, {value}";
            else if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                lengths++;
                length = value;
            }
        }
        if (hosts > 1)
            return "A request has one Host field (ERR_HTTP_INVALID_HEADER_VALUE).";
        if (transferEncoding is not null && !EndsWithChunked(transferEncoding))
            return $"A request's Transfer-Encoding must end with chunked [\"{transferEncoding}\"] (ERR_HTTP_INVALID_HEADER_VALUE).";
        if (length is null)
            return null;
        if (transferEncoding is not null)
            return "Content-Length and Transfer-Encoding cannot both be set (ERR_HTTP_INVALID_HEADER_VALUE).";
        if (lengths > 1 || !long.TryParse(length, NumberStyles.None, CultureInfo.InvariantCulture, out contentLength))
            return $"Invalid value \"{length}\" for header \"Content-Length\" (ERR_HTTP_INVALID_HEADER_VALUE).";
        return null;
    }

    private static bool IsField(string name, string field) => name.Equals(field, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether a Connection field's value lists the close option (Node's RE_CONN_CLOSE).</summary>
    private static bool HasCloseToken(string value)
    {
        foreach (Range option in value.AsSpan().Split(','))
        {
            if (value.AsSpan()[option].Trim().Equals("close", StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    /// <summary>
    /// Whether the last coding of a Transfer-Encoding value is chunked: otherwise a request's body has no length a server
    /// can find (RFC 9112 §6.3 makes it a 400), and "xchunked" is not chunked.
    /// </summary>
    private static bool EndsWithChunked(string value)
    {
        int comma = value.LastIndexOf(',');
        return value.AsSpan(comma + 1).Trim(" \t").Equals("chunked", StringComparison.OrdinalIgnoreCase);
    }

    private void VerifyHeadNotSent(string action)
    {
        if (_headSent)
            throw new InvalidOperationException($"Cannot {action} headers after they are sent to the client (ERR_HTTP_HEADERS_SENT).");
    }

    /// <summary>Refuses a reference kept past the request's recycling: it names the misuse instead of acting on another request.</summary>
    private void VerifyLive()
    {
        if (!_live)
            throw new ObjectDisposedException(nameof(ClientRequest), "This request was recycled: do not keep a request or its response past its Close.");
    }

    private T Use<T>(T value)
    {
        VerifyLive();
        return value;
    }

    private void VerifyLoopThread([System.Runtime.CompilerServices.CallerMemberName] string member = "")
    {
        VerifyLive();
        LoopThread.Verify(Loop, nameof(ClientRequest), unstarted: true, member);
    }

    private void Sub<T>(ref T? handlers, T? handler, bool add, [System.Runtime.CompilerServices.CallerMemberName] string member = "")
        where T : Delegate
    {
        VerifyLive();
        LoopThread.Subscribe(Loop, nameof(ClientRequest), unstarted: true, ref handlers, handler, add, member);
    }

    private static void Validate(string method, string path, string host, int port)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentException.ThrowIfNullOrEmpty(host);
        if (method.Length == 0 || method.AsSpan().ContainsAnyExcept(HttpCharacters.TokenText))
            throw new ArgumentException($"Method must be a valid HTTP token [\"{method}\"] (ERR_INVALID_HTTP_TOKEN).", nameof(method));
        // Node's INVALID_PATH_REGEX: a space, CR, LF or NUL would split or smuggle the request line.
        if (path.Length == 0 || path.AsSpan().ContainsAnyExcept(HttpCharacters.VisibleLatin1Text))
            throw new ArgumentException("Request path contains unescaped characters (ERR_UNESCAPED_CHARACTERS).", nameof(path));
        if (host.AsSpan().ContainsAnyExcept(HttpCharacters.VisibleAsciiText) || host.AsSpan().ContainsAny("/?#@"))
            throw new ArgumentException($"Invalid host [\"{host}\"] (ERR_INVALID_ARG_VALUE).", nameof(host));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
    }
}

/// <summary>An interim response (1xx other than 101), as the object of Node's <c>information</c> event.</summary>
/// <param name="StatusCode">100, 102, 103...</param>
/// <param name="StatusMessage">The reason phrase.</param>
/// <param name="Headers">Its header fields.</param>
public sealed record InformationalResponse(int StatusCode, string StatusMessage, HttpHeaders Headers);

using System.Buffers;
using System.Text;
using Uvnet.Http.Parsing;
using Uvnet.Http.Server;
using Uvnet.Net;

namespace Uvnet.Http.Client;

/// <summary>Handles a piece of a response's body (its <see cref="ClientResponse.Data"/> event), valid only during the call.</summary>
public delegate void ResponseDataHandler(ClientResponse response, ReadOnlySpan<byte> data);

/// <summary>
/// A response to a <see cref="ClientRequest"/>, as Node's <c>http.IncomingMessage</c> on the client side: status,
/// headers, trailers, and the body as <see cref="Data"/>/<see cref="End"/> events, <see cref="ReadAsync"/> into a
/// buffer of the caller's, or <see cref="ReadBodyAsync"/> whole.
/// </summary>
/// <remarks>
/// Subscribe to <see cref="Data"/> and <see cref="End"/> in the Response handler (or read): bytes nobody takes yet are
/// held, up to 64 KiB, then the connection stops reading until they are taken. The connection goes back to its pool as
/// soon as the body has been read off the wire; held bytes stay the response's. Members are for the loop's thread.
/// </remarks>
public sealed class ClientResponse
{
    // What is held for a reader that has not asked yet before the connection pauses (as the server's requests).
    private const int MaxHeld = IncomingMessage.MaxHeldBody;

    private static readonly HttpHeaders s_noTrailers = new();

    private readonly Loop _loop;
    private readonly HttpHeaders _headers = new();
    private HttpRequestHead _head = new(); // swapped with the connection's parsed head: the next response parses into the old one
    private byte[] _reason = [];
    private int _reasonLength;
    private string? _statusMessage;
    private bool _headersLoaded, _hasTrailers;
    private ClientRequest? _request; // null while recycled
    private Socket? _socket;
    private byte[] _held = [];
    private int _heldStart, _heldEnd;
    private ResponseDataHandler? _data;
    private Action<ClientResponse>? _end, _close;
    private Action<ClientResponse, Exception>? _error;
    private ArrayBufferWriter<byte>? _body;
    private TaskCompletionSource<byte[]>? _bodyTask;
    private SocketOperation? _readSlot, _read;
    private Memory<byte> _readBuffer;
    private bool _paused, _flowing, _wireComplete, _ended, _closed;
    private Exception? _fault;
    private HttpHeaders? _trailers;
    private ClientConnection? _connection; // until the body is off the wire

    /// <summary>The response object of one request: made once, and reused with it when its agent recycles requests.</summary>
    internal ClientResponse(Loop loop) => _loop = loop;

    /// <summary>Starts this use: <paramref name="head"/> becomes the response's, and the response's previous head goes back to the connection.</summary>
    internal void Begin(ClientRequest request, ClientConnection connection, ref HttpRequestHead head, ReadOnlySpan<byte> reason, HttpResponseParser parser)
    {
        _request = request;
        _connection = connection;
        _socket = connection.Socket;
        StatusCode = parser.StatusCode;
        HttpVersionMinor = parser.VersionMinor;
        (head, _head) = (_head, head);
        if (_reason.Length < reason.Length)
            _reason = new byte[Math.Max(64, reason.Length)];
        reason.CopyTo(_reason);
        _reasonLength = reason.Length;
    }

    /// <summary>Ends this use: every member throws <see cref="ObjectDisposedException"/> until the request is reused.</summary>
    internal void Recycle()
    {
        _request = null;
        _connection = null;
        _socket = null;
        _statusMessage = null;
        _headersLoaded = _hasTrailers = false;
        _data = null;
        _end = _close = null;
        _error = null;
        _body = null;
        _bodyTask = null;
        _read = null;
        _readBuffer = default;
        ReturnHeld();
        _paused = _flowing = _wireComplete = _ended = _closed = false;
        _fault = null;
        Complete = Aborted = false;
    }

    /// <summary>The request this answers.</summary>
    /// <exception cref="ObjectDisposedException">The response was recycled with its request (see <see cref="AgentOptions.RecycleRequests"/>); so do its other members.</exception>
    public ClientRequest Request => Live;

    /// <summary>The status code.</summary>
    public int StatusCode
    {
        get => Use(field);
        private set;
    }

    /// <summary>The reason phrase, as received (possibly empty).</summary>
    public string StatusMessage
    {
        get
        {
            _ = Live;
            return _statusMessage ??= Phrase(StatusCode, _reason.AsSpan(0, _reasonLength)); // on first use, as Headers
        }
    }

    /// <summary>The reason phrase as a string: the standard one's shared string when the bytes are those (no allocation), else a new one.</summary>
    private static string Phrase(int status, ReadOnlySpan<byte> reason)
    {
        string standard = Server.StatusCodes.ReasonPhrase(status);
        return standard.Length == reason.Length && Ascii.Equals(reason, standard) ? standard : Encoding.Latin1.GetString(reason);
    }

    /// <summary>"1.1" or "1.0".</summary>
    public string HttpVersion => HttpVersionMinor == 1 ? "1.1" : "1.0";

    /// <summary>1.</summary>
    public int HttpVersionMajor => Use(1);

    /// <summary>1 or 0.</summary>
    public int HttpVersionMinor
    {
        get => Use(field);
        private set;
    }

    /// <summary>The header fields; <see cref="HttpHeaders.Raw"/> has them as received (Node's <c>rawHeaders</c>).</summary>
    public HttpHeaders Headers
    {
        get
        {
            VerifyLoopThread();
            if (!_headersLoaded)
            {
                _headers.Load(_head, _loop, maxCount: 0); // on first use: a response whose fields nobody reads makes no strings
                _headersLoaded = true;
            }
            return _headers;
        }
    }

    /// <summary>The trailer fields of a chunked body, once <see cref="End"/> is raised (empty when none); never merged into <see cref="Headers"/>.</summary>
    public HttpHeaders Trailers => Use(_hasTrailers ? _trailers! : s_noTrailers);

    /// <summary>The connection's socket.</summary>
    public Socket Socket => Use(_socket!);

    /// <summary>Whether the whole body arrived and was parsed (Node's <c>message.complete</c>).</summary>
    public bool Complete
    {
        get => Use(field);
        private set;
    }

    /// <summary>Whether the connection closed, or the response was destroyed, before its end (Node's <c>aborted</c>).</summary>
    public bool Aborted
    {
        get => Use(field);
        private set;
    }

    /// <summary>Whether <see cref="Pause"/> holds the body back.</summary>
    public bool IsPaused => Use(_paused);

    /// <summary>Each piece of the body, framing removed; the span is valid only during the call.</summary>
    public event ResponseDataHandler? Data
    {
        add
        {
            Subscribe(ref _data, value, add: true);
            if (_heldEnd > _heldStart)
                _loop.Post(static r => r.Pump(), this); // what arrived before: delivered in order, outside the subscription
        }
        remove => Subscribe(ref _data, value, add: false);
    }

    /// <summary>Raised once the whole body has been delivered.</summary>
    public event Action<ClientResponse>? End
    {
        add => Subscribe(ref _end, value, add: true);
        remove => Subscribe(ref _end, value, add: false);
    }

    /// <summary>Raised once, after <see cref="End"/> or <see cref="Error"/>.</summary>
    public event Action<ClientResponse>? Close
    {
        add => Subscribe(ref _close, value, add: true);
        remove => Subscribe(ref _close, value, add: false);
    }

    /// <summary>
    /// Raised when the body cannot complete: a <see cref="NetException"/> ECONNRESET "aborted" when the connection
    /// closed first, an <see cref="HttpClientError"/> for a malformed body, or the error given to <see cref="Destroy"/>.
    /// </summary>
    public event Action<ClientResponse, Exception>? Error
    {
        add => Subscribe(ref _error, value, add: true);
        remove => Subscribe(ref _error, value, add: false);
    }

    /// <summary>Stops <see cref="Data"/> events (the connection stops reading once 64 KiB are held), as Node's <c>pause()</c>.</summary>
    public void Pause()
    {
        VerifyLoopThread();
        _paused = true;
    }

    /// <summary>
    /// Lets the body flow, as Node's <c>resume()</c>: what is held goes to <see cref="Data"/> handlers, and with none
    /// it is discarded (call it to drop a body nobody wants, so that <see cref="End"/> comes and the connection is reused).
    /// </summary>
    public void Resume()
    {
        VerifyLoopThread();
        _paused = false;
        _flowing = true;
        Pump();
    }

    /// <summary>
    /// Reads body bytes into <paramref name="buffer"/>: the count, 0 at the end of the body. Fails with the body's
    /// error (see <see cref="Error"/>) once the bytes that came before it are read. One read at a time; resumes on
    /// the loop thread with no thread-pool hop when awaited there.
    /// </summary>
    /// <exception cref="InvalidOperationException">A read is already pending, or a <see cref="Data"/> handler or
    /// <see cref="ReadBodyAsync"/> takes the body.</exception>
    public ValueTask<int> ReadAsync(Memory<byte> buffer)
    {
        VerifyLoopThread();
        if (_read is not null || _data is not null || _body is not null)
            throw new InvalidOperationException("The body already has a reader: one ReadAsync at a time, and not beside Data or ReadBodyAsync.");
        if (_heldEnd > _heldStart && !buffer.IsEmpty)
            return new ValueTask<int>(TakeHeld(buffer.Span));
        if (_fault is not null)
            return ValueTask.FromException<int>(_fault);
        if (_wireComplete || buffer.IsEmpty)
        {
            FinishIfDrained();
            return new ValueTask<int>(0);
        }
        _read = SocketOperation.Claim(ref _readSlot, _loop);
        _readBuffer = buffer;
        UpdateFlow();
        return _read.TaskOfInt;
    }

    /// <summary>
    /// The whole body (what was held, then the rest), kept in memory: for large bodies use <see cref="ReadAsync"/> or
    /// <see cref="Data"/>. Fails with the body's error (see <see cref="Error"/>).
    /// </summary>
    public Task<byte[]> ReadBodyAsync()
    {
        VerifyLoopThread();
        if (_read is not null)
            throw new InvalidOperationException("A ReadAsync is pending.");
        if (_bodyTask is not null)
            return _bodyTask.Task;
        _bodyTask = new TaskCompletionSource<byte[]>();
        _body = new ArrayBufferWriter<byte>();
        Pump();
        if (_fault is not null && !_bodyTask.Task.IsCompleted)
            _bodyTask.SetException(_fault);
        return _bodyTask.Task;
    }

    /// <summary>
    /// Stops the response: its connection is destroyed unless the body was already read off the wire (it is never
    /// reused half read). <see cref="Error"/> is raised with <paramref name="error"/> if given, then <see cref="Close"/>.
    /// </summary>
    public void Destroy(Exception? error = null)
    {
        VerifyLoopThread();
        if (_closed)
            return;
        if (_connection is { } connection)
        {
            _connection = null;
            connection.Destroy();
        }
        Fail(error ?? new NetException("ECONNRESET", "aborted"), raise: error is not null);
    }

    /// <summary>A piece of the body from the wire.</summary>
    internal void OnBody(ReadOnlySpan<byte> data)
    {
        // A read completed here may resume its awaiter inline, which may read again at once: loop while one waits.
        while (!data.IsEmpty && !_closed && _heldEnd == _heldStart && !_paused)
        {
            if (_read is not null)
            {
                int n = Math.Min(data.Length, _readBuffer.Length);
                data[..n].CopyTo(_readBuffer.Span);
                CompleteRead(n);
                data = data[n..];
            }
            else
            {
                if (_data is not null || _body is not null || _flowing)
                {
                    Deliver(data);
                    data = default;
                }
                break;
            }
        }
        if (_closed)
            return;
        if (!data.IsEmpty)
            Hold(data);
        UpdateFlow();
    }

    /// <summary>The trailer section of a chunked body, before <see cref="OnWireComplete"/>.</summary>
    internal void SetTrailers(HttpRequestHead trailers)
    {
        (_trailers ??= new HttpHeaders()).Load(trailers, _loop, maxCount: 0);
        _hasTrailers = true;
    }

    /// <summary>The body is off the wire: the connection no longer belongs to this response.</summary>
    internal void OnWireComplete()
    {
        _wireComplete = true;
        Complete = true;
        _connection = null;
        Pump();
    }

    /// <summary>The body can never complete (the connection closed or the response was malformed).</summary>
    internal void OnAborted(Exception error)
    {
        _connection = null;
        Fail(error, raise: true);
    }

    private void Fail(Exception error, bool raise)
    {
        if (_closed)
            return;
        Aborted = !_wireComplete;
        _fault = error;
        if (_read is not null && _heldEnd == _heldStart)
            FailRead(error);
        _bodyTask?.TrySetException(error);
        _closed = true;
        if (raise)
            _error?.Invoke(this, error);
        _close?.Invoke(this);
        _request!.OnResponseClosed();
    }

    /// <summary>Hands held bytes to whoever takes them, and ends the body once all of it was taken.</summary>
    private void Pump()
    {
        // As in OnBody, a completed read may be followed at once by the next one: serve it from what is still held.
        while (_heldEnd > _heldStart && !_paused && !_closed)
        {
            if (_read is not null)
                CompleteRead(TakeHeld(_readBuffer.Span));
            else
            {
                if (_data is not null || _body is not null || _flowing)
                {
                    ReadOnlySpan<byte> held = _held.AsSpan(_heldStart, _heldEnd - _heldStart);
                    _heldStart = _heldEnd = 0;
                    Deliver(held); // a handler that reads more finds nothing held: these bytes came first
                }
                break;
            }
        }
        FinishIfDrained();
        UpdateFlow();
    }

    private void Deliver(ReadOnlySpan<byte> data)
    {
        _body?.Write(data);
        _data?.Invoke(this, data);
    }

    private void FinishIfDrained()
    {
        if (!_wireComplete || _ended || _heldEnd > _heldStart)
            return;
        _ended = true;
        ReturnHeld();
        if (_read is not null)
            CompleteRead(0);
        if (_bodyTask is not null && _body is not null)
            _bodyTask.TrySetResult(_body.WrittenSpan.ToArray());
        _end?.Invoke(this);
        if (!_closed)
        {
            _closed = true;
            _close?.Invoke(this);
            _request!.OnResponseClosed();
        }
    }

    private void Hold(ReadOnlySpan<byte> data)
    {
        if (_held.Length - _heldEnd < data.Length)
        {
            int live = _heldEnd - _heldStart;
            byte[] target = _held.Length - live >= data.Length ? _held : ArrayPool<byte>.Shared.Rent(Math.Max(4096, live + data.Length));
            _held.AsSpan(_heldStart, live).CopyTo(target);
            if (target != _held)
            {
                ReturnHeld();
                _held = target;
            }
            _heldStart = 0;
            _heldEnd = live;
        }
        data.CopyTo(_held.AsSpan(_heldEnd));
        _heldEnd += data.Length;
    }

    private int TakeHeld(Span<byte> destination)
    {
        int n = Math.Min(destination.Length, _heldEnd - _heldStart);
        _held.AsSpan(_heldStart, n).CopyTo(destination);
        _heldStart += n;
        if (_heldStart == _heldEnd)
            _heldStart = _heldEnd = 0;
        UpdateFlow();
        return n;
    }

    private void ReturnHeld()
    {
        if (_held.Length > 0)
            ArrayPool<byte>.Shared.Return(_held);
        _held = [];
        _heldStart = _heldEnd = 0;
    }

    private void CompleteRead(int n)
    {
        SocketOperation read = _read!;
        _read = null;
        _readBuffer = default;
        read.Complete(n);
    }

    private void FailRead(Exception error)
    {
        SocketOperation read = _read!;
        _read = null;
        _readBuffer = default;
        read.Complete(error);
    }

    /// <summary>The request while this use lasts: a reference kept past its recycling names the misuse instead of reading nothing.</summary>
    private ClientRequest Live => _request ?? throw new ObjectDisposedException(nameof(ClientResponse),
        "This response was recycled with its request: do not keep a request or its response past the request's Close.");

    private T Use<T>(T value)
    {
        _ = Live;
        return value;
    }

    private void VerifyLoopThread([System.Runtime.CompilerServices.CallerMemberName] string member = "")
    {
        _ = Live;
        LoopThread.Verify(_loop, nameof(ClientResponse), unstarted: true, member);
    }

    private void Subscribe<T>(ref T? handlers, T? handler, bool add, [System.Runtime.CompilerServices.CallerMemberName] string member = "")
        where T : Delegate
    {
        _ = Live;
        LoopThread.Subscribe(_loop, nameof(ClientResponse), unstarted: true, ref handlers, handler, add, member);
    }

    /// <summary>The connection reads while someone takes the body or less than <see cref="MaxHeld"/> is held.</summary>
    private void UpdateFlow() => _connection?.SetBodyBackpressure(_heldEnd - _heldStart >= MaxHeld);
}

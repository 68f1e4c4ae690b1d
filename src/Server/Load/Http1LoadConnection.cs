using Uvnet.Http.Parsing;
using Uvnet.Net;
using Uvnet.Tls;

namespace Uvnet.Server.Load;

/// <summary>
/// The client side of one HTTP/1.1 connection for <c>uvnet load</c>: requests go out as slices of the pre-built
/// <see cref="Http1LoadRequestTemplate"/> (those started while a read is handled leave in one write at its end, so a
/// pipelined connection sends its batch at once), and the responses are parsed by Uvnet's strict
/// <see cref="HttpResponseParser"/> as they come, answering the requests in the order they were sent: the status, the
/// body bytes (Content-Length, chunked, or to the close) and the end are told to each request, without a request or
/// response object. Interim 1xx responses are skipped.
/// </summary>
/// <remarks>
/// Every request on the connection fails when it fails: as <see cref="LoadError.Read"/> when the response is malformed
/// or unasked, a 101 switches protocol, or the server closes before answering them all (a response's
/// <c>Connection: close</c> fails those pipelined behind it); <see cref="LoadError.Connect"/> or
/// <see cref="LoadError.Tls"/> when the connection or its handshake could not be made; <see cref="LoadError.Timeout"/>
/// from <see cref="CheckTimeouts"/>. One exception, the keep-alive race (RFC 9112 §9.3.1), as the HTTP client retries it:
/// a request sent on a connection with nothing in flight after serving, cut before any byte of a response, goes out
/// again on another, once (the fresh connection has served nothing), when it is safe to repeat; so do the requests
/// pipelined with it in that write. A request sent behind one already in flight is never in that race: a close then
/// is the server's failure.
/// Nothing is allocated per request.
/// </remarks>
internal sealed class Http1LoadConnection : ILoadConnection<Http1LoadConnection>
{
    private readonly Loop _loop;
    private readonly Http1LoadRequestTemplate _template;
    private readonly HttpResponseParser _parser = new();
    private readonly Queue<ILoadRequest> _sent = new(); // in order: the responses answer them in this order
    private readonly List<ILoadRequest> _scratch = []; // the requests being failed, the queue emptied first
    private long _lastActivity; // loop time of the last byte read, or of the first request sent to an idle connection
    private int _unwritten; // the last requests of _sent, started during a read: written together at its end
    private int _served;
    private bool _final; // the response being parsed is final (not an interim 1xx)
    private bool _raceable; // a request went to a connection idle after serving, and no byte has come since
    private bool _started, _closed, _inRead, _connectFailed;

    /// <summary>Connects to <paramref name="options"/>' server (over TLS for https, http/1.1 offered by ALPN).</summary>
    internal Http1LoadConnection(Loop loop, LoadOptions options, Http1LoadRequestTemplate template)
    {
        _loop = loop;
        _template = template;
        _lastActivity = loop.Now;
        if (options.Tls is { } tls)
            Socket = Uvnet.Tls.Tls.Connect(loop, options.Port, options.Host, tls);
        else
        {
            Socket = new Socket(loop);
            Socket.Connect(options.Port, options.Host);
        }
        Socket.SetNoDelay();
        Socket.Data += (_, data) => OnSocketData(data);
        Socket.Error += (_, error) => _connectFailed |= _served == 0 && error is { Syscall: "connect" or "getaddrinfo" };
        Socket.Ended += _ => OnEnded();
        Socket.Closed += (_, _) => OnClosed();
    }

    /// <summary>The connection's socket.</summary>
    public Socket Socket { get; }

    /// <summary>Raised once when the connection takes no new request (closing, or failed): the worker makes another.</summary>
    public event Action<Http1LoadConnection>? Gone;

    /// <summary>Whether a new request can be given to <see cref="Start"/>: open, and keep-alive or not used yet.</summary>
    public bool IsUsable => !_closed && (_template.KeepAlive || !_started);

    /// <summary>
    /// Sends <paramref name="request"/>: at once, or with the others started during the read being handled. Only while
    /// <see cref="IsUsable"/>, and never more requests in flight than <see cref="Http1LoadRequestTemplate.MaxBatch"/>.
    /// </summary>
    internal void Start(ILoadRequest request)
    {
        _started = true;
        if (_sent.Count == 0)
        {
            // Idle until now: the idle timeout counts from this send; and a server's keep-alive close may cross it.
            _raceable = _served > 0 && _template.Retryable;
            _lastActivity = _loop.Now;
        }
        _sent.Enqueue(request);
        _unwritten++;
        if (!_inRead)
            Flush();
    }

    /// <summary>Closes the connection now (the run is over, or a request on it was abandoned); its requests are not told.</summary>
    public void Destroy()
    {
        Close();
        _sent.Clear();
        _unwritten = 0;
        Socket.Destroy();
    }

    /// <summary>
    /// Ends every request as a timeout, the connection destroyed, when none of its response bytes came for
    /// <paramref name="timeoutMs"/> (or the connection was not made in that time).
    /// </summary>
    public void CheckTimeouts(long now, long timeoutMs)
    {
        if (_closed || _sent.Count == 0 || now - _lastActivity < timeoutMs)
            return;
        Close();
        Socket.Destroy();
        FailAll(LoadError.Timeout);
    }

    private void OnSocketData(ReadOnlySpan<byte> data)
    {
        if (_closed)
            return;
        _lastActivity = _loop.Now;
        _raceable = false;
        _inRead = true;
        HttpParserError error;
        try
        {
            var handler = new Handler(this);
            error = _parser.Execute(ref handler, data, out _);
        }
        finally
        {
            _inRead = false;
        }
        if (_closed)
            return;
        if (error != HttpParserError.None)
            Fail(LoadError.Read); // malformed or unasked, or a 101: nothing after it is HTTP
        else
            Flush();
    }

    /// <summary>The server ended its side: a response whose body runs to the close completes (unless TLS says it was cut).</summary>
    private void OnEnded()
    {
        if (_closed || _sent.Count == 0 || Socket.GetTlsConnection() is { Truncated: true })
            return;
        var handler = new Handler(this);
        _parser.Finish(ref handler);
    }

    private void OnClosed()
    {
        if (_closed && _sent.Count == 0)
            return;
        Close();
        if (_raceable)
        {
            _scratch.AddRange(_sent);
            _sent.Clear();
            foreach (ILoadRequest request in _scratch)
                request.OnUnsent();
            _scratch.Clear();
            return;
        }
        // Refused or unreachable; the handshake failed (or the certificate was refused); or cut.
        FailAll(_connectFailed ? LoadError.Connect
            : Socket.GetTlsConnection() is { IsEstablished: false } ? LoadError.Tls
            : LoadError.Read);
    }

    /// <summary>Our error (a malformed response): the connection goes, and every request on it fails.</summary>
    private void Fail(LoadError kind)
    {
        Close();
        Socket.Destroy();
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

    /// <summary>
    /// Every request written on the connection fails with <paramref name="kind"/>; those started during the read that
    /// failed it, never written, go out on another connection (the connection is closed first, so none comes back).
    /// </summary>
    private void FailAll(LoadError kind)
    {
        int written = _sent.Count - _unwritten;
        _scratch.AddRange(_sent);
        _sent.Clear();
        _unwritten = 0;
        for (int i = 0; i < _scratch.Count; i++)
        {
            if (i < written)
                _scratch[i].OnFailed(kind);
            else
                _scratch[i].OnUnsent();
        }
        _scratch.Clear();
    }

    /// <summary>Writes the requests started since the last write, as one slice of the template.</summary>
    private void Flush()
    {
        while (_unwritten > 0 && !_closed)
        {
            int count = Math.Min(_unwritten, _template.MaxBatch);
            _unwritten -= count;
            Socket.Write(_template.Requests(count));
        }
    }

    /// <summary>A response's head: its status goes to the oldest request unless it is interim; what follows it is read or skipped.</summary>
    private HeadersCompleteAction OnHeadersComplete(HttpResponseParser parser)
    {
        int status = parser.StatusCode;
        _final = status is < 100 or >= 200;
        if (_final && !_closed)
            _sent.Peek().OnStatus(status);
        return _template.IsHead ? HeadersCompleteAction.SkipBody : HeadersCompleteAction.Continue;
    }

    /// <summary>
    /// A response ended: the oldest request's, unless interim. A response closing the connection makes it unusable
    /// first, so the request's next goes to another; those sent behind it fail (the server will not answer them).
    /// </summary>
    private void OnMessageComplete()
    {
        if (!_final || _closed || _parser.IsUpgrade)
            return; // a 101 is not the request's answer: Execute stops with PausedUpgrade, and every request fails
        ILoadRequest request = _sent.Dequeue();
        _served++;
        bool keepAlive = _parser.ShouldKeepAlive;
        if (!keepAlive)
            Close();
        request.OnEnd();
        if (!keepAlive && !Socket.Destroyed)
        {
            Socket.Destroy();
            FailAll(LoadError.Read);
        }
    }

    /// <summary>The parser's callbacks: what a load counts, nothing kept (the fields are not read).</summary>
    private readonly struct Handler(Http1LoadConnection connection) : IHttpResponseParserHandler
    {
        public void OnMessageBegin()
        {
            // Only a request written can be answered: one started during this read (the next of a slot whose
            // request just ended) goes out at its end, so a response for it now is one nothing asked for.
            if (connection._sent.Count > connection._unwritten || connection._closed)
                return;
            connection._parser.Pause(); // a response nothing asked for: Execute returns Paused, an error here
        }

        public void OnStatus(ReadOnlySpan<byte> reason)
        {
        }

        public void OnHeaderField(ReadOnlySpan<byte> name)
        {
        }

        public void OnHeaderValue(ReadOnlySpan<byte> value)
        {
        }

        public HeadersCompleteAction OnHeadersComplete(HttpResponseParser parser) => connection.OnHeadersComplete(parser);

        public void OnBody(ReadOnlySpan<byte> data)
        {
            if (connection._final && !connection._closed)
                connection._sent.Peek().OnBody(data.Length);
        }

        public void OnChunkHeader(long size)
        {
        }

        public void OnChunkComplete()
        {
        }

        public void OnMessageComplete() => connection.OnMessageComplete();
    }
}

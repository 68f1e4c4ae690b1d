using System.Text;
using Uvnet.Http.Parsing;
using Uvnet.Http.Server;
using Uvnet.Net;

using Uvnet.Tls;

namespace Uvnet.Http.Client;

/// <summary>
/// One upstream connection: its socket, the response parser, and the request it serves. Between requests it sits in
/// its <see cref="ConnectionPool"/>, still reading, so a server's FIN, RST or stray bytes remove it at once.
/// </summary>
internal sealed class ClientConnection
{
    // Static handlers find their connection through the socket's Owner (no delegates per connection); removed as a
    // set when an upgrade hands the socket over.
    private static readonly SocketDataHandler s_onData = static (s, data) => Of(s).OnData(data);
    private static readonly Action<Socket> s_onEnded = static s => Of(s).OnEnded();
    private static readonly Action<Socket, bool> s_onClosed = static (s, _) => Of(s).OnClosed();
    private static readonly Action<Socket, NetException> s_onError = static (s, e) => Of(s)._socketError ??= e;
    private static readonly Action<Socket> s_onTimeout = static s => Of(s).OnTimeout();
    private static readonly Action<Socket> s_onDrain = static s => Of(s).Writer?.OnDrain();
    private static readonly Action<ClientConnection> s_flushBatch = static c => c.FlushBatch();

    private readonly HttpResponseParser _parser = new();
    private HttpRequestHead _head = new(); // exchanged with each response's own (ClientResponse.Begin)
    // The writes not yet completed, in order: a request's own write (itself, ending the write), or a batch (see
    // Batch): an entry per request, then one without an owner that ends it.
    private readonly Queue<(ClientRequest? Owner, bool EndsWrite)> _inFlight = new();
    private OutputArraysInFlight _arraysInFlight; // the arrays written whose bytes the socket has not all taken
    private long _writesIssued, _writesCompleted;
    private readonly Queue<ClientRequest> _behind = new(); // pipelined after _request, answered in this order
    private readonly Action<NetException?> _onWritten;
    private HttpRequestHead? _trailerHead;
    private byte[] _reason = new byte[64];
    private int _reasonLength;
    private ClientRequest? _request; // the request whose response is read next (the head of the pipeline)
    private ClientRequest? _tail; // the last of _behind
    private ClientRequest? _finishing; // answered, its body still being written: the connection waits for it
    private ClientResponse? _response;
    private NetException? _socketError;
    private byte[]? _batch; // this turn's pipelined requests, written together at its end (Batch)
    private int _batchLength;
    private bool _interim, _inTrailers, _messageDone, _upgrade, _destroyed, _detached, _keepAlive, _receivedAny, _batchDeferred;

    /// <summary>A connection of <paramref name="pool"/>'s origin.</summary>
    internal ClientConnection(ConnectionPool pool)
        : this(pool.Agent.Loop, pool.Host, pool.Port, pool.Tls, pool.Tls is null ? null : pool.Agent.Sessions) => Pool = pool;

    /// <summary>A connection of <paramref name="request"/>'s own (Node's <c>agent: false</c>), closed after its response.</summary>
    internal ClientConnection(ClientRequest request)
        : this(request.Loop, request.Host, request.Port, request.Tls, null)
    {
    }

    private ClientConnection(Loop loop, string host, int port, TlsClientOptions? tls, TlsSessionCache? sessions)
    {
        _onWritten = OnWritten;
        Socket = new Socket(loop) { Owner = this };
        Socket.Data += s_onData;
        Socket.Ended += s_onEnded;
        Socket.Closed += s_onClosed;
        Socket.Error += s_onError;
        Socket.Timeout += s_onTimeout;
        Socket.Drain += s_onDrain;
        // Node's http.request has noDelay true: a request's head and body go out at once, and requests pipelined
        // behind an unacknowledged one are not held by Nagle for the server's delayed ACK.
        Socket.SetNoDelay();
        if (tls is not null)
            Uvnet.Tls.Tls.Attach(Socket, tls, host, null, sessions, port); // https: the request waits in the socket until the handshake is done
        Socket.Connect(port, host);
    }

    private static ClientConnection Of(Socket socket) => (ClientConnection)socket.Owner!;

    internal Socket Socket { get; }

    /// <summary>The pool that counts it; null for a connection of a request's own, or once evicted.</summary>
    internal ConnectionPool? Pool { get; private set; }

    /// <summary>Requests whose responses completed on this connection.</summary>
    internal int Served { get; private set; }

    /// <summary>The server's <c>Keep-Alive: timeout=N</c> hint in milliseconds, or -1.</summary>
    internal long KeepAliveHint { get; private set; } = -1;

    /// <summary>Whether it can serve another request: open, and no FIN read.</summary>
    internal bool IsUsable => !_destroyed && !Socket.Destroyed && !Socket.ReadableEnded;

    /// <summary>Requests sent whose responses have not completed: the head of the pipeline and those behind it.</summary>
    internal int InFlight => (_request is null ? 0 : 1) + _behind.Count;

    /// <summary>The request writing last, which Drain concerns: the pipeline's tail.</summary>
    private ClientRequest? Writer => _behind.Count > 0 ? _tail : _request;

    /// <summary>
    /// Whether <paramref name="request"/> may go out behind the requests in flight (undici's <c>pipelining</c>): room
    /// under <see cref="AgentOptions.Pipelining"/>, and under <see cref="AgentOptions.MaxRequestsPerSocket"/> counting
    /// those in flight (a server with the same cap closes after its last answer), the connection kept alive, and every
    /// request on it safe to pipeline.
    /// </summary>
    internal bool CanPipeline(ClientRequest request, AgentOptions options) =>
        _request is { CanPipeline: true } && InFlight < options.Pipelining
        && (options.MaxRequestsPerSocket == 0 || Served + InFlight < options.MaxRequestsPerSocket)
        && IsUsable && _finishing is null && request.CanPipeline && AllBehindPipelinable();

    /// <summary>Gives the connection to <paramref name="request"/>, which sends what it has; behind the one in flight when pipelined.</summary>
    internal void Assign(ClientRequest request, bool reused)
    {
        if (_request is null)
        {
            _request = request;
            _receivedAny = false;
            _socketError = null;
            Socket.Ref();
            Socket.SetTimeout(request.TimeoutMs);
        }
        else
        {
            _behind.Enqueue(request);
            _tail = request;
        }
        request.OnAssigned(this, reused, pipelined: InFlight > 1);
    }

    /// <summary>
    /// Arms the socket's timeout for <paramref name="request"/> while its response is the one read: a request pipelined
    /// behind it has its own, armed when its turn comes (<see cref="CompleteMessage"/>), so it never replaces the head's.
    /// </summary>
    internal void SetTimeoutFor(ClientRequest request, long milliseconds)
    {
        if (_request == request)
            Socket.SetTimeout(milliseconds);
    }

    /// <summary>Puts the connection in its pool's idle set: it no longer keeps the loop alive, and closes after <paramref name="idleTimeout"/>.</summary>
    internal void MarkFree(long idleTimeout)
    {
        Socket.Unref();
        Socket.SetTimeout(idleTimeout);
    }

    /// <summary>
    /// Writes <paramref name="owner"/>'s bytes rented from the shared pool; the array goes back once the socket has
    /// taken them (see <see cref="OutputArraysInFlight"/>).
    /// </summary>
    internal void Write(ArraySegment<byte> bytes, ClientRequest owner)
    {
        // A connecting socket holds its writes and sends them together once connected: nothing to batch then.
        if (Pool is { Agent.Options.Pipelining: > 1 } && !Socket.Pending && owner.CanPipeline)
        {
            Batch(bytes, owner);
            return;
        }
        FlushBatch(); // what was batched goes first: the bytes keep their order
        _inFlight.Enqueue((owner, true));
        WriteArray(bytes);
    }

    /// <summary>Hands <paramref name="bytes"/>, rented from the shared pool, to the socket in one write.</summary>
    private void WriteArray(ArraySegment<byte> bytes)
    {
        Socket.Write(bytes.AsMemory(), _onWritten);
        _arraysInFlight.Handed(Socket, bytes.Array!, ++_writesIssued);
    }

    /// <summary>
    /// Adds a whole request to the turn's batch, which leaves in one write once the turn's deferred work has run (as
    /// wrk's pipelined batch): the requests a read's responses let out, each started from its own deferred callback,
    /// reach the server in one segment instead of a send(2) each, and the server reads them together. Copied into one
    /// pooled array, so the batch is one write with one completion (the socket's own cork would allocate the list of
    /// a batch's callbacks).
    /// </summary>
    private void Batch(ArraySegment<byte> bytes, ClientRequest owner)
    {
        int length = _batchLength + bytes.Count;
        if (_batch is null || _batch.Length < length)
        {
            byte[] bigger = OutputArrays.Rent(length);
            if (_batch is not null)
            {
                _batch.AsSpan(0, _batchLength).CopyTo(bigger);
                OutputArrays.Return(_batch);
            }
            _batch = bigger;
        }
        bytes.AsSpan().CopyTo(_batch.AsSpan(_batchLength));
        _batchLength = length;
        OutputArrays.Return(bytes.Array!);
        _inFlight.Enqueue((owner, false));
        if (!_batchDeferred)
        {
            _batchDeferred = true;
            Socket.Loop.Defer(s_flushBatch, this);
        }
    }

    /// <summary>Writes the batch, if any; one whose connection is gone (closed, or handed over by an upgrade) is dropped.</summary>
    private void FlushBatch()
    {
        _batchDeferred = false;
        if (_batch is not { } batch)
            return;
        int length = _batchLength;
        _batch = null;
        _batchLength = 0;
        if (_destroyed || _detached)
        {
            OutputArrays.Return(batch); // its requests learn of the close (OnClosed, EndPipeline)
            return;
        }
        _inFlight.Enqueue((null, true));
        WriteArray(new ArraySegment<byte>(batch, 0, length));
    }

    /// <summary>Stops reading while a response holds 64 KiB nobody has taken, and reads again once it is taken.</summary>
    internal void SetBodyBackpressure(bool full)
    {
        if (full && !Socket.IsPaused)
            Socket.Pause();
        else if (!full && Socket.IsPaused)
            Socket.Resume();
    }

    /// <summary>Destroys the connection without reporting to its request or response (whoever calls reports).</summary>
    internal void Destroy()
    {
        _request = null;
        _response = null;
        Kill();
    }

    /// <summary>
    /// Destroys the connection for <paramref name="request"/>, which reports on its own; the requests pipelined with it
    /// learn of the close as a connection's failure (retried or failed, see <see cref="OnClosed"/>).
    /// </summary>
    internal void DestroyFor(ClientRequest request)
    {
        if (_request == request)
        {
            _request = null;
            _response = null;
        }
        else
            Remove(_behind, request);
        Kill();
    }

    /// <summary>Destroys an idle connection its pool no longer counts (its close reports to nobody).</summary>
    internal void Evict()
    {
        Pool = null;
        Destroy();
    }

    private void Kill()
    {
        if (_destroyed)
            return;
        _destroyed = true;
        _parser.Pause(); // a callback that destroyed the connection stops the Execute that runs it
        Socket.Destroy();
    }

    /// <summary>
    /// A socket write completed (they complete in order): a request's own, or a batch, whose requests' entries come
    /// before the one that ends it. Its array goes back, unless it went when the socket took its bytes.
    /// </summary>
    private void OnWritten(NetException? error)
    {
        _arraysInFlight.Completed(++_writesCompleted);
        while (_inFlight.TryDequeue(out var written))
        {
            if (written.Owner is { } owner)
                OnWritten(owner, error);
            if (written.EndsWrite)
                return;
        }
    }

    private void OnWritten(ClientRequest owner, NetException? error)
    {
        // A request's writes are queued together: its last one completed when the next write is another's.
        if (error is not null || _inFlight.TryPeek(out var next) && next.Owner == owner)
            return;
        if (_finishing == owner)
        {
            _finishing = null;
            owner.OnWritesFlushed();
            if (IsUsable)
                Pool!.Release(this);
            return;
        }
        owner.OnWritesFlushed(); // also for a request answered before its last write completed: its Finish is still due
    }

    private void OnData(ReadOnlySpan<byte> data)
    {
        if (_detached || _destroyed)
            return;
        if (_request is null)
        {
            // Bytes nobody asked for on an idle connection: it can never be trusted with a request again.
            Kill();
            return;
        }
        if (!_receivedAny)
        {
            _receivedAny = true;
            _request.OnResponseBytes();
        }
        var handler = new Handler(this);
        HttpParserError error = _parser.Execute(ref handler, data, out int consumed);
        if (_destroyed)
            return;
        switch (error)
        {
            case HttpParserError.None:
                return;
            case HttpParserError.Paused when _messageDone:
                _parser.Resume();
                if (consumed < data.Length && _behind.Count == 0)
                    Kill(); // bytes past the response, unasked: never reused (RFC 9112 §9.3.2 needs a request first)
                CompleteMessage();
                if (consumed < data.Length && _request is not null && !_destroyed)
                    OnData(data[consumed..]); // the next pipelined response
                return;
            case HttpParserError.PausedUpgrade:
                HandOver(data[consumed..].ToArray());
                return;
            default:
                FailResponse(new HttpResponseError(error, _parser.ErrorReason ?? error.ToString()));
                return;
        }
    }

    private void OnEnded()
    {
        if (_detached || _destroyed || _response is null)
            return;
        // A body delimited by the close ends here (Finish completes it through the handler); any other framing cut
        // short is an error, which the close that follows reports.
        var handler = new Handler(this);
        if (_parser.Finish(ref handler) == HttpParserError.None && _messageDone)
        {
            if (Socket.GetTlsConnection() is { Truncated: true })
            {
                // The close delimits the body, and over TLS a close without close_notify may be an attacker's cut:
                // the response is aborted, not complete (the socket's TlsConnection.Truncated says why).
                Socket.Destroy(new NetException("ERR_TLS_TRUNCATED", "TLS connection closed without close_notify: the body may be truncated"));
                return;
            }
            _keepAlive = false;
            CompleteMessage();
        }
    }

    private void OnClosed()
    {
        if (_detached)
            return;
        _destroyed = true;
        _inFlight.Clear();
        _arraysInFlight.Completed(_writesIssued); // the destroyed socket reads none of them again
        FlushBatch(); // drops it: the connection is gone
        _finishing = null;
        Pool?.Remove(this);
        ClientRequest? request = _request;
        ClientResponse? response = _response;
        _request = null;
        _response = null;
        if (response is not null)
            response.OnAborted(new NetException("ECONNRESET", "aborted"));
        else if (request is not null && !_receivedAny && Served > 0 && request.CanRetry)
            request.Retry();
        else
            request?.Fail(_socketError ?? new NetException("ECONNRESET", "socket hang up"));
        EndPipeline();
    }

    /// <summary>
    /// The connection ends with requests pipelined behind the one answered last: none got a byte of its response, so
    /// each is sent again once on a fresh connection (they are all safe to repeat, see <see cref="ClientRequest.CanPipeline"/>),
    /// or fails with ECONNRESET "socket hang up" when it was retried already or destroyed.
    /// </summary>
    private void EndPipeline()
    {
        while (_behind.TryDequeue(out ClientRequest? request))
        {
            if (request.CanRetry)
                request.Retry();
            else
                request.Fail(_socketError ?? new NetException("ECONNRESET", "socket hang up"));
        }
    }

    private void OnTimeout()
    {
        if (_detached)
            return;
        if (_request is null)
            Kill(); // idle in its pool, or a finished request's body that stopped going out
        else
            _request.OnTimeout();
    }

    /// <summary>The response's body is off the wire: the connection goes back to its pool, or closes.</summary>
    private void CompleteMessage()
    {
        ClientRequest request = _request!;
        ClientResponse response = _response!;
        _request = null;
        _response = null;
        _messageDone = false;
        request.OnWireComplete(); // from now the request cannot reach this connection, which may serve the next one
        Served++;
        SetBodyBackpressure(false);
        bool reusable = _keepAlive && request.KeepAlive && request.WritableEnded && IsUsable && Pool is not null;
        if (!reusable)
            Kill(); // a response's Connection: close ends the pipeline too: its close retries or fails those behind
        else if (_behind.TryDequeue(out ClientRequest? next))
        {
            _request = next; // its bytes went out with the previous ones: the connection stays busy
            _receivedAny = false;
            Socket.SetTimeout(next.TimeoutMs);
            Pool!.FillPipeline(this);
        }
        else if (_inFlight.Count > 0)
            _finishing = request; // as Node, freed once the request has finished too: OnWritten releases it
        else
            Pool!.Release(this);
        response.OnWireComplete();
    }

    /// <summary>A malformed response: the connection is destroyed, and the request or response reports it (those behind it: see <see cref="EndPipeline"/>).</summary>
    private void FailResponse(Exception error)
    {
        ClientRequest? request = _request;
        ClientResponse? response = _response;
        Destroy();
        if (response is not null)
            response.OnAborted(error);
        else
            request?.Fail(error);
    }

    /// <summary>101 (or 2xx to CONNECT): the socket leaves the pool and goes to the request's Upgrade handler.</summary>
    private void HandOver(byte[] head)
    {
        ClientRequest request = _request!;
        ClientResponse response = _response!;
        _request = null;
        _response = null;
        _detached = true;
        Socket.Data -= s_onData;
        Socket.Ended -= s_onEnded;
        Socket.Closed -= s_onClosed;
        Socket.Error -= s_onError;
        Socket.Timeout -= s_onTimeout;
        Socket.Drain -= s_onDrain;
        Socket.Owner = null;
        Socket.SetTimeout(0);
        Pool?.Remove(this);
        EndPipeline(); // nothing is pipelined behind an upgrade (CanPipeline), but a server may switch on any request
        if (!request.OnUpgrade(response, Socket, head))
        {
            Socket.Destroy();
            request.Fail(null); // as Node's: the destroyed socket's close listener, still attached there, closes the request
        }
    }

    private void OnHeadersComplete(HttpResponseParser parser)
    {
        ClientRequest request = _request!;
        ReadOnlySpan<byte> reason = _reason.AsSpan(0, _reasonLength);
        int status = parser.StatusCode;
        if (status is >= 100 and < 200 && status != 101)
        {
            _interim = true;
            var headers = new HttpHeaders();
            headers.Load(_head, Socket.Loop, maxCount: 0);
            request.OnInformation(new InformationalResponse(status, Encoding.Latin1.GetString(reason), headers));
            return;
        }
        KeepAliveHint = ReadKeepAliveHint(_head);
        _response = request.PairedResponse;
        _response.Begin(request, this, ref _head, reason, parser);
        if (status == 101 || request.IsConnect && status is >= 200 and < 300)
        {
            _upgrade = true;
            return;
        }
        request.OnResponse(_response);
    }

    private HeadersCompleteAction HeadersDone(HttpResponseParser parser)
    {
        OnHeadersComplete(parser);
        if (_destroyed)
            return HeadersCompleteAction.SkipBody; // Kill paused the parser: nothing more is read
        if (_interim)
            return HeadersCompleteAction.Continue;
        if (_upgrade)
            return HeadersCompleteAction.Upgrade;
        return _request!.IsHead ? HeadersCompleteAction.SkipBody : HeadersCompleteAction.Continue;
    }

    private void OnMessageComplete()
    {
        if (_interim)
        {
            _interim = false; // the final response follows on the same parser
            return;
        }
        if (_upgrade)
            return; // Execute stops with PausedUpgrade: HandOver takes it from there
        if (_inTrailers && _trailerHead!.HeaderCount > 0)
            _response!.SetTrailers(_trailerHead);
        _keepAlive = _parser.ShouldKeepAlive; // final only now: at the head, a HEAD response without framing looked close-delimited
        _messageDone = true;
        _parser.Pause(); // the pool's work happens after Execute returns, with what it left unread known
    }

    /// <summary>
    /// The seconds of <c>Keep-Alive: timeout=N</c> (RFC 2068 §19.7.1.1), in milliseconds, or -1. Several fields are one
    /// list (RFC 9110 §5.3) and parameter names are case-insensitive (§5.6.6); a value that is not all digits is ignored.
    /// </summary>
    private static long ReadKeepAliveHint(HttpRequestHead head)
    {
        for (int i = 0; i < head.HeaderCount; i++)
        {
            if (!Ascii.EqualsIgnoreCase(head.GetHeaderName(i), "keep-alive"u8))
                continue;
            ReadOnlySpan<byte> value = head.GetHeaderValue(i);
            foreach (Range range in value.Split((byte)','))
            {
                ReadOnlySpan<byte> parameter = value[range].Trim(" \t"u8);
                if (parameter.Length > 8 && Ascii.EqualsIgnoreCase(parameter[..8], "timeout="u8) && !parameter[8..].ContainsAnyExceptInRange((byte)'0', (byte)'9'))
                {
                    long seconds = 0;
                    foreach (byte b in parameter[8..])
                        seconds = Math.Min(seconds * 10 + (b - '0'), 999_999_999); // beyond 31 years: as good as none
                    return seconds * 1000;
                }
            }
        }
        return -1;
    }

    private void AppendReason(ReadOnlySpan<byte> piece)
    {
        if (_reason.Length - _reasonLength < piece.Length)
            Array.Resize(ref _reason, Math.Max(_reason.Length * 2, _reasonLength + piece.Length));
        piece.CopyTo(_reason.AsSpan(_reasonLength));
        _reasonLength += piece.Length;
    }

    private bool AllBehindPipelinable()
    {
        foreach (ClientRequest r in _behind)
        {
            if (!r.CanPipeline)
                return false;
        }
        return true;
    }

    /// <summary>Takes <paramref name="request"/> out of <paramref name="queue"/>, keeping the others' order.</summary>
    private static void Remove(Queue<ClientRequest> queue, ClientRequest request)
    {
        for (int n = queue.Count; n > 0; n--)
        {
            ClientRequest r = queue.Dequeue();
            if (r != request)
                queue.Enqueue(r);
        }
    }

    private readonly struct Handler(ClientConnection connection) : IHttpResponseParserHandler
    {
        public void OnMessageBegin()
        {
            connection._head.Clear();
            connection._reasonLength = 0;
            connection._inTrailers = false;
        }

        public void OnStatus(ReadOnlySpan<byte> reason) => connection.AppendReason(reason);

        public void OnHeaderField(ReadOnlySpan<byte> name) =>
            (connection._inTrailers ? connection._trailerHead! : connection._head).AppendHeaderName(name);

        public void OnHeaderValue(ReadOnlySpan<byte> value) =>
            (connection._inTrailers ? connection._trailerHead! : connection._head).AppendHeaderValue(value);

        public HeadersCompleteAction OnHeadersComplete(HttpResponseParser parser) => connection.HeadersDone(parser);

        public void OnBody(ReadOnlySpan<byte> data) => connection._response?.OnBody(data);

        public void OnChunkHeader(long size)
        {
            if (size != 0)
                return;
            connection._inTrailers = true;
            (connection._trailerHead ??= new HttpRequestHead()).Clear();
        }

        public void OnChunkComplete()
        {
        }

        public void OnMessageComplete() => connection.OnMessageComplete();
    }
}

using System.Runtime.CompilerServices;
using System.Text;
using Uvnet.Net;

namespace Uvnet.Http.Server;

/// <summary>
/// A response, as Node's <c>http.ServerResponse</c>: status, headers, <see cref="Write(ReadOnlySpan{byte}, Action{NetException?}?)"/>
/// (chunked when no Content-Length was set) and <see cref="End(ReadOnlySpan{byte}, Action{NetException?}?)"/> (with a computed
/// Content-Length when it carries the whole body).
/// </summary>
/// <remarks>
/// Responses leave in request order: a response whose request came after one still in progress is buffered
/// until its turn. Bytes given to Write and End are copied, so the caller may reuse its buffer at once. Members are
/// called on the loop's thread, but for <see cref="WriteAsync(ReadOnlyMemory{byte})"/> and
/// <see cref="EndAsync(ReadOnlyMemory{byte})"/>, which any thread may call (their memory must then stay unchanged
/// until their task completes). The object is reused for a later request only once it has finished and the handler
/// has let it go (see
/// <see cref="IncomingMessage"/>): until then every member acts on this request alone. Once ended, a write (or an end
/// with data) raises <see cref="Error"/> with ERR_STREAM_WRITE_AFTER_END, as Node, and an end without data only takes
/// its callback.
/// <para>Handlers that throw are contained (the exception does not leave the loop): a <see cref="Drain"/> handler or a
/// write callback as a throwing request handler is (its connection is destroyed when the head was sent); after a
/// throwing <see cref="Finish"/> handler the connection serves no more requests (it ends once the responses already
/// queued have been handed over); a <see cref="Close"/> or <see cref="Error"/> handler is reported and changes nothing
/// else.</para>
/// </remarks>
public sealed partial class ServerResponse
{
    private readonly List<KeyValuePair<string, string>> _headers = [];
    private readonly OutputBuffer _held = new();
    private List<KeyValuePair<string, string>>? _trailers; // AddTrailers' fields; the list is kept across uses
    private bool _attached;
    private bool _chunked;
    private bool _hasBody;
    private SpecialHeaders _removed;     // automatic headers the handler removed: they stay removed
    private long _declaredLength;        // the handler's Content-Length the body must match, or -1
    private long _bodyBytes;             // body bytes written so far (BodyBytesWritten)
    private int _statusCode = 200;
    private string? _statusMessage;
    private bool _sendDate = true;
    private (Microsoft.Win32.SafeHandles.SafeFileHandle File, long Offset, long Count, int At)? _file; // At: its place in _held

    // The events' handlers: subscribed on the loop only, since Recycle clears them for the next request there.
    private Action<ServerResponse>? _finish, _close, _drain;
    private Action<ServerResponse, NetException>? _error;

    internal ServerResponse()
    {
    }

    internal HttpConnection Connection { get; private set; } = null!;

    private IncomingMessage _request = null!;

    /// <summary>The request this response answers.</summary>
    /// <exception cref="ObjectDisposedException">The response is no longer in use (kept past its use, it would name a later request, or none).</exception>
    public IncomingMessage Request => (_use & 1) != 0 ? _request : throw NoLongerInUse();

    /// <summary>The request, for the connection's bookkeeping, which may run as the pair is let go.</summary>
    internal IncomingMessage AnsweredRequest => _request;

    /// <summary>The connection's socket.</summary>
    /// <exception cref="ObjectDisposedException">The response is no longer in use.</exception>
    public Socket Socket => Live.Socket;

    /// <summary>The status code sent with the head (200 unless set).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a value that is not between 100 and 999.</exception>
    public int StatusCode
    {
        get => _statusCode;
        set
        {
            VerifyLoopThread();
            ValidateStatusCode(value);
            _statusCode = value;
        }
    }

    /// <summary>The reason phrase sent with the head; null: the standard one for <see cref="StatusCode"/>.</summary>
    /// <exception cref="ArgumentException">Set to text holding a control character other than HTAB (CR and LF would split the response), DEL or a character above 0xFF (ERR_INVALID_CHAR).</exception>
    public string? StatusMessage
    {
        get => _statusMessage;
        set
        {
            VerifyLoopThread();
            FieldValidation.ValidateStatusMessage(value);
            _statusMessage = value;
        }
    }

    /// <summary>Whether a <c>Date</c> header is added (unless one was set). TechEmpower and RFC 9110 §6.6.1 want it.</summary>
    public bool SendDate
    {
        get => _sendDate;
        set
        {
            VerifyLoopThread();
            _sendDate = value;
        }
    }

    /// <summary>Whether the head has been written; headers can no longer change.</summary>
    public bool HeadersSent { get; private set; }

    /// <summary>Whether <see cref="End(ReadOnlySpan{byte}, Action{NetException?}?)"/> was called (Node's <c>writableEnded</c>).</summary>
    public bool WritableEnded { get; private set; }

    /// <summary>
    /// Whether the whole response has been handed to the socket and the write that carried its last bytes completed
    /// (<see cref="Finish"/> was raised): Node's <c>writableFinished</c>, not Node's deprecated <c>finished</c>, which is
    /// <see cref="WritableEnded"/>.
    /// </summary>
    public bool Finished { get; private set; }

    /// <summary>
    /// Node's <c>writableFinished</c>: the response has ended and the kernel has taken every byte of it, which may be
    /// before <see cref="Finish"/> is raised (Node's getter reads the socket's queue the same way). A response ended
    /// while a read's pipelined requests are answered waits for the batch's one write.
    /// </summary>
    public bool WritableFinished => Finished || (WritableEnded && IsFlushed && Connection.Socket.WritableLength == 0);

    /// <summary>Whether every byte of the response has been handed to the socket (none held back, for its turn or its batch).</summary>
    private bool IsFlushed => Stream is { } stream
        ? !Closed && FinishWrite > 0 && FinishWrite <= stream.Owner.WritesIssued
        : _attached && !Closed
        && (Connection.IsHead(this) ? Connection.LastWrite <= Connection.WritesIssued && _file is null : FinishWrite > 0 && FinishWrite <= Connection.WritesIssued);

    /// <summary>Whether <see cref="Close"/> was raised (Node's <c>closed</c>): after <see cref="Finish"/>, or when the connection closed first.</summary>
    public bool Closed { get; private set; }

    /// <summary>
    /// The body bytes this response has put on the wire so far (queued for the socket; chunk framing not counted):
    /// 0 for one that carries no body, a response to HEAD among them, whatever the handler wrote. An access log's
    /// size.
    /// </summary>
    public long BodyBytesWritten => _bodyBytes;

    /// <summary>Whether the connection stays open after this response.</summary>
    public bool KeepAlive { get; private set; }

    /// <summary>
    /// Raised once the whole response has been handed to the socket, from the completion of the write that carried its
    /// last bytes (as Node's <c>'finish'</c>, from the socket's write callback): never inside <see cref="End(ReadOnlySpan{byte}, Action{NetException?}?)"/>,
    /// so a handler subscribed right after End still sees it. A handler may end the socket here or destroy it (the
    /// responses behind it that are not finished yet then hear only <see cref="Close"/>). To close after a response,
    /// set <c>Connection: close</c>, or end the socket after End: what the response wrote leaves before the FIN.
    /// </summary>
    public event Action<ServerResponse>? Finish
    {
        add => LoopThread.Subscribe(Live.Server.Loop, nameof(ServerResponse), ref _finish, value, add: true);
        remove => LoopThread.Subscribe(Connection.Server.Loop, nameof(ServerResponse), ref _finish, value, add: false);
    }

    /// <summary>
    /// Raised once for every response, as Node's <c>'close'</c>: right after <see cref="Finish"/>, or when the connection
    /// closes before the response finished (then without Finish; a pending <see cref="EndAsync(ReadOnlyMemory{byte})"/>
    /// and the callbacks still waiting get ERR_STREAM_DESTROYED). Check <see cref="Finished"/> to tell them apart.
    /// </summary>
    public event Action<ServerResponse>? Close
    {
        add => LoopThread.Subscribe(Live.Server.Loop, nameof(ServerResponse), ref _close, value, add: true);
        remove => LoopThread.Subscribe(Connection.Server.Loop, nameof(ServerResponse), ref _close, value, add: false);
    }

    /// <summary>Raised when the socket's buffer has drained after a write of this response returned false, unless it has ended since.</summary>
    public event Action<ServerResponse>? Drain
    {
        add => LoopThread.Subscribe(Live.Server.Loop, nameof(ServerResponse), ref _drain, value, add: true);
        remove => LoopThread.Subscribe(Connection.Server.Loop, nameof(ServerResponse), ref _drain, value, add: false);
    }

    /// <summary>
    /// Raised for a misuse Node reports as the stream's <c>'error'</c> rather than throwing: a write, or an end with
    /// data, after <see cref="End(ReadOnlySpan{byte}, Action{NetException?}?)"/> (ERR_STREAM_WRITE_AFTER_END). Raised
    /// from the loop after the call returned, after the call's callback. Without a handler, the error is reported
    /// through <see cref="HttpServer.HandlerError"/> (where Node would throw it as uncaught).
    /// </summary>
    public event Action<ServerResponse, NetException>? Error
    {
        add => LoopThread.Subscribe(Live.Server.Loop, nameof(ServerResponse), ref _error, value, add: true);
        remove => LoopThread.Subscribe(Connection.Server.Loop, nameof(ServerResponse), ref _error, value, add: false);
    }

    internal ServerResponse? Next { get; set; }

    /// <summary>The next response waiting, as this one, for its last write to complete (see <see cref="HttpConnection"/>).</summary>
    internal ServerResponse? NextFinishing { get; set; }

    /// <summary>The number of the connection's write that carries this response's last bytes: Finish comes with its completion.</summary>
    internal long FinishWrite { get; set; }

    /// <summary>
    /// Who still holds this response and its request: the handler's call while it runs, and each task it left
    /// running (<see cref="HoldUntil"/>). While held, the pair is not reused, whatever the state of the response.
    /// </summary>
    private int _holds;

    /// <summary>
    /// The handler let go before the response ended: the code that ends it later (a callback, a timer) may keep the
    /// references for as long as it likes, so the pair is never reused (the garbage collector takes it).
    /// </summary>
    internal bool Kept { get; private set; }

    /// <summary>Whether a handler or a task it started still holds the response (it is not reused then).</summary>
    internal bool Held => _holds > 0 || Kept;

    /// <summary>A Write returned false: Drain is owed, even if the response only gets the socket later (Node's missed drain).</summary>
    internal bool NeedsDrain { get; private set; }

    internal void Begin(HttpConnection connection, IncomingMessage request, bool keepAlive)
    {
        Connection = connection;
        _request = request;
        request.Response = this;
        BeginUse();
        KeepAlive = keepAlive;
        // The fields, not the public setters: the connection resets them on the loop, and the defaults need no check.
        _statusCode = 200;
        _statusMessage = null;
        _sendDate = true;
        HeadersSent = WritableEnded = Finished = Closed = NeedsDrain = false;
        FinishWrite = 0;
        _attached = _chunked = false;
        _holds = 0;
        _hasBody = request.KnownMethod != Parsing.HttpRequestMethod.Head;
        _removed = SpecialHeaders.None;
        _declaredLength = -1;
        _bodyBytes = 0;
    }

    internal void Recycle()
    {
        EndUse();
        _headers.Clear();
        _held.Release();
        _file = null;
        _finish = _close = _drain = _timeout = null;
        _error = null;
        _endCallback = null;
        _callbacks?.Clear();
        _trailers?.Clear();
        Next = NextFinishing = null;
        Stream = null;
        if (_request.Response == this)
            _request.Response = null;
        _request = null!;
    }

    /// <summary>A handler gets the response (and its request): the pair is not reused until it lets go.</summary>
    internal void Hold() => _holds++;

    /// <summary>
    /// The pair is held until <paramref name="task"/> completes; a fault is reported and handled as a handler that
    /// threw (the response is still this request's: it is not reused before).
    /// </summary>
    internal void HoldUntil(Task task)
    {
        Hold();
        task.ContinueWith(static (t, state) =>
        {
            var response = (ServerResponse)state!;
            if (t.Exception is { } fault)
            {
                response.Connection.Server.ReportHandlerError(fault.InnerExceptions is [var single] ? single : fault, response._request);
                HttpServer.FailHandler(response);
            }
            response.LetGo();
        }, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.FromCurrentSynchronizationContext());
    }

    /// <summary>A holder let go: the last one leaves the pair to the connection, or, the response not ended yet, to the user for good.</summary>
    internal void LetGo()
    {
        if (--_holds > 0)
            return;
        if (!WritableEnded)
        {
            Kept = true;
            return;
        }
        Connection.OnLetGo(this);
    }

    /// <summary>Makes the connection close after this response (as <c>Connection: close</c>).</summary>
    internal void CloseAfter() => KeepAlive = false;

    /// <summary>Where bytes go: the connection's output when this response's turn has come, its own buffer before.</summary>
    private OutputBuffer Sink => _attached ? Connection.Output : _held;

    /// <summary>
    /// This response's turn has come: what it buffered moves to the connection's output, with a file it queued in its
    /// place, between the bytes written before it and those after it (its chunk's end, the last chunk).
    /// </summary>
    internal void Attach()
    {
        _attached = true;
        int fileAt = _file?.At ?? _held.Length;
        _held.CopyTo(Connection.Output, ..fileAt);
        if (_file is { } file)
        {
            _file = null;
            Connection.SendFile(file.File, file.Offset, file.Count);
        }
        _held.CopyTo(Connection.Output, fileAt..);
        _held.Release();
        AssignWriteCallbacks();
    }

    internal bool IsAttached => _attached;

    /// <summary>Bytes buffered while waiting for its turn: they count toward the connection's backpressure.</summary>
    internal int HeldLength => _held.Length;

    /// <summary>
    /// Writes <paramref name="data"/> as body (sending the head first; chunked when no Content-Length was set).
    /// Returns false when the socket has buffered past its high-water mark (for a response waiting for its turn,
    /// counting what the responses waiting hold): wait for <see cref="Drain"/>, raised too when a waiting response
    /// gets the socket.
    /// <paramref name="callback"/> runs once the bytes have been handed to the socket and their write completed (with
    /// null), or with the error when they never will be (the connection closed first: ERR_STREAM_DESTROYED); never
    /// inside this call.
    /// </summary>
    /// <remarks>
    /// After <see cref="End(ReadOnlySpan{byte}, Action{NetException?}?)"/> nothing is written and false is returned;
    /// <paramref name="callback"/> gets ERR_STREAM_WRITE_AFTER_END, then <see cref="Error"/> is raised with it (Node's
    /// write after end). On a connection already closed, <paramref name="callback"/> gets ERR_STREAM_DESTROYED.
    /// </remarks>
    /// <exception cref="InvalidOperationException">
    /// The body would exceed the Content-Length the handler set (ERR_HTTP_CONTENT_LENGTH_MISMATCH), or a
    /// <c>Trailer</c> header was set on a body that is not chunked (ERR_HTTP_TRAILER_INVALID); nothing is written.
    /// </exception>
    public bool Write(ReadOnlySpan<byte> data, Action<NetException?>? callback = null)
    {
        VerifyLoopThread();
        if (RefuseWrite(callback))
            return false;
        StartBody(contentLength: null, data.Length);
        WriteBody(data);
        Connection.OnResponseOutput(this);
        AddWriteCallback(callback);
        if (Stream is { } stream)
        {
            if (!stream.Owner.IsBackedUp(stream))
                return true;
            stream.NeedsDrain = true;
        }
        else if (IsAttached ? !Connection.IsHeadBackedUp : !Connection.IsBackedUp)
        {
            return true;
        }
        NeedsDrain = true;
        return false;
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 body; see <see cref="Write(ReadOnlySpan{byte}, Action{NetException?}?)"/>.</summary>
    public bool Write(string text, Action<NetException?>? callback = null) => Write(Encoding.UTF8.GetBytes(text), callback);

    /// <summary>
    /// Finishes the response, with <paramref name="data"/> as the last body bytes (and the trailers of
    /// <see cref="AddTrailers"/> on a chunked body). When the head was not sent yet and no Content-Length was set, the
    /// Content-Length is that of <paramref name="data"/>. A body shorter than the Content-Length the handler set closes
    /// the connection after it (as Node and Kestrel), so that the client cannot read the next response as the rest of
    /// this one. <paramref name="callback"/> runs at <see cref="Finish"/> (with null), or with ERR_STREAM_DESTROYED
    /// when the connection closes first.
    /// </summary>
    /// <remarks>
    /// Called again once ended: without data it does nothing but take <paramref name="callback"/> (run at Finish, or
    /// at once with ERR_STREAM_ALREADY_FINISHED when the response has finished); with data it is a write after end
    /// (see <see cref="Write(ReadOnlySpan{byte}, Action{NetException?}?)"/>), as in Node.
    /// </remarks>
    /// <exception cref="InvalidOperationException">
    /// The body would exceed the Content-Length the handler set (ERR_HTTP_CONTENT_LENGTH_MISMATCH), or a
    /// <c>Trailer</c> header was set on a body that is not chunked (ERR_HTTP_TRAILER_INVALID); nothing is written and
    /// the response is not ended.
    /// </exception>
    public void End(ReadOnlySpan<byte> data = default, Action<NetException?>? callback = null)
    {
        VerifyLoopThread();
        if (WritableEnded)
        {
            if (!data.IsEmpty)
                RefuseWrite(callback);
            else if (callback is not null)
                AddEndCallback(callback);
            return;
        }
        StartBody(data.Length, data.Length);
        WriteBody(data);
        if (_bodyBytes < _declaredLength)
            CloseAfter();
        if (_chunked)
            WriteLastChunk();
        WritableEnded = true;
        if (callback is not null)
            AddEndCallback(callback);
        Connection.OnResponseEnded(this);
    }

    /// <summary>Finishes the response with no more body, as Node's <c>res.end(callback)</c>; see <see cref="End(ReadOnlySpan{byte}, Action{NetException?}?)"/>.</summary>
    public void End(Action<NetException?> callback) => End(ReadOnlySpan<byte>.Empty, callback);

    /// <summary>Finishes the response with <paramref name="text"/> as UTF-8; see <see cref="End(ReadOnlySpan{byte}, Action{NetException?}?)"/>.</summary>
    public void End(string text, Action<NetException?>? callback = null) => End(Encoding.UTF8.GetBytes(text), callback);

    /// <summary>
    /// Sends the head now, if it was not, as Node's <c>flushHeaders</c>: the body's framing is decided from the headers
    /// set so far (without a Content-Length, an HTTP/1.1 body is chunked), and the head is handed to the socket at once
    /// when the response has its turn (otherwise it leaves with the response, after those before it).
    /// </summary>
    /// <exception cref="InvalidOperationException">A <c>Trailer</c> header was set on a body that is not chunked (ERR_HTTP_TRAILER_INVALID); nothing is sent.</exception>
    public void FlushHeaders()
    {
        VerifyLoopThread();
        if (!HeadersSent)
            WriteHeadCore(PlanHead(contentLength: null));
        if (_attached)
            Connection.Flush();
        else
            Stream?.Owner.OnResponseOutput();
    }

    /// <summary>
    /// Finishes the response with <paramref name="count"/> bytes of <paramref name="file"/> from
    /// <paramref name="offset"/> as its body, sent with sendfile(2): the bytes go from the page cache to the socket
    /// without passing through user space, with the socket's backpressure. The Content-Length is
    /// <paramref name="count"/> when the head was not sent yet. The handle must stay open until <see cref="Finish"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> or <paramref name="count"/> is negative; nothing is written.</exception>
    /// <exception cref="InvalidOperationException">
    /// After <see cref="End(ReadOnlySpan{byte}, Action{NetException?}?)"/>, or the body would exceed the Content-Length the handler set
    /// (ERR_HTTP_CONTENT_LENGTH_MISMATCH); nothing is written.
    /// </exception>
    public void SendFile(Microsoft.Win32.SafeHandles.SafeFileHandle file, long offset, long count)
    {
        ArgumentNullException.ThrowIfNull(file);
        // Checked before the head, which would otherwise announce the count as its Content-Length.
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        VerifyLoopThread();
        if (WritableEnded)
            throw new InvalidOperationException("write after end (ERR_STREAM_WRITE_AFTER_END).");
        StartBody(count, count);
        if (Stream is not null && _hasBody)
        {
            SendFileHttp2(file, offset, count);
        }
        else if (_hasBody && count > 0)
        {
            _bodyBytes += count;
            OutputBuffer sink = Sink;
            if (_chunked)
            {
                sink.WriteHex(count);
                sink.Write("\r\n"u8);
            }
            if (_attached)
                Connection.SendFile(file, offset, count); // after the bytes before it: it flushes them first
            else
                _file = (file, offset, count, _held.Length); // sent in its place by Attach
            if (_chunked)
                sink.Write("\r\n"u8);
        }
        End();
    }

    /// <summary>
    /// Sends the head if it was not, once <paramref name="count"/> more body bytes are known to fit the Content-Length
    /// the handler set: a longer body would run into the next response (Node's ERR_HTTP_CONTENT_LENGTH_MISMATCH).
    /// </summary>
    private void StartBody(long? contentLength, long count)
    {
        if (HeadersSent)
        {
            ThrowIfPastLength(_declaredLength, count);
            return;
        }
        HeadPlan plan = PlanHead(contentLength);
        ThrowIfPastLength(plan.Declared, count);
        WriteHeadCore(plan);
    }

    private void ThrowIfPastLength(long declared, long count)
    {
        // Compared with what is left, not as a sum: a count near long.MaxValue (SendFile's) would wrap the sum round.
        if (declared >= 0 && count > declared - _bodyBytes)
        {
            throw new InvalidOperationException(
                $"Response body's content-length of {(ulong)_bodyBytes + (ulong)count} byte(s) does not match the content-length of {declared} byte(s) set in header (ERR_HTTP_CONTENT_LENGTH_MISMATCH).");
        }
    }

    private void WriteBody(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty || !_hasBody)
            return;
        _bodyBytes += data.Length;
        if (Stream is { } stream)
        {
            stream.Owner.WriteData(stream, data);
            return;
        }
        OutputBuffer sink = Sink;
        if (_chunked)
        {
            sink.WriteHex(data.Length);
            sink.Write("\r\n"u8);
            sink.Write(data);
            sink.Write("\r\n"u8);
            return;
        }
        sink.Write(data);
    }

    /// <summary>Whether anything waits for Finish or Close: a handler, a callback, a task, or a holder that may subscribe still.</summary>
    internal bool Observed => _finish is not null || _close is not null || _endCallback is not null || HasWriteCallbacks
        || _finishTask is not null || _drainTask is not null || Held;

    /// <summary>Finished with nobody to tell (see <see cref="Observed"/>): the state says so, no event is raised.</summary>
    internal void FinishUnobserved() => Finished = Closed = true;

    /// <summary>The write carrying the response's last bytes completed: Finish, then the callbacks waiting for it.</summary>
    internal void RaiseFinish()
    {
        Finished = true;
        CompleteWriteCallbacks(long.MaxValue);
        CompleteFinishTasks();
        Action<NetException?>? end = _endCallback;
        _endCallback = null;
        try
        {
            _finish?.Invoke(this);
            end?.Invoke(null);
        }
        catch (Exception e)
        {
            Connection.Server.ReportHandlerError(e, _request);
            Connection.EndAfterQueue(); // the response stands; its connection serves no more requests
        }
    }

    /// <summary>
    /// Close, once: after Finish, or when the connection gave the response up before it finished (then what waits for
    /// it fails: tasks, write and end callbacks).
    /// </summary>
    internal void RaiseClose()
    {
        if (Closed)
            return;
        Closed = true;
        if (!Finished)
            FailTasks();
        try
        {
            _close?.Invoke(this);
        }
        catch (Exception e)
        {
            // Contained: the connection goes on (after Finish) or is closing already, and its cleanup must go on.
            Connection.Server.ReportHandlerError(e, _request);
        }
    }

    internal void RaiseDrain()
    {
        NeedsDrain = false;
        CompleteDrainTask();
        if (WritableEnded)
            return; // nothing more can be written (Node checks !finished): its handler would only meet write after end
        try
        {
            _drain?.Invoke(this);
        }
        catch (Exception e)
        {
            Connection.Server.ReportHandlerError(e, _request);
            HttpServer.FailHandler(this);
        }
    }

    /// <summary>Refuses a call from off the loop's thread (see <see cref="LoopThread"/>).</summary>
    // Through Live: a response kept past its use (recycled, until the next request takes it) is refused as disposed.
    private void VerifyLoopThread([CallerMemberName] string member = "") =>
        LoopThread.Verify(Live.Server.Loop, nameof(ServerResponse), member);
}

using System.Buffers;
using Uvnet.Http.Http2;
using Uvnet.Http.Parsing;
using Uvnet.Net;

namespace Uvnet.Http.Server;

/// <summary>
/// One HTTP/1.1 connection, in Node's pipelining model: every parsed request joins the queue of responses in
/// request order; only the response at the head writes to the socket, later ones buffer until their turn. What
/// a read's pipelined requests produce leaves in one write. Past <see cref="HttpServerOptions.MaxPipelinedRequests"/>
/// waiting responses, or when the socket's writes (and the responses buffered behind the head) back up, the
/// connection stops reading until they drain.
/// <para>User code never runs the connection on: an ended response leaves the queue, and the next request is parsed and
/// dispatched, only after the handler's call returns (between parser steps) or from the loop (a posted continuation),
/// never inside the user's <c>End</c>, <c>ReadBodyAsync</c> or event handler.</para>
/// </summary>
internal sealed partial class HttpConnection : WriteCompletion
{
    private Action<NetException?>? _onFileSent; // made on the first file body: most connections send none
    private OutputArraysInFlight _arraysInFlight; // the output arrays handed to the socket whose bytes it has not all taken
    private HttpRequestParser? _parser; // lent by the server while a request arrives (see ReturnParserIfIdle)

    private ServerResponse? _head, _tail;
    private ServerResponse? _finishing, _finishingTail; // left the queue, waiting for their last write to complete
    private long _writesIssued, _writesCompleted;
    private int _waiting;
    private IncomingMessage? _parsing;
    private bool _inRead;
    private int _corks; // see Cork
    private bool _stopParsing;
    private bool _readPaused;
    private bool _detached;
    private bool _closeWhenDone;
    private bool _ended; // CloseAfterFlush ran: our side ends (or has ended) and nothing more is served
    private bool _dropped; // bytes of the head response were dropped after the user ended the socket: it never finishes
    private bool _peerEnded;
    private bool _continuePosted;
    private bool _continueAtUncork; // the head response ended while corked: the queue advances at the Uncork
    private int _restOfRead;
    private IncomingMessage? _pendingUpgrade;
    private int _requestCount;
    private byte[]? _unparsed;
    private int _unparsedLength;
    private bool _requestTimeoutSet;
    private bool _protocolChosen; // the first read decided between HTTP/1.1 and HTTP/2
    private Http2Connection? _h2;

    // Timeout bookkeeping, read by the server's periodic check. The first request is late from the connection's
    // start, as in Node (its parser counts headersTimeout from its initialisation): a client that connects and sends
    // nothing gets 408 at the headers timeout; the keep-alive timeout applies only between requests.
    internal long RequestStartedAt;
    internal bool HeadersDone;
    internal long IdleSince;

    /// <summary>The socket's <see cref="Socket.BytesSent"/> when the periodic check last saw it move, and when that was.</summary>
    internal long SentSeen;
    internal long SendProgressAt;

    /// <summary>
    /// When our side ended with everything sent (-1: not yet): from then on only the client's FIN is awaited,
    /// reading and discarding what it still sends, so that closing cannot reset a response it has not read. The
    /// server's periodic check bounds the wait (<see cref="HttpServer.LingerTimeout"/>).
    /// </summary>
    internal long LingeringSince = -1;
    internal int IndexInServer;

    internal HttpConnection(HttpServer server, Socket socket)
    {
        Server = server;
        Socket = socket;
        IdleSince = SendProgressAt = RequestStartedAt = server.Loop.Now;
        socket.Data += static (s, data) => Of(s).OnData(data);
        socket.Drain += static s => Of(s).OnDrain();
        socket.Ended += static s => Of(s).OnPeerEnded();
        socket.Finish += static s => Of(s).LingeringSince = s.Loop.Now;
        socket.Closed += static (s, _) => Of(s).OnClosed();
        socket.Error += static (_, _) => { }; // a reset peer is routine: the close that follows cleans up
        socket.Timeout += static s => Of(s).OnTimeout();
        socket.BeforeOutput = static s => Of(s).OnSocketOutput();
        socket.Owner = this;
        if (server.SocketTimeout > 0)
            socket.SetTimeout(server.SocketTimeout);
    }

    // Static handlers find their connection through the socket (no delegates per connection), in the socket's
    // internal Owner: UserData is the user's to set at any time, from a Connection or Upgrade handler too.
    private static HttpConnection Of(Socket socket) => (HttpConnection)socket.Owner!;

    internal HttpServer Server { get; }

    internal Socket Socket { get; }

    internal OutputBuffer Output { get; } = new();

    /// <summary>
    /// Whether the connection is between requests with nothing in flight (closable by CloseIdleConnections and the
    /// keep-alive timeout). A finished response may still be on its way to the kernel (a large body, a sendfile):
    /// until its last byte is, the connection is busy, as Node's response finishes only once its write has flushed.
    /// </summary>
    internal bool IsIdle => _h2 is { } h2 ? h2.IsIdle : _head is null && _finishing is null && _parsing is null && !_detached && Socket.WritableLength == 0;

    /// <summary>Whether writes have backed up past the socket's high-water mark, counting what queued responses hold.</summary>
    internal bool IsBackedUp => HeadBacklog + QueuedLength() >= Socket.WritableHighWaterMark;

    /// <summary>
    /// Whether the head response must wait: the socket's backlog and what the head has not handed it yet. Not the
    /// bytes queued behind it, which leave only after the head ends: a head told to wait for them would wait for a
    /// Drain no socket write owes it (as Node's, whose attached response answers with the socket's own backpressure).
    /// </summary>
    internal bool IsHeadBackedUp => HeadBacklog >= Socket.WritableHighWaterMark;

    private long HeadBacklog => Socket.WritableLength + Output.Length;

    /// <summary>The bytes buffered by the responses waiting behind the head (the head writes to <see cref="Output"/>).</summary>
    private long QueuedLength()
    {
        long length = 0;
        for (ServerResponse? r = _head?.Next; r is not null; r = r.Next)
            length += r.HeldLength;
        return length;
    }

    private void OnData(ReadOnlySpan<byte> data)
    {
        if (_h2 is { } h2)
        {
            h2.OnData(data);
            return;
        }
        if (_detached)
            return;
        if (!_protocolChosen)
        {
            _protocolChosen = true;
            if (ChoosesHttp2(data))
            {
                _h2 = new Http2Connection(this);
                RequestStartedAt = -1; // the HTTP/1.1 timeouts give way to HTTP/2's (see HttpServer.CheckTimeouts)
                _h2.OnData(data);
                return;
            }
        }
        FeedAndFlush(data);
        ThrottleReading();
    }

    /// <summary>Feeds <paramref name="data"/>, then sends in one write what the requests it completed produced.</summary>
    private void FeedAndFlush(ReadOnlySpan<byte> data)
    {
        _inRead = true;
        try
        {
            Feed(data);
            AdvanceIfEnded(); // a refusal answered, or a response ended in the read's last step
        }
        finally
        {
            _inRead = false;
        }
        ReturnParserIfIdle();
        Flush();
    }

    /// <summary>
    /// Between requests the connection needs no parser: it goes back to the server's pool, so an idle keep-alive
    /// connection holds no parser state (the next read takes one, as new, from the pool).
    /// </summary>
    private void ReturnParserIfIdle()
    {
        if (_parser is { IsAtMessageStart: true } parser && _parsing is null)
            ReturnParser(parser);
    }

    private void ReturnParser(HttpRequestParser parser)
    {
        _parser = null;
        parser.Reset();
        Server.FreeParsers.Push(parser);
    }

    /// <summary>
    /// Parses as much of <paramref name="data"/> as may be parsed now; keeps the rest for later. The parser stops
    /// (pauses) after each request's head and after each request's end, so that the handler and the request's End
    /// event run outside it, where the bytes after the request are known.
    /// </summary>
    private void Feed(ReadOnlySpan<byte> data)
    {
        var callbacks = new ParserCallbacks(this);
        HttpRequestParser parser = _parser ??= Server.FreeParsers.TryPop(out HttpRequestParser? free)
            ? free : new HttpRequestParser(Server.Options.ParserLimits);
        bool resumed = false;
        while (true)
        {
            ReadOnlySpan<byte> input;
            if (!data.IsEmpty && CanParse)
                input = data;
            else if (resumed && !_detached && !Socket.Destroyed)
                input = default; // after a pause, the parser runs on no bytes: a request without a body completes there
            else
                break;
            resumed = false;
            HttpParserError error = parser.Execute(ref callbacks, input, out int consumed);
            data = data[consumed..];
            _restOfRead = data.Length;
            if (error == HttpParserError.Paused)
            {
                parser.Resume();
                resumed = true;
                if (_bodyTooLarge)
                {
                    _bodyTooLarge = false;
                    Refuse(HttpClientError.BodyTooLarge());
                    break;
                }
                if (_completed is { } completed)
                {
                    _completed = null;
                    Complete(completed);
                }
                else
                {
                    DispatchRequest(_parsing!);
                }
                AdvanceIfEnded(); // a handler or body event ended its response: it leaves now that user code has returned
                continue;
            }
            AdvanceIfEnded();
            if (error == HttpParserError.None)
                continue;
            if (error == HttpParserError.PausedUpgrade)
            {
                if (_upgrading is { } upgrading)
                {
                    _upgrading = null;
                    UpgradeInTurn(upgrading, data);
                    break;
                }
                // Declined (no Upgrade or Connect handler): the Upgrade field is ignored and the next request may
                // follow; after a CONNECT nothing is parsed (its 501 closes the connection, see DispatchRequest).
                parser.ResumeAfterUpgrade();
                continue;
            }
            Refuse(new HttpClientError(error, RefusalStatus(error), parser.ErrorReason ?? error.ToString()));
            break;
        }
        _restOfRead = 0;
        if (!data.IsEmpty && !_stopParsing && !_detached && !Socket.Destroyed)
            Hold(data);
    }

    private bool CanParse => !_stopParsing && !_detached && !Socket.Destroyed && _waiting < Server.Options.MaxPipelinedRequests
        && _parsing is not { HoldsTooMuch: true } && _pendingUpgrade is null;

    /// <summary>Keeps unparsed bytes (the read buffer is the loop's, reused by the next read) until parsing may go on.</summary>
    private void Hold(ReadOnlySpan<byte> rest)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(_unparsedLength + rest.Length);
        if (_unparsed is not null)
        {
            _unparsed.AsSpan(0, _unparsedLength).CopyTo(buffer);
            ArrayPool<byte>.Shared.Return(_unparsed);
        }
        rest.CopyTo(buffer.AsSpan(_unparsedLength));
        _unparsed = buffer;
        _unparsedLength += rest.Length;
    }

    /// <summary>Parses held bytes and restarts reading once nothing holds the connection back.</summary>
    private void ContinueReading()
    {
        if (_detached || Socket.Destroyed)
            return;
        if (_unparsed is { } held && CanParse)
        {
            int length = _unparsedLength;
            _unparsed = null;
            _unparsedLength = 0;
            try
            {
                FeedAndFlush(held.AsSpan(0, length));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(held);
            }
            if (_peerEnded && _unparsed is null && !_detached)
                EndOfInput(); // the client's FIN came while these bytes were held: it ends the input after them
        }
        ThrottleReading();
    }

    /// <summary>
    /// Runs the connection on from the loop (flush, advance the queue, parse held bytes) when user code asked for it
    /// outside a read: an End or a body read from a callback must return before the next request is dispatched.
    /// </summary>
    private void ContinueLater()
    {
        if (_continuePosted)
            return;
        _continuePosted = true;
        Server.Loop.Post(s_continue, this);
    }

    private static readonly Action<HttpConnection> s_continue = static c =>
    {
        c._continuePosted = false;
        c.Advance();
    };

    /// <summary>Stops reading while responses back up (a pipelining flood must not grow memory); resumes when they drain.</summary>
    private void ThrottleReading()
    {
        if (_detached)
            return; // the socket belongs to the upgrade handler now
        bool hold = !CanParse || _unparsed is not null || IsBackedUp;
        if (hold && !_readPaused && !_stopParsing)
        {
            _readPaused = true;
            Socket.Pause();
        }
        else if (!hold && _readPaused)
        {
            _readPaused = false;
            Socket.Resume();
        }
    }

    /// <summary>An unread body was asked for: lift the pause it caused (from the loop: the reader's call returns first).</summary>
    internal void ResumeAfterBody()
    {
        if (!_inRead)
            ContinueLater(); // within a read, the parser's loop goes on by itself
    }

    /// <summary>
    /// Whether the connection speaks HTTP/2: TLS chose <c>h2</c> by ALPN, or the first bytes are the start of the
    /// client preface (h2c with prior knowledge, RFC 9113 §3.3). <c>PRI</c> is no HTTP/1.1 method (RFC 9113 §3.4
    /// reserves it), so three bytes tell; fewer that agree with it (a client dripping its first bytes) are read as
    /// HTTP/1.1, whose parser then refuses the preface.
    /// </summary>
    private bool ChoosesHttp2(ReadOnlySpan<byte> data)
    {
        if (!Server.Options.Http2)
            return false;
        if (Tls.TlsSocketExtensions.GetTlsConnection(Socket) is { } tls)
            return tls.AlpnProtocol == "h2";
        return data.Length >= 3 && Http2Preface.Check(data) != Http2PrefaceMatch.Mismatch;
    }

    private void OnPeerEnded()
    {
        if (_h2 is { } h2)
        {
            h2.OnPeerEnded();
            return;
        }
        if (_detached)
            return; // the socket belongs to the upgrade handler now
        // The client finished sending: what it sent is answered (RFC 9112 §9.6 allows a FIN after the request),
        // held pipelined requests included, then our side ends. The socket allows half-open connections (as Node's
        // http server's does) so that it does not end on its own here and cut short a response still being written:
        // the last response ends it.
        _peerEnded = true;
        _closeWhenDone = true;
        if (_unparsed is null)
            EndOfInput();
    }

    /// <summary>Everything the client sent has been parsed: a request cut short is refused, and the connection ends after its responses.</summary>
    private void EndOfInput()
    {
        if (_parsing is null)
        {
            _stopParsing = true;
            CloseIfDone();
        }
        else if (!_stopParsing && _parser!.Finish() != HttpParserError.None) // a request being parsed holds the parser
        {
            Refuse(new HttpClientError(HttpParserError.InvalidEofState, 400, "the connection ended inside a request"));
        }
    }

    /// <summary>
    /// The socket's idle timeout (<see cref="HttpServer.SetTimeout"/>, <see cref="IncomingMessage.SetTimeout"/>), as
    /// Node's socketOnTimeout: raised on the request still arriving, on the response first still to be sent and on the
    /// server; destroyed when nobody handles it.
    /// </summary>
    private void OnTimeout()
    {
        if (_detached || Socket.Destroyed)
            return; // the socket belongs to the upgrade handler now
        bool handled = _parsing?.RaiseTimeout() == true;
        handled |= _head?.RaiseTimeout() == true;
        handled |= Server.RaiseTimeout(Socket);
        if (!handled)
            Socket.Destroy();
    }

    /// <summary>A request's <see cref="IncomingMessage.SetTimeout"/>: the socket's idle timeout until the responses queued have gone.</summary>
    internal void SetRequestTimeout(long milliseconds)
    {
        _requestTimeoutSet = true;
        Socket.SetTimeout(milliseconds);
    }

    /// <summary>
    /// No response is left to send: a timeout set by a request gives way to the server's, as Node replaces it when
    /// the connection goes idle (its keep-alive timeout, then server.timeout for the next request).
    /// </summary>
    private void RestoreServerTimeout()
    {
        if (!_requestTimeoutSet)
            return;
        _requestTimeoutSet = false;
        Socket.SetTimeout(Server.SocketTimeout);
    }

    private void OnClosed()
    {
        _h2?.OnClosed();
        _parsing?.OnConnectionClosed(); // aborted: a handler awaiting ReadBodyAsync would wait forever
        AbandonFinishing();
        AbandonQueue();
        Output.Release();
        if (_parser is { } parser)
            ReturnParser(parser);
        if (_unparsed is not null)
            ArrayPool<byte>.Shared.Return(_unparsed);
        _unparsed = null;
        Server.OnConnectionClosed(this);
    }
}

using System.Buffers;
using System.Text;
using Uvnet.Http.Parsing;

namespace Uvnet.Http.Server;

internal sealed partial class HttpConnection
{
    private IncomingMessage? _upgrading;
    private IncomingMessage? _completed;
    private bool _clientErrorTaken;
    private bool _notHttp1;
    private bool _bodyTooLarge;
    private bool _lastRequest;
    private long _bodyBytes;

    /// <summary>The parser's callbacks: a struct, so the generic parser calls them directly.</summary>
    private readonly struct ParserCallbacks(HttpConnection connection) : IHttpParserHandler
    {
        public void OnMessageBegin() => connection.OnMessageBegin();

        public void OnMethod(ReadOnlySpan<byte> method) => connection._parsing!.Head.AppendMethod(method);

        public void OnUrl(ReadOnlySpan<byte> url) => connection._parsing!.Head.AppendUrl(url);

        public void OnHeaderField(ReadOnlySpan<byte> name) => connection._parsing!.AppendFieldName(name);

        public void OnHeaderValue(ReadOnlySpan<byte> value) => connection._parsing!.AppendFieldValue(value);

        public HeadersCompleteAction OnHeadersComplete(HttpRequestParser parser) => connection.OnHeadersComplete(parser);

        public void OnBody(ReadOnlySpan<byte> data) => connection.OnBody(data);

        public void OnChunkHeader(long size)
        {
            if (size == 0)
                connection._parsing!.BeginTrailers(); // the fields after the last chunk are trailers (RFC 9112 §7.1.2)
        }

        public void OnChunkComplete()
        {
        }

        public void OnMessageComplete() => connection.OnMessageComplete();
    }

    private void OnMessageBegin()
    {
        IncomingMessage request = RentRequest();
        _parsing = request;
        RequestStartedAt = Server.Loop.Now;
        HeadersDone = false;
    }

    private HeadersCompleteAction OnHeadersComplete(HttpRequestParser parser)
    {
        HeadersDone = true;
        _bodyBytes = 0;
        _parsing!.OnHeadersComplete(parser);
        if (Server.Options.MaxRequestBodySize is { } max && parser.ContentLength > max)
            _bodyTooLarge = true; // Feed answers 413 instead of dispatching; the body is never read
        if (!parser.IsHttp1)
        {
            // RTSP, ICE and HTTP/0.9 parse (as llhttp does), but this is an HTTP/1.x server: 505 and close.
            _notHttp1 = true;
            return HeadersCompleteAction.Pause;
        }
        if (parser.IsUpgrade && H2cSettings(_parsing, parser) is { } settings)
        {
            _upgrading = _parsing;
            _h2cSettings = settings;
            return HeadersCompleteAction.Upgrade;
        }
        bool connect = parser.Method == HttpRequestMethod.Connect;
        if (parser.IsUpgrade && (connect ? Server.HasConnectHandlers : Server.HasUpgradeHandlers)
            && AuthorityFault(_parsing.Head, parser.VersionMinor, connect, out _) is null)
        {
            _upgrading = _parsing; // the message completes before Execute returns PausedUpgrade
            return HeadersCompleteAction.Upgrade;
        }
        // Stop here so the request is dispatched outside the parser: a handler may do anything to the connection.
        return HeadersCompleteAction.Pause;
    }

    /// <summary>A piece of the body: counted against <see cref="HttpServerOptions.MaxRequestBodySize"/>, then given to the request.</summary>
    private void OnBody(ReadOnlySpan<byte> data)
    {
        _bodyBytes += data.Length;
        if (Server.Options.MaxRequestBodySize is { } max && _bodyBytes > max)
        {
            // A chunked body grew past the limit: stop the parser here; Feed answers 413.
            _bodyTooLarge = true;
            _parser!.Pause();
            return;
        }
        _parsing!.OnBody(data);
    }

    private void OnMessageComplete()
    {
        IncomingMessage request = _parsing!;
        _parsing = null;
        RequestStartedAt = -1;
        if (!request.ShouldKeepAlive || _lastRequest)
            _stopParsing = true; // nothing after a request that closes the connection is a request
        if (_parser!.IsUpgrade)
        {
            // The parser stops after it by itself (PausedUpgrade). A request upgraded to h2c completes once it has
            // been dispatched as stream 1 (see SwitchToHttp2), so that its handler hears End.
            if (_h2cSettings is null)
                Complete(request);
            return;
        }
        // Its End event runs in Feed, outside the parser (see Feed).
        _completed = request;
        _parser!.Pause();
    }

    /// <summary>The whole request has arrived: its End event, then it goes back to the pool if its response is done too.</summary>
    private void Complete(IncomingMessage request)
    {
        request.OnComplete();
        ReleaseIfDone(request);
    }

    /// <summary>The head of a request is complete: queue its response and hand both to the handler.</summary>
    private void DispatchRequest(IncomingMessage request)
    {
        if (Socket.Destroyed)
            return; // destroyed by a handler while the parser went on through the same read: nobody is there to answer
        _requestCount++;
        // A CONNECT dispatched here was declined (no Upgrade handler): the bytes after it are a tunnel's, not HTTP.
        // A server that is closing still keeps the connection for the requests already received (see EndsAfter).
        bool keepAlive = request.ShouldKeepAlive && request.KnownMethod != HttpRequestMethod.Connect
            && (Server.Options.MaxRequestsPerSocket == 0 || _requestCount < Server.Options.MaxRequestsPerSocket);
        ServerResponse response = Enqueue(request, keepAlive);
        request.Dispatched = true; // from here on its response is its one final response
        if (!keepAlive)
            _lastRequest = true; // its body is still read; nothing after it is

        if (_notHttp1)
        {
            if (!RaiseClientError(new HttpClientError(HttpParserError.UnsupportedVersion, 505, "not HTTP/1.x")))
                Answer(response, 505, bare: true);
            return;
        }
        if (AuthorityFault(request.Head, request.HttpVersionMinor, request.KnownMethod == HttpRequestMethod.Connect,
                out ReadOnlySpan<byte> expect) is not null)
        {
            // Not a parse error: answered as Node answers a missing Host (a response of the server's, no ClientError).
            Answer(response, 400);
            return;
        }
        if (request.KnownMethod == HttpRequestMethod.Connect)
        {
            // No Connect handler (it would have taken the request as an upgrade): this server is no proxy, and does
            // not implement the method for any resource (RFC 9110 §15.6.2). The bytes after it are not parsed.
            Answer(response, 501);
            return;
        }
        // RFC 9110 §10.1.1: an HTTP/1.0 client's 100-continue is ignored (HTTP/1.0 knows no 1xx, §15.2), and so is
        // the rest of a field HTTP/1.0 does not define.
        if (!expect.IsEmpty && request.HttpVersionMinor == 1)
        {
            if (!Ascii.EqualsIgnoreCase(expect, "100-continue"u8))
            {
                if (Server.HandlesCheckExpectation)
                    Hand(request, response, RequestEvent.CheckExpectation);
                else
                    Answer(response, 417);
                return;
            }
            if (Server.HandlesCheckContinue)
            {
                Hand(request, response, RequestEvent.CheckContinue);
                return;
            }
            response.WriteContinue();
        }
        Hand(request, response, RequestEvent.Request);
    }

    /// <summary>
    /// Gives the pair to the user's handler, which holds it for its call (and an async handler until its task
    /// completes): the pair is not reused while the handler may still use it (see <see cref="ServerResponse.Held"/>).
    /// </summary>
    private void Hand(IncomingMessage request, ServerResponse response, RequestEvent kind)
    {
        request.Held = true;
        response.Hold();
        Server.RaiseRequest(kind, request, response);
        response.LetGo();
    }

    /// <summary>
    /// Why the request's authority makes it a 400, or null: a target's authority that is not <c>uri-host [ ":" port ]</c>
    /// (CONNECT's with a port of 1 to 65535, RFC 9110 §9.3.6; absolute-form's with a host, RFC 9110 §4.2.1), or the
    /// Host fields (RFC 9112 §3.2: none on HTTP/1.1, more than one, or a value outside that grammar). With one pass
    /// over the fields for the two the server itself acts on (names compared only when the length fits), the Expect
    /// field's value.
    /// </summary>
    private static string? AuthorityFault(HttpRequestHead head, int minorVersion, bool connect, out ReadOnlySpan<byte> expect)
    {
        int hosts = 0;
        ReadOnlySpan<byte> host = default;
        expect = default;
        for (int i = 0; i < head.HeaderCount; i++)
        {
            ReadOnlySpan<byte> name = head.GetHeaderName(i);
            if (name.Length == 4 && Ascii.EqualsIgnoreCase(name, "host"u8))
            {
                hosts++;
                host = head.GetHeaderValue(i);
            }
            else if (name.Length == 6 && expect.IsEmpty && Ascii.EqualsIgnoreCase(name, "expect"u8))
            {
                expect = head.GetHeaderValue(i);
            }
        }
        if (connect ? !HostSyntax.IsValidConnectTarget(head.Url)
            : RequestTarget.IsAbsoluteForm(head.Url, out ReadOnlySpan<byte> authority) && !HostSyntax.IsValidAbsoluteAuthority(authority))
            return "invalid authority in the request-target";
        return hosts switch
        {
            0 when minorVersion == 1 => "missing Host header",
            0 => null,
            1 => HostSyntax.IsValid(host) ? null : "invalid Host header",
            _ => "more than one Host header",
        };
    }

    /// <summary>A request object from the server's pool, begun on this connection.</summary>
    internal IncomingMessage RentRequest()
    {
        IncomingMessage request = Server.FreeRequests.TryPop(out IncomingMessage? free) ? free : new IncomingMessage();
        request.Begin(this);
        return request;
    }

    /// <summary>
    /// Answers with an empty <paramref name="status"/> response, without the handler's headers, and closes the connection
    /// after it. <paramref name="bare"/>: the status line and <c>Connection: close</c> alone, byte for byte Node's answer
    /// to a request it could not parse or that timed out (its socketOnError: no Date, Server or Content-Length; the
    /// close ends the empty body).
    /// </summary>
    internal static void Answer(ServerResponse response, int status, bool bare = false)
    {
        response.ResetHead(); // a failed handler's headers (its Content-Length, its cookies) are not this answer's
        response.CloseAfter();
        response.StatusCode = status;
        if (bare)
        {
            // Removed automatic headers stay removed (as Node's removeHeader): without both framing fields the close
            // ends the body, which is empty.
            response.SendDate = false;
            response.RemoveHeader("Server");
            response.RemoveHeader("Content-Length");
            response.RemoveHeader("Transfer-Encoding");
        }
        response.End();
    }

    /// <summary>
    /// A request that cannot be parsed: its status (in turn, after earlier responses), then a clean close; raised as
    /// ClientError once (the request is forgotten, so the client's FIN that follows is no second error).
    /// </summary>
    private void Refuse(HttpClientError clientError)
    {
        _stopParsing = true;
        IncomingMessage? request = _parsing;
        RequestStartedAt = -1;
        int status = clientError.StatusCode;
        if (request is { Dispatched: true })
        {
            _parsing = null;
            // The error is in the body of a request that already has its response: exactly one final response per
            // request (RFC 9110 §15), so no second one. Not begun, its response answers with the status first (so
            // that a handler woken by the error, whose awaits may resume inline, finds it ended); begun, it cannot be
            // finished (the connection is destroyed); ended or sent, the connection closes after it.
            _closeWhenDone = true;
            if (request.Response is { WritableEnded: false } response)
                HttpServer.FailHandler(response, status, bare: clientError.IsRaised);
            else
                CloseIfDone();
            request.Abort(clientError);
            if (request.ResponseFinished)
            {
                // Its response has left the queue (the body was being dropped): nothing else will end the request,
                // which is cut short as by a close (as FinishRequest does for a response that finishes after this).
                request.OnConnectionClosed();
                ReleaseIfDone(request);
            }
            return;
        }
        // While the handler runs, the request is still the one being parsed and the socket the handler's: a server
        // closed from it neither sees an idle connection nor ends the socket under the handler.
        _clientErrorTaken = true;
        _clientErrorTaken = RaiseClientError(clientError);
        _parsing = null;
        if (_clientErrorTaken)
            return;
        if (clientError.Code == HttpClientError.RequestTimeoutCode && _requestCount > 0)
        {
            Destroy(); // not the first request: closed without an answer, as Node (see TimeOut)
            return;
        }
        request ??= RentRequest();
        request.MarkComplete();
        // Parse errors and timeouts get Node's bare bytes (its socketOnError); a body past MaxRequestBodySize, a limit
        // Node does not have, gets an ordinary response of the server's.
        Answer(Enqueue(request, keepAlive: false), status, bare: clientError.IsRaised);
    }

    /// <summary>Raises ClientError; true when a handler took charge of the socket.</summary>
    private bool RaiseClientError(HttpClientError error) => Server.RaiseClientError(error, Socket);

    /// <summary>Parse errors and their statuses, as Node maps llhttp's.</summary>
    private int RefusalStatus(HttpParserError error) => error switch
    {
        HttpParserError.HeaderOverflow when _parsing is { Head.HeaderCount: 0 } => 414, // still in the request line
        HttpParserError.HeaderOverflow => 431,
        HttpParserError.UnknownTransferEncoding or HttpParserError.MethodOverflow => 501,
        HttpParserError.ChunkExtensionsOverflow => 413,
        HttpParserError.UnsupportedVersion => 505,
        _ => 400,
    };

    /// <summary>
    /// An Upgrade request was parsed: the connection changes protocol once every earlier response has been handed to
    /// the socket (nothing of HTTP may follow the handler's 101 into the new protocol); until then the bytes after it
    /// are held and reading stops.
    /// </summary>
    private void UpgradeInTurn(IncomingMessage request, ReadOnlySpan<byte> rest)
    {
        _parsing = null;
        RequestStartedAt = -1;
        if (_head is null)
            Upgrade(request, rest.ToArray());
        else
            _pendingUpgrade = request; // Feed holds the rest; Advance hands over once the queue is empty
    }

    /// <summary>The queue has emptied behind a pending Upgrade: hand the socket over with the bytes held after its head.</summary>
    private void UpgradePending(IncomingMessage request)
    {
        _pendingUpgrade = null;
        byte[] rest = _unparsed is { } held ? held.AsSpan(0, _unparsedLength).ToArray() : [];
        if (_unparsed is not null)
            ArrayPool<byte>.Shared.Return(_unparsed);
        _unparsed = null;
        _unparsedLength = 0;
        Upgrade(request, rest);
    }

    /// <summary>The connection changes protocol: the Upgrade handler gets the socket, reading, and the bytes read past the head.</summary>
    private void Upgrade(IncomingMessage request, byte[] rest)
    {
        if (_h2cSettings is { } settings)
        {
            _h2cSettings = null;
            SwitchToHttp2(request, settings, rest);
            return;
        }
        Flush(); // the earlier responses go first
        _detached = true;
        Server.Detach(this);
        if (_readPaused)
        {
            // Paused while bytes were held or responses backed up: the socket is the handler's now, and reads.
            _readPaused = false;
            Socket.Resume();
        }
        Server.RaiseUpgrade(request, Socket, rest);
    }
}

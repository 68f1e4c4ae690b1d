namespace Uvnet.Http.Parsing;

/// <summary>
/// A strict, incremental HTTP/1.1 response parser: <see cref="HttpRequestParser"/>'s core in response mode, as
/// llhttp has both. Feed it whatever a socket read returned, split anywhere, and it reports through
/// <see cref="IHttpResponseParserHandler"/> callbacks what it would report had it been given everything at once.
/// It allocates nothing.
/// </summary>
/// <remarks>
/// <para><b>Use.</b> As the request parser's: Execute with each buffer read; <see cref="HttpParserError.Paused"/>,
/// <see cref="HttpParserError.PausedUpgrade"/> and errors stop it the same way. At end of stream call
/// <see cref="Finish{THandler}(ref THandler)"/>: a response whose body runs to the close completes there (its
/// <see cref="IHttpMessageParserHandler.OnMessageComplete"/> is raised by Finish).</para>
/// <para><b>Framing</b> (RFC 9112 §6.3), in this order: no body for a 1xx, 204 or 304 response, nor when the
/// headers-complete callback says <see cref="HeadersCompleteAction.SkipBody"/> (a response to HEAD); a 101, or a
/// response the callback says <see cref="HeadersCompleteAction.Upgrade"/> for (a 2xx to CONNECT), completes at its
/// head and Execute stops with <see cref="HttpParserError.PausedUpgrade"/>, the rest of the bytes belonging to the
/// new protocol; chunked when chunked is the final transfer coding; to the close when a Transfer-Encoding's final
/// coding is not chunked, or when neither Transfer-Encoding nor Content-Length is present; else Content-Length
/// bytes. An interim 1xx response (100, 102, 103, ...) completes its own message and parsing goes on to the next,
/// the final response, in the same Execute.</para>
/// <para><b>Strictness.</b> The header and trailer sections, the framing fields and the chunked body are parsed by
/// the request parser's code, with its rules and limits: every line ends in CRLF; no obsolete line folding; a
/// response with both Content-Length and Transfer-Encoding, two Content-Length fields (even equal), a malformed
/// Content-Length, chunked applied twice or followed by another coding, or framing fields in the trailers is an
/// error, so that a response two parsers could frame differently is never accepted. The status line is
/// <c>HTTP/1.x SSS reason</c>: exactly <c>HTTP/</c>, one digit, a dot, one digit (major 1 only; HTTP/1.2 to 1.9
/// are read as HTTP/1.1, RFC 9110 §2.5), one space, three digits, then a space and a reason phrase of visible
/// characters, spaces and tabs (possibly empty), or the CRLF at once.</para>
/// <para><b>Where it differs from llhttp's strict mode</b> (each deliberate): RTSP/ and ICE/ status lines are
/// <see cref="HttpParserError.InvalidConstant"/> (this is an HTTP client's parser); a version other than 1.x is
/// <see cref="HttpParserError.UnsupportedVersion"/> where llhttp accepts 0.9 and 2.0 and calls the others
/// <see cref="HttpParserError.InvalidVersion"/>; a control character in the reason phrase is
/// <see cref="HttpParserError.InvalidStatus"/>; a bare CR before the status line is an error; chunked followed by
/// another coding (<c>chunked, gzip</c>) is <see cref="HttpParserError.InvalidTransferEncoding"/> where llhttp reads
/// such a body to the close, as some parsers would read it chunked; an interim 1xx never ends the connection,
/// whatever its Connection field says (the final response must follow on it); a 101 is an upgrade even without
/// an Upgrade field (llhttp stops there too, without saying so).</para>
/// <para>One parser serves one connection, on one thread at a time.</para>
/// </remarks>
public sealed partial class HttpResponseParser : HttpMessageParser
{
    private int _statusCode;

    /// <summary>Creates a parser with the default limits.</summary>
    public HttpResponseParser()
        : this(HttpParserLimits.Default)
    {
    }

    /// <summary>Creates a parser with the given limits.</summary>
    /// <param name="limits">
    /// The bounds on each response's head (<see cref="HttpParserLimits.MaxMethodLength"/> does not apply).
    /// </param>
    public HttpResponseParser(HttpParserLimits limits)
        : base(limits)
    {
    }

    /// <summary>The current response's status code, three digits (valid from the end of the status code).</summary>
    public int StatusCode => _statusCode;

    /// <summary>
    /// Whether the connection may carry another response after this one (RFC 9112 §9.3): HTTP/1.1 unless
    /// <c>Connection: close</c>; HTTP/1.0 only with <c>Connection: keep-alive</c>, and never with a
    /// Transfer-Encoding (RFC 9112 §6.1); never when the body runs to the close. Final when the message
    /// completes: during the headers-complete callback it cannot know yet that the callback will say
    /// <see cref="HeadersCompleteAction.SkipBody"/> (which makes a response without framing fields end at its
    /// head rather than at the close).
    /// </summary>
    public bool ShouldKeepAlive => ConnectionPersists && !BodyRunsToClose;

    /// <summary>Whether the body is delimited by the close (valid at headers complete; see ShouldKeepAlive).</summary>
    private bool BodyRunsToClose =>
        !HasNoBody
        && (_flags & HttpParserFlags.Chunked) == 0
        && ((_flags & HttpParserFlags.TransferEncoding) != 0 || (_flags & HttpParserFlags.ContentLength) == 0);

    /// <summary>Whether the status or the callback rules out a body (RFC 9112 §6.3 rule 1).</summary>
    private bool HasNoBody => IsInterim || _statusCode is 204 or 304 || (_flags & HttpParserFlags.SkipBody) != 0;

    /// <summary>
    /// Whether the response is interim (1xx, RFC 9110 §15.2): the final response follows it. A status below 100 is
    /// not: it is final, with a body and a Connection field that hold.
    /// </summary>
    private bool IsInterim => _statusCode is >= 100 and < 200;

    /// <summary>
    /// Parses <paramref name="data"/>, calling <paramref name="handler"/> for what it finds.
    /// </summary>
    /// <typeparam name="THandler">The callbacks; a struct, so that the calls are direct.</typeparam>
    /// <param name="handler">The callbacks, by reference so a struct handler may keep state.</param>
    /// <param name="data">The next bytes of the stream.</param>
    /// <param name="consumed">How many bytes were parsed: all of them unless a pause or an error stopped it.</param>
    /// <returns>
    /// <see cref="HttpParserError.None"/>, or what stopped parsing. While the parser is paused or in error it
    /// returns that at once and consumes nothing.
    /// </returns>
    /// <exception cref="InvalidOperationException">Called from one of this parser's own callbacks.</exception>
    public HttpParserError Execute<THandler>(ref THandler handler, ReadOnlySpan<byte> data, out int consumed)
        where THandler : IHttpResponseParserHandler, allows ref struct
        => Execute(ref handler, new ResponseKind<THandler>(this), data, out consumed);

    /// <summary>
    /// Says the stream ended (llhttp's <c>llhttp_finish</c>). A response whose body runs to the close is complete
    /// now: Finish calls <paramref name="handler"/>'s <see cref="IHttpMessageParserHandler.OnMessageComplete"/>
    /// (which is how the caller learns it) and returns <see cref="HttpParserError.None"/>; so it does for a
    /// response wholly received but left pending by a pause (after its head or its last body byte), whose
    /// remaining callbacks it raises. Between responses (or after an upgrade) it returns None and calls nothing. In
    /// the middle of any other response it returns <see cref="HttpParserError.InvalidEofState"/> (the response was
    /// cut short; the parser enters that error). A parser already stopped by an error returns that error.
    /// </summary>
    /// <typeparam name="THandler">The callbacks.</typeparam>
    /// <param name="handler">The callbacks, to complete a close-delimited response.</param>
    /// <returns>Whether ending here is clean.</returns>
    /// <exception cref="InvalidOperationException">Called from one of this parser's own callbacks.</exception>
    public HttpParserError Finish<THandler>(ref THandler handler)
        where THandler : IHttpResponseParserHandler, allows ref struct
    {
        ThrowIfExecuting();
        if (FinishBetweenMessages() is { } done)
        {
            return done;
        }

        if (_state is not (ParserState.HeadersDone or ParserState.MessageDone or ParserState.BodyToEof))
        {
            return FailAtEof();
        }

        // All of the response has arrived: what a pause left pending (the body's choice, the completion) runs now,
        // with Execute's guards, and a body running to the close ends here. A pause asked for is moot at the end.
        Resume();
        Execute(ref handler, default, out _);
        if (_state == ParserState.BodyToEof && _error is HttpParserError.None or HttpParserError.Paused)
        {
            Resume();
            _state = ParserState.MessageDone;
            Execute(ref handler, default, out _);
        }

        return FinishBetweenMessages() ?? FailAtEof();
    }

    /// <summary>Forgets everything, errors included: the parser is as new, at the start of a stream.</summary>
    /// <exception cref="InvalidOperationException">Called from one of this parser's own callbacks.</exception>
    public void Reset()
    {
        ResetStream();
        _statusCode = 0;
    }

    /// <summary>A response's part of the parsing both kinds of message share.</summary>
    private readonly struct ResponseKind<THandler>(HttpResponseParser parser) : IMessageKind<THandler>
        where THandler : IHttpResponseParserHandler, allows ref struct
    {
        // An interim response is followed by the final one on the same connection, whatever it said.
        public bool AnotherMessageMayFollow => parser.IsInterim || parser.ShouldKeepAlive;

        public void BeginStartLine()
        {
            parser._statusCode = 0;
            parser._state = ParserState.StatusLine;
        }

        public int ParseStartLine(ref THandler handler, ReadOnlySpan<byte> window, int pos) =>
            parser.ParseStatusLine(ref handler, window, pos);

        public int CompleteHead(ref THandler handler, int pos) => parser.CompleteHead(ref handler, pos);

        public void ChooseBody() => parser.ChooseBody();
    }
}

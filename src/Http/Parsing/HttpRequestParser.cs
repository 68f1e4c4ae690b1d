namespace Uvnet.Http.Parsing;

/// <summary>
/// A strict, incremental HTTP/1.1 request parser in llhttp's model: feed it whatever a socket read returned,
/// split anywhere (one byte at a time included), and it reports through <see cref="IHttpParserHandler"/>
/// callbacks what it would report had it been given everything at once. It allocates nothing and depends on
/// nothing but the BCL.
/// </summary>
/// <remarks>
/// <para><b>Use.</b> Call <see cref="Execute{THandler}(ref THandler, ReadOnlySpan{byte}, out int)"/> with each
/// buffer read. It returns <see cref="HttpParserError.None"/> when it parsed every byte; otherwise it stopped
/// after <c>consumed</c> bytes: on a pause (<see cref="HttpParserError.Paused"/>: call <see cref="HttpMessageParser.Resume"/>
/// and give it the rest), on an upgrade (<see cref="HttpParserError.PausedUpgrade"/>: the rest belongs to the
/// new protocol), or on an error, after which it stays in error until <see cref="Reset"/>. Pipelined requests
/// in one buffer are all parsed; at end of stream call <see cref="Finish"/>.</para>
/// <para><b>Strictness.</b> RFC 9112, with llhttp's strict defaults where the RFC leaves a choice: every line
/// ends in CRLF (a bare LF or a bare CR is an error, as in llhttp: empty lines before a request line may be a
/// bare LF); exactly one space separates the parts of the request line; a request must not carry both
/// Content-Length and Transfer-Encoding, two Content-Lengths, a malformed Content-Length, or a
/// Transfer-Encoding whose final coding is not chunked; field names are tokens with no whitespace before the
/// colon; field values have no control characters; obsolete line folding is an error; chunk sizes are hex
/// digits without whitespace; the asterisk-form target (<c>*</c>, alone) is only for OPTIONS (RFC 9112 §3.2.4); a
/// method longer than <see cref="HttpParserLimits.MaxMethodLength"/> is refused at its first byte beyond. HTTP/1.2 to
/// HTTP/1.9 are parsed as HTTP/1.1 (RFC 9110 §2.5); other versions than 1.x are
/// <see cref="HttpParserError.UnsupportedVersion"/>.
/// A missing Host on HTTP/1.1 is left to the server (RFC 9112 §3.2 makes it the server's 400, not a framing
/// matter).</para>
/// <para><b>Other protocols.</b> As llhttp, the parser also recognises RTSP/1.x and ICE/1.x request lines (with
/// the methods llhttp allows each) and an HTTP/0.9 request line (a target followed by CRLF, reported as version
/// 0.9, then a header section): it reports them with their framing checked as strictly as HTTP's, and says so in
/// <see cref="Protocol"/>, <see cref="HttpMessageParser.VersionMajor"/> and <see cref="IsHttp1"/>, so that an HTTP server answers
/// them 505 rather than serving them; such a request never keeps the connection alive.</para>
/// <para><b>Where it differs from llhttp's strict mode</b> (each deliberate): any token is a method (RFC 9110
/// §9.1; a server answers an unknown one 501), where llhttp refuses a method it does not list (<c>MKCOLA</c>) or
/// one it lists for another protocol (<c>ANNOUNCE</c> over HTTP); a request line or field line ending in a bare LF
/// is an error, where llhttp takes a bare LF after a target as HTTP/0.9; HTTP/0.9 and HTTP/2.0 written as
/// versions, and RTSP/2.0, are <see cref="HttpParserError.UnsupportedVersion"/> where llhttp accepts them, and
/// HTTP/1.2 is HTTP/1.1 where llhttp refuses it; any coding before the final chunked, even a registered one such as
/// gzip, is <see cref="HttpParserError.UnknownTransferEncoding"/> (the parser decodes none, so the body would reach
/// its handler still coded); an asterisk-form target with another method than OPTIONS is an error;
/// nothing may follow an HTTP/0.9, RTSP or ICE request on its connection. On llhttp's 134 strict request cases
/// (its test/request/*.md, fed whole and byte by byte) the parser agrees on 132: the two others are the methods
/// above.</para>
/// <para><b>Errors</b> carry a stable code (<see cref="HttpMessageParser.Error"/>), a reason for logs (<see cref="HttpMessageParser.ErrorReason"/>)
/// and the offset of the offending byte (<see cref="HttpMessageParser.ErrorOffset"/>), counted from the first byte given to the
/// parser since it was created or <see cref="Reset"/> (the start of the stream), as llhttp's tests count.</para>
/// <para><b>Limits.</b> <see cref="HttpParserLimits"/> bounds the head, so neither the parser nor a handler that
/// accumulates what it reports holds unbounded memory; a body is streamed and never buffered.</para>
/// <para>One parser serves one connection, on one thread at a time.</para>
/// </remarks>
public sealed partial class HttpRequestParser : HttpMessageParser
{
    private readonly int _maxMethodLength;

    // The request line.
    private HttpRequestMethod _method;
    private HttpProtocol _protocol;

    /// <summary>Creates a parser with the default limits.</summary>
    public HttpRequestParser()
        : this(HttpParserLimits.Default)
    {
    }

    /// <summary>Creates a parser with the given limits.</summary>
    /// <param name="limits">The bounds on each request's head.</param>
    public HttpRequestParser(HttpParserLimits limits)
        : base(limits)
    {
        _maxMethodLength = limits.MaxMethodLength;
    }

    /// <summary>The current request's method (valid from the end of the method token).</summary>
    public HttpRequestMethod Method => _method;

    /// <summary>
    /// The protocol the current request line names (valid from the end of the request line): HTTP, or RTSP or ICE,
    /// which llhttp also parses. Check <see cref="IsHttp1"/> before serving a request.
    /// </summary>
    public HttpProtocol Protocol => _protocol;

    /// <summary>
    /// Whether the current request is HTTP/1.0 or HTTP/1.1 (valid from the end of the request line): the only
    /// requests an HTTP/1.1 server serves. For any other (<see cref="Protocol"/> RTSP or ICE, or an HTTP/0.9
    /// request line) a server answers 505 HTTP Version Not Supported (RFC 9110 §15.6.6) and closes the
    /// connection; <see cref="ShouldKeepAlive"/> is false for them.
    /// </summary>
    public bool IsHttp1 => _protocol == HttpProtocol.Http && _versionMajor == 1;

    /// <summary>
    /// Whether the connection may carry another request after this one (RFC 9112 §9.3): HTTP/1.1 unless
    /// <c>Connection: close</c>; HTTP/1.0 only with <c>Connection: keep-alive</c>, and never when it has a
    /// Transfer-Encoding (RFC 9112 §6.1: its framing is faulty, close after it); never when not
    /// <see cref="IsHttp1"/>. Valid at headers complete.
    /// </summary>
    public bool ShouldKeepAlive => IsHttp1 && ConnectionPersists;

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
        where THandler : IHttpParserHandler, allows ref struct
        => Execute(ref handler, new RequestKind<THandler>(this), data, out consumed);

    /// <summary>
    /// Says the stream ended (llhttp's <c>llhttp_finish</c>): <see cref="HttpParserError.None"/> between
    /// requests, <see cref="HttpParserError.InvalidEofState"/> (and the parser enters that error) in the middle
    /// of one. A parser already stopped by an error returns that error.
    /// </summary>
    /// <returns>Whether ending here is clean.</returns>
    public HttpParserError Finish() => FinishBetweenMessages() ?? FailAtEof();

    /// <summary>Forgets everything, errors included: the parser is as new, at the start of a stream.</summary>
    /// <exception cref="InvalidOperationException">Called from one of this parser's own callbacks.</exception>
    public void Reset()
    {
        ResetStream();
        ForgetRequestLine();
    }

    private void ForgetRequestLine()
    {
        _method = HttpRequestMethod.Custom;
        _protocol = HttpProtocol.Http;
    }

    /// <summary>A request's part of the parsing both kinds of message share.</summary>
    private readonly struct RequestKind<THandler>(HttpRequestParser parser) : IMessageKind<THandler>
        where THandler : IHttpParserHandler, allows ref struct
    {
        public bool AnotherMessageMayFollow => parser.ShouldKeepAlive;

        public void BeginStartLine()
        {
            parser.ForgetRequestLine();
            parser._state = ParserState.Method;
        }

        public int ParseStartLine(ref THandler handler, ReadOnlySpan<byte> window, int pos) =>
            parser.ParseRequestLine(ref handler, window, pos);

        public int CompleteHead(ref THandler handler, int pos) => parser.CompleteHead(ref handler, pos);

        public void ChooseBody() => parser.ChooseBody();
    }
}

namespace Uvnet.Http.Parsing;

/// <summary>
/// What stopped <see cref="HttpRequestParser.Execute{THandler}(ref THandler, ReadOnlySpan{byte}, out int)"/>:
/// nothing (<see cref="None"/>), a pause, or an error in the request or response (for
/// <see cref="HttpResponseParser"/> too).
/// </summary>
/// <remarks>
/// Names and numbers mirror llhttp's <c>llhttp_errno_t</c> (<c>HPE_*</c>) where the two parsers share a
/// condition, so logs and tests can be compared; the codes llhttp lacks (<see cref="HeaderOverflow"/>,
/// <see cref="UnsupportedVersion"/>, <see cref="UnknownTransferEncoding"/>, <see cref="ChunkExtensionsOverflow"/>,
/// <see cref="MethodOverflow"/>) start at 100. The names are stable:
/// a server maps them to responses (most to 400 Bad Request; see each member).
/// </remarks>
public enum HttpParserError
{
    /// <summary>No error: every byte given was parsed.</summary>
    None = 0,

    /// <summary>A broken rule with no more specific code: a CR not followed by LF, bad chunk extension syntax.</summary>
    Strict = 2,

    /// <summary>A CR was not followed by LF at the end of a header line.</summary>
    LfExpected = 3,

    /// <summary>A second Content-Length field (even with the same value). RFC 9112 §6.3: 400.</summary>
    UnexpectedContentLength = 4,

    /// <summary>
    /// Bytes other than empty lines arrived after a message that ends the connection (<c>Connection: close</c>,
    /// or HTTP/1.0 without keep-alive). The server answers the earlier request and closes; no 400 is due.
    /// </summary>
    ClosedConnection = 5,

    /// <summary>The method is not a token, or is not followed by a single space.</summary>
    InvalidMethod = 6,

    /// <summary>The request-target has a character or a shape RFC 9112 §3.2 does not allow.</summary>
    InvalidUrl = 7,

    /// <summary>The protocol name after the request-target, or at the start of a status line, is not <c>HTTP/</c>.</summary>
    InvalidConstant = 8,

    /// <summary>
    /// The version is malformed or missing, or the request line does not end right after it, or the status line has
    /// no single space after it.
    /// </summary>
    InvalidVersion = 9,

    /// <summary>
    /// A field name that is not a token, whitespace before the colon, a control character in a field value,
    /// obsolete line folding (RFC 9112 §5.2), or a bare LF before the value.
    /// </summary>
    InvalidHeaderToken = 10,

    /// <summary>A malformed, empty or overflowing Content-Length, or one beside Transfer-Encoding.</summary>
    InvalidContentLength = 11,

    /// <summary>A chunk size that is not hex digits followed by CRLF or extensions, or that overflows.</summary>
    InvalidChunkSize = 12,

    /// <summary>
    /// A response's status code is not three digits, or is not followed by a space or the end of the line, or the
    /// reason phrase has a control character.
    /// </summary>
    InvalidStatus = 13,

    /// <summary>The stream ended in the middle of a message (<see cref="HttpRequestParser.Finish"/>, <c>HttpResponseParser.Finish</c>).</summary>
    InvalidEofState = 14,

    /// <summary>
    /// Transfer-Encoding on a request whose final coding is not chunked; on any message, chunked applied twice or not last,
    /// a malformed coding, or Transfer-Encoding beside Content-Length. RFC 9112 §6.3: 400 and close.
    /// </summary>
    InvalidTransferEncoding = 15,

    /// <summary>Parsing paused: by <see cref="HttpMessageParser.Pause"/> or <see cref="HeadersCompleteAction.Pause"/>.</summary>
    Paused = 21,

    /// <summary>
    /// A CONNECT or Upgrade request, or a 101 response (or one the headers-complete callback said Upgrade for), is
    /// complete; the bytes after it belong to another protocol.
    /// </summary>
    PausedUpgrade = 22,

    /// <summary>A handler callback threw; the exception went to the caller of Execute.</summary>
    User = 24,

    /// <summary>A bare LF ended a line where CRLF is required.</summary>
    CrExpected = 25,

    /// <summary>Whitespace at the start of the first header line (RFC 9112 §2.2).</summary>
    UnexpectedSpace = 30,

    /// <summary>
    /// The start line and header section (or the trailer section) passed
    /// <see cref="HttpParserLimits.MaxHeaderBytes"/>, or had more than <see cref="HttpParserLimits.MaxHeaderCount"/>
    /// fields. A server answers 431 Request Header Fields Too Large.
    /// </summary>
    HeaderOverflow = 100,

    /// <summary>
    /// A well-formed version whose major is not 1 (HTTP/0.9 or 2.0 written as versions), or an RTSP or ICE version
    /// other than 1.0 and 1.1. A server answers 505. (HTTP/1.2 to 1.9 are parsed as HTTP/1.1, RFC 9110 §2.5.)
    /// </summary>
    UnsupportedVersion = 101,

    /// <summary>
    /// A transfer coding before the final chunked (gzip, deflate, or any other): the parser removes only the
    /// chunked framing, so the body would reach the handler still coded. A server answers 501 Not Implemented
    /// (RFC 9112 §6.1).
    /// </summary>
    UnknownTransferEncoding = 102,

    /// <summary>
    /// The chunk extensions of a chunked body passed <see cref="HttpParserLimits.MaxChunkExtensionBytes"/>. A server
    /// answers 413 Content Too Large (as Node's HPE_CHUNK_EXTENSIONS_OVERFLOW).
    /// </summary>
    ChunkExtensionsOverflow = 103,

    /// <summary>
    /// The method token passed <see cref="HttpParserLimits.MaxMethodLength"/>. A server answers 501 Not Implemented
    /// (RFC 9112 §3: a method longer than any it implements), without waiting for the rest of the request line.
    /// </summary>
    MethodOverflow = 104,
}

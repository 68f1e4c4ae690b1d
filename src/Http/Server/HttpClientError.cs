using Uvnet.Http.Parsing;

namespace Uvnet.Http.Server;

/// <summary>
/// A request the server refused before it reached a handler, as the error of Node's <c>clientError</c> event: a parse
/// error carries llhttp's code name (<see cref="Code"/>, "HPE_INVALID_METHOD"...) and the message
/// "Parse Error: <see cref="Reason"/>"; a request cut by <see cref="HttpServerOptions.HeadersTimeout"/> or
/// <see cref="HttpServerOptions.RequestTimeout"/> carries ERR_HTTP_REQUEST_TIMEOUT and "Request timeout".
/// </summary>
public sealed class HttpClientError : Exception
{
    /// <summary>Node's code for a request cut by a timeout.</summary>
    public const string RequestTimeoutCode = "ERR_HTTP_REQUEST_TIMEOUT";

    internal HttpClientError(HttpParserError error, int statusCode, string reason, string? code = null)
        : base(error == HttpParserError.None ? reason : $"Parse Error: {reason}")
    {
        ParserError = error;
        Code = code ?? CodeOf(error);
        StatusCode = statusCode;
        Reason = reason;
    }

    /// <summary>A request cut by a timeout (Node's ERR_HTTP_REQUEST_TIMEOUT, "Request timeout"): answered 408.</summary>
    internal static HttpClientError RequestTimeout() => new(HttpParserError.None, 408, "Request timeout", RequestTimeoutCode);

    /// <summary>A body past <see cref="HttpServerOptions.MaxRequestBodySize"/>: answered 413, not raised as ClientError (Node has no such limit).</summary>
    internal static HttpClientError BodyTooLarge() => new(HttpParserError.None, 413, "Request body too large", "ERR_HTTP_REQUEST_BODY_TOO_LARGE");

    /// <summary>
    /// Whether it goes to <see cref="HttpServer.ClientError"/>, and unhandled gets Node's bare refusal: parse errors and
    /// timeouts, what Node's socketOnError handles.
    /// </summary>
    internal bool IsRaised => ParserError != HttpParserError.None || Code == RequestTimeoutCode;

    /// <summary>
    /// Node's <c>err.code</c>: llhttp's name for a parse error (<c>HPE_INVALID_METHOD</c>, <c>HPE_HEADER_OVERFLOW</c>,
    /// <c>HPE_INVALID_HEADER_TOKEN</c>...), or <see cref="RequestTimeoutCode"/> for a timeout.
    /// </summary>
    public string Code { get; }

    /// <summary>The parser's error (<see cref="HttpParserError.None"/> for a timeout, and for a body past <see cref="HttpServerOptions.MaxRequestBodySize"/>: ERR_HTTP_REQUEST_BODY_TOO_LARGE).</summary>
    public HttpParserError ParserError { get; }

    /// <summary>Why the request was refused, as Node's <c>err.reason</c> (the message without "Parse Error: ").</summary>
    public string Reason { get; }

    /// <summary>The status the client is sent unless a <see cref="HttpServer.ClientError"/> handler answers: 400, 408, 413, 414, 431, 501 or 505.</summary>
    public int StatusCode { get; }

    /// <summary>llhttp's <c>llhttp_errno_name</c> for each code; the codes past llhttp's are this parser's limits, named as Node reports them.</summary>
    internal static string CodeOf(HttpParserError error) => error switch
    {
        HttpParserError.Strict => "HPE_STRICT",
        HttpParserError.LfExpected => "HPE_LF_EXPECTED",
        HttpParserError.UnexpectedContentLength => "HPE_UNEXPECTED_CONTENT_LENGTH",
        HttpParserError.ClosedConnection => "HPE_CLOSED_CONNECTION",
        HttpParserError.InvalidMethod => "HPE_INVALID_METHOD",
        HttpParserError.InvalidUrl => "HPE_INVALID_URL",
        HttpParserError.InvalidConstant => "HPE_INVALID_CONSTANT",
        HttpParserError.InvalidVersion => "HPE_INVALID_VERSION",
        HttpParserError.InvalidHeaderToken => "HPE_INVALID_HEADER_TOKEN",
        HttpParserError.InvalidContentLength => "HPE_INVALID_CONTENT_LENGTH",
        HttpParserError.InvalidChunkSize => "HPE_INVALID_CHUNK_SIZE",
        HttpParserError.InvalidEofState => "HPE_INVALID_EOF_STATE",
        HttpParserError.InvalidTransferEncoding => "HPE_INVALID_TRANSFER_ENCODING",
        HttpParserError.CrExpected => "HPE_CR_EXPECTED",
        HttpParserError.UnexpectedSpace => "HPE_UNEXPECTED_SPACE",
        // Node reports llhttp's HPE_HEADER_OVERFLOW from its own size check, and HPE_CHUNK_EXTENSIONS_OVERFLOW so too.
        HttpParserError.HeaderOverflow => "HPE_HEADER_OVERFLOW",
        HttpParserError.ChunkExtensionsOverflow => "HPE_CHUNK_EXTENSIONS_OVERFLOW",
        // llhttp has no code of its own for these: it rejects the version, the coding and an endless method as invalid.
        HttpParserError.UnsupportedVersion => "HPE_INVALID_VERSION",
        HttpParserError.UnknownTransferEncoding => "HPE_INVALID_TRANSFER_ENCODING",
        HttpParserError.MethodOverflow => "HPE_INVALID_METHOD",
        _ => "HPE_USER",
    };
}

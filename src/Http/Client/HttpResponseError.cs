using Uvnet.Http.Parsing;
using Uvnet.Http.Server;

namespace Uvnet.Http.Client;

/// <summary>
/// A response the client could not parse, as the error Node's client raises: llhttp's code name in <see cref="Code"/>
/// ("HPE_INVALID_CONSTANT"...) and the message "Parse Error: <see cref="Reason"/>". Its connection is destroyed.
/// </summary>
public sealed class HttpResponseError : Exception
{
    internal HttpResponseError(HttpParserError error, string reason)
        : base($"Parse Error: {reason}")
    {
        ParserError = error;
        Code = HttpClientError.CodeOf(error);
        Reason = reason;
    }

    /// <summary>llhttp's name for the error, as Node's <c>err.code</c>.</summary>
    public string Code { get; }

    /// <summary>The parser's error.</summary>
    public HttpParserError ParserError { get; }

    /// <summary>Why the response was refused (Node's <c>err.reason</c>).</summary>
    public string Reason { get; }
}

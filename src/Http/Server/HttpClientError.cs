using Uvnet.Http.Parsing;

namespace Uvnet.Http.Server;

/// <summary>A request the server refused before it reached a handler: its parse error and the status it gets.</summary>
public sealed class HttpClientError : Exception
{
    internal HttpClientError(HttpParserError code, int statusCode, string reason)
        : base($"{reason} ({code})")
    {
        Code = code;
        StatusCode = statusCode;
    }

    /// <summary>The parser's error code (<see cref="HttpParserError.None"/> for a refusal that is not a parse error, such as a missing Host or a timeout).</summary>
    public HttpParserError Code { get; }

    /// <summary>The status the client is sent: 400, 408, 414, 431, 501 or 505.</summary>
    public int StatusCode { get; }
}

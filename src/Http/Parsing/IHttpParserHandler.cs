namespace Uvnet.Http.Parsing;

/// <summary>
/// The callbacks of <see cref="HttpRequestParser"/>, in llhttp's model. Implement it on a struct (wrapping
/// whatever the callbacks need) so the parser's generic Execute is compiled for that struct and every call
/// is direct and can be inlined.
/// </summary>
/// <remarks>
/// <para>Order for one request: <see cref="IHttpMessageParserHandler.OnMessageBegin"/>, <see cref="OnMethod"/>, <see cref="OnUrl"/>, then
/// for each header field <see cref="IHttpMessageParserHandler.OnHeaderField"/> and <see cref="IHttpMessageParserHandler.OnHeaderValue"/>, then
/// <see cref="OnHeadersComplete"/>, then the body: <see cref="IHttpMessageParserHandler.OnBody"/> pieces, and for a chunked body
/// <see cref="IHttpMessageParserHandler.OnChunkHeader"/>, body pieces, <see cref="IHttpMessageParserHandler.OnChunkComplete"/> per chunk; the last chunk (size 0)
/// is followed by the trailer fields (again <see cref="IHttpMessageParserHandler.OnHeaderField"/> and <see cref="IHttpMessageParserHandler.OnHeaderValue"/>) and its
/// <see cref="IHttpMessageParserHandler.OnChunkComplete"/>; last <see cref="IHttpMessageParserHandler.OnMessageComplete"/>.</para>
/// <para>Spans are pieces, as llhttp's: a method, URL, name, value or body split across two buffers given to
/// Execute arrives in two (or more) calls of the same callback, in order; concatenate them. A field's value is
/// complete when the next field's name begins or the headers complete. Every field has at least one
/// <see cref="IHttpMessageParserHandler.OnHeaderValue"/> call (an empty span for an empty value); no other callback gets an empty span.
/// A value starts after the optional whitespace that follows the colon and includes any trailing whitespace,
/// as llhttp's does (RFC 9112 §5.1 says to drop it: <see cref="HttpRequestHead"/> does).</para>
/// <para>A span is valid only during the call: copy what must outlive it. A callback may call
/// <see cref="HttpMessageParser.Pause"/>: Execute then returns <see cref="HttpParserError.Paused"/> at the end of
/// the element that callback reported (after the delimiter of a method, target or field line; after a body
/// piece, chunk line or message). A callback must not call Execute or Reset of the parser running it. If a
/// callback throws, the exception leaves Execute and the parser stays in error (<see cref="HttpParserError.User"/>)
/// until <see cref="HttpRequestParser.Reset"/>.</para>
/// </remarks>
public interface IHttpParserHandler : IHttpMessageParserHandler
{
    /// <summary>A piece of the method token. <see cref="HttpRequestParser.Method"/> is set once it ends.</summary>
    /// <param name="method">The bytes, valid only during the call.</param>
    void OnMethod(ReadOnlySpan<byte> method);

    /// <summary>A piece of the request-target, as received (not decoded or normalised).</summary>
    /// <param name="url">The bytes, valid only during the call.</param>
    void OnUrl(ReadOnlySpan<byte> url);

    /// <summary>
    /// The header section is complete and valid. Method, version, flags, Content-Length, keep-alive and upgrade
    /// are on <paramref name="parser"/>.
    /// </summary>
    /// <param name="parser">The parser, to read what it learned from the head.</param>
    /// <returns>Whether a body follows, or the parser should pause (see <see cref="HeadersCompleteAction"/>).</returns>
    HeadersCompleteAction OnHeadersComplete(HttpRequestParser parser);
}

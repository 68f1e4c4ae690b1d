namespace Uvnet.Http.Parsing;

/// <summary>
/// The callbacks of <see cref="HttpResponseParser"/>, in llhttp's model: implement it on a struct so the
/// parser's generic Execute calls it directly.
/// </summary>
/// <remarks>
/// <para>Order for one response: <see cref="IHttpMessageParserHandler.OnMessageBegin"/>, <see cref="OnStatus"/>
/// (the reason phrase; not called when it is empty), the fields, <see cref="OnHeadersComplete"/>, the body, then
/// <see cref="IHttpMessageParserHandler.OnMessageComplete"/>, as for a request (see
/// <see cref="IHttpParserHandler"/>, whose rules for spans, pauses and exceptions hold here too). An interim 1xx
/// response (100 Continue, 103 Early Hints) is a message of its own: begin, status, fields, headers complete,
/// message complete; the final response follows as the next message.</para>
/// </remarks>
public interface IHttpResponseParserHandler : IHttpMessageParserHandler
{
    /// <summary>
    /// A piece of the reason phrase, as received. <see cref="HttpResponseParser.StatusCode"/> is already set.
    /// </summary>
    /// <param name="reason">The bytes, valid only during the call; never empty.</param>
    void OnStatus(ReadOnlySpan<byte> reason);

    /// <summary>
    /// The header section is complete and valid. Status, version, flags, Content-Length and upgrade are on
    /// <paramref name="parser"/>.
    /// </summary>
    /// <param name="parser">The parser, to read what it learned from the head.</param>
    /// <returns>
    /// <see cref="HeadersCompleteAction.Continue"/> to read the body the framing announces;
    /// <see cref="HeadersCompleteAction.SkipBody"/> for a response to HEAD (whatever its framing fields say, it has
    /// no body, RFC 9110 §9.3.2); <see cref="HeadersCompleteAction.Upgrade"/> for a 2xx response to CONNECT (the
    /// bytes after the head belong to the tunnel, RFC 9110 §9.3.6); <see cref="HeadersCompleteAction.Pause"/> to
    /// stop here until Resume.
    /// </returns>
    HeadersCompleteAction OnHeadersComplete(HttpResponseParser parser);
}

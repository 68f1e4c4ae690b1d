namespace Uvnet.Http.Parsing;

/// <summary>
/// The callbacks <see cref="HttpRequestParser"/> and <see cref="HttpResponseParser"/> share: a message's
/// beginning, its fields, its body and its end. Implement <see cref="IHttpParserHandler"/> or
/// <see cref="IHttpResponseParserHandler"/>, which add the start line and the headers-complete callback.
/// </summary>
/// <remarks>
/// The rules for spans, pauses and exceptions are those given on <see cref="IHttpParserHandler"/>.
/// </remarks>
public interface IHttpMessageParserHandler
{
    /// <summary>A message begins (its first byte, after any empty lines, has arrived).</summary>
    void OnMessageBegin();

    /// <summary>A piece of a field name, as received (case preserved).</summary>
    /// <param name="name">The bytes, valid only during the call.</param>
    void OnHeaderField(ReadOnlySpan<byte> name);

    /// <summary>A piece of a field value, as received (leading whitespace skipped, trailing kept).</summary>
    /// <param name="value">The bytes, valid only during the call; empty only for an empty value.</param>
    void OnHeaderValue(ReadOnlySpan<byte> value);

    /// <summary>A piece of the body (of the current chunk, for a chunked body), with the framing removed.</summary>
    /// <param name="data">The bytes, valid only during the call; never empty.</param>
    void OnBody(ReadOnlySpan<byte> data);

    /// <summary>A chunk's size line has been read (0 for the last chunk, which the trailers follow).</summary>
    /// <param name="size">The chunk's size in bytes.</param>
    void OnChunkHeader(long size);

    /// <summary>A chunk (its data and CRLF, or for the last chunk its trailer section) is complete.</summary>
    void OnChunkComplete();

    /// <summary>The message, body included, is complete.</summary>
    void OnMessageComplete();
}

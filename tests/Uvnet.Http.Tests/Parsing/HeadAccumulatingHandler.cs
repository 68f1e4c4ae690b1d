using Uvnet.Http.Parsing;

namespace Uvnet.Http.Tests.Parsing;

/// <summary>
/// The easy path: a struct handler that gathers the head into an <see cref="HttpRequestHead"/> (for a response, its
/// fields; the status is the parser's).
/// </summary>
internal struct HeadAccumulatingHandler(HttpRequestHead head) : IHttpParserHandler, IHttpResponseParserHandler
{
    public int Messages { get; private set; }

    public long BodyBytes { get; private set; }

    public readonly void OnMessageBegin() => head.Clear();

    public readonly void OnMethod(ReadOnlySpan<byte> method) => head.AppendMethod(method);

    public readonly void OnUrl(ReadOnlySpan<byte> url) => head.AppendUrl(url);

    public readonly void OnHeaderField(ReadOnlySpan<byte> name) => head.AppendHeaderName(name);

    public readonly void OnHeaderValue(ReadOnlySpan<byte> value) => head.AppendHeaderValue(value);

    public readonly void OnStatus(ReadOnlySpan<byte> reason)
    {
    }

    public readonly HeadersCompleteAction OnHeadersComplete(HttpRequestParser parser) => HeadersCompleteAction.Continue;

    public readonly HeadersCompleteAction OnHeadersComplete(HttpResponseParser parser) => HeadersCompleteAction.Continue;

    public void OnBody(ReadOnlySpan<byte> data) => BodyBytes += data.Length;

    public readonly void OnChunkHeader(long size)
    {
    }

    public readonly void OnChunkComplete()
    {
    }

    public void OnMessageComplete() => Messages++;
}

using System.Text;
using Uvnet.Http.Parsing;

namespace Uvnet.Http.Tests.Parsing;

/// <summary>
/// Writes every callback of a request or a response parser as one line of a log, joining the pieces of a span
/// that arrive in consecutive calls, so a log does not depend on how the input was split.
/// </summary>
internal struct RecordingHandler : IHttpParserHandler, IHttpResponseParserHandler
{
    public RecordingHandler(HttpMessageParser parser)
    {
        Parser = parser;
    }

    public List<string> Log { get; } = [];

    public HttpMessageParser Parser { get; }

    public HeadersCompleteAction OnHeadersCompleteReturns { get; set; }

    /// <summary>A callback (by log prefix, e.g. "url") during which the handler calls Pause.</summary>
    public string? PauseIn { get; set; }

    /// <summary>A callback (by log prefix) that throws.</summary>
    public string? ThrowIn { get; set; }

    /// <summary>A callback (by log prefix) that calls Reset on the parser running it, which it must refuse.</summary>
    public string? ResetIn { get; set; }

    /// <summary>A callback (by log prefix) that calls a response parser's Finish, which it must refuse.</summary>
    public string? FinishIn { get; set; }

    public readonly void OnMessageBegin() => Event("begin");

    public readonly void OnMethod(ReadOnlySpan<byte> method) => Span("method", method);

    public readonly void OnUrl(ReadOnlySpan<byte> url) => Span("url", url);

    public readonly void OnStatus(ReadOnlySpan<byte> reason)
    {
        Assert.False(reason.IsEmpty, "the parser never reports an empty reason piece");
        Span("status", reason);
    }

    public readonly void OnHeaderField(ReadOnlySpan<byte> name) => Span("field", name);

    public readonly void OnHeaderValue(ReadOnlySpan<byte> value) => Span("value", value);

    public readonly HeadersCompleteAction OnHeadersComplete(HttpRequestParser parser)
    {
        string protocol = parser.Protocol == HttpProtocol.Http ? "" : $"{parser.Protocol} ";
        Event($"headers {parser.Method} {protocol}{parser.VersionMajor}.{parser.VersionMinor} flags={parser.Flags} cl={parser.ContentLength} keepalive={parser.ShouldKeepAlive} upgrade={parser.IsUpgrade}");
        return OnHeadersCompleteReturns;
    }

    public readonly HeadersCompleteAction OnHeadersComplete(HttpResponseParser parser)
    {
        Event($"headers {parser.StatusCode} {parser.VersionMajor}.{parser.VersionMinor} flags={parser.Flags} cl={parser.ContentLength} keepalive={parser.ShouldKeepAlive} upgrade={parser.IsUpgrade}");
        return OnHeadersCompleteReturns;
    }

    public readonly void OnBody(ReadOnlySpan<byte> data)
    {
        Assert.False(data.IsEmpty, "the parser never reports an empty body piece");
        Span("body", data);
    }

    public readonly void OnChunkHeader(long size) => Event($"chunk {size}");

    public readonly void OnChunkComplete() => Event("chunk-complete");

    public readonly void OnMessageComplete() => Event("complete");

    public static string Escape(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder();
        foreach (byte b in bytes)
        {
            text.Append(b switch
            {
                (byte)'\r' => "\\r",
                (byte)'\n' => "\\n",
                (byte)'\t' => "\\t",
                (byte)'\\' => "\\\\",
                < 0x20 or >= 0x7F => $"\\x{b:X2}",
                _ => ((char)b).ToString(),
            });
        }

        return text.ToString();
    }

    private readonly void Event(string line)
    {
        Log.Add(line);
        Hook(line.Split(' ')[0]);
    }

    private readonly void Span(string kind, ReadOnlySpan<byte> piece)
    {
        string prefix = kind + ":";
        if (Log.Count > 0 && Log[^1].StartsWith(prefix, StringComparison.Ordinal))
        {
            Log[^1] += Escape(piece);
        }
        else
        {
            Log.Add(prefix + Escape(piece));
        }

        Hook(kind);
    }

    private readonly void Hook(string kind)
    {
        if (kind == ThrowIn)
        {
            throw new InvalidOperationException("handler failure");
        }

        if (kind == ResetIn)
        {
            if (Parser is HttpRequestParser request)
            {
                request.Reset();
            }
            else
            {
                ((HttpResponseParser)Parser).Reset();
            }
        }

        if (kind == FinishIn)
        {
            RecordingHandler self = this;
            ((HttpResponseParser)Parser).Finish(ref self);
        }

        if (kind == PauseIn)
        {
            Parser.Pause();
        }
    }
}

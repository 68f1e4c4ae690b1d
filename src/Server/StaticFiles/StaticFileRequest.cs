namespace Uvnet.Server.StaticFiles;

/// <summary>What <see cref="StaticFileHandler"/> needs of a request: its method, target and a few fields (null when absent).</summary>
public sealed record StaticFileRequest
{
    /// <summary>The method, as received (<c>GET</c>).</summary>
    public required string Method { get; init; }

    /// <summary>The request target, as received: still percent-encoded, query included (<c>/a%20b.txt?x=1</c>).</summary>
    public required string Target { get; init; }

    /// <summary>The conditional fields: If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since.</summary>
    public ConditionalHeaders Conditions { get; init; }

    /// <summary>The Range field.</summary>
    public string? Range { get; init; }

    /// <summary>The If-Range field.</summary>
    public string? IfRange { get; init; }

    /// <summary>The Authorization field, checked against <see cref="StaticFileOptions.Credentials"/>.</summary>
    public string? Authorization { get; init; }

    /// <summary>The Accept-Encoding field: which precompressed sibling (<c>.br</c>, <c>.gz</c>) the client takes.</summary>
    public string? AcceptEncoding { get; init; }

    /// <summary>
    /// A request from its method, target and a lookup of its header fields by name (case-insensitive, repeated
    /// fields joined with <c>", "</c>, null when absent): <c>name =&gt; request.Headers[name]</c>.
    /// </summary>
    public static StaticFileRequest From(string method, string target, Func<string, string?> header)
    {
        ArgumentNullException.ThrowIfNull(header);
        return new StaticFileRequest
        {
            Method = method,
            Target = target,
            Conditions = new ConditionalHeaders
            {
                IfMatch = header("if-match"),
                IfUnmodifiedSince = header("if-unmodified-since"),
                IfNoneMatch = header("if-none-match"),
                IfModifiedSince = header("if-modified-since"),
            },
            Range = header("range"),
            IfRange = header("if-range"),
            AcceptEncoding = header("accept-encoding"),
            Authorization = header("authorization"),
        };
    }
}

namespace Uvnet.Server.StaticFiles;

/// <summary>What the preconditions of a request decided (RFC 9110 §13.2.2).</summary>
public enum PreconditionResult
{
    /// <summary>No precondition stops the request: go on (to Range, then the response).</summary>
    Proceed,

    /// <summary>304 Not Modified: the client's copy is current (GET and HEAD).</summary>
    NotModified,

    /// <summary>412 Precondition Failed.</summary>
    PreconditionFailed,
}

/// <summary>The conditional request fields (RFC 9110 §13.1) of a request, as received; null when absent.</summary>
public readonly record struct ConditionalHeaders
{
    /// <summary>If-Match.</summary>
    public string? IfMatch { get; init; }

    /// <summary>If-Unmodified-Since.</summary>
    public string? IfUnmodifiedSince { get; init; }

    /// <summary>If-None-Match.</summary>
    public string? IfNoneMatch { get; init; }

    /// <summary>If-Modified-Since.</summary>
    public string? IfModifiedSince { get; init; }
}

/// <summary>Evaluates preconditions in RFC 9110 §13.2.2's order; If-Range belongs to <see cref="RangeRequest"/>.</summary>
public static class ConditionalRequest
{
    /// <summary>
    /// Evaluates <paramref name="headers"/> for a <paramref name="method"/> request of a representation with
    /// <paramref name="validators"/>: (1) If-Match, strong comparison, else (2) If-Unmodified-Since, then (3)
    /// If-None-Match, weak comparison, or, only when it is absent, (4) If-Modified-Since for GET and HEAD.
    /// A date that does not parse is ignored, as the RFC requires.
    /// </summary>
    public static PreconditionResult Evaluate(string method, in ConditionalHeaders headers, in FileValidators validators)
    {
        ArgumentNullException.ThrowIfNull(method);
        bool getOrHead = method is "GET" or "HEAD";
        if (headers.IfMatch is { } ifMatch)
        {
            if (!EntityTag.ListMatches(ifMatch, validators.ETag, weakComparison: false))
                return PreconditionResult.PreconditionFailed;
        }
        else if (HttpDate.TryParse(headers.IfUnmodifiedSince, out DateTimeOffset unmodifiedSince)
                 && validators.LastModified > unmodifiedSince)
        {
            return PreconditionResult.PreconditionFailed;
        }

        if (headers.IfNoneMatch is { } ifNoneMatch)
        {
            if (EntityTag.ListMatches(ifNoneMatch, validators.ETag, weakComparison: true))
                return getOrHead ? PreconditionResult.NotModified : PreconditionResult.PreconditionFailed;
        }
        else if (getOrHead && HttpDate.TryParse(headers.IfModifiedSince, out DateTimeOffset modifiedSince)
                 && validators.LastModified <= modifiedSince)
        {
            return PreconditionResult.NotModified;
        }
        return PreconditionResult.Proceed;
    }
}

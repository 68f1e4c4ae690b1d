namespace Uvnet.Proxy.Hooks;

/// <summary>What a filter asks of the exchange (BFE's GoOn, Response, Redirect, Close; envoy's StopIteration for Pause).</summary>
public enum HookAction
{
    /// <summary>Run the next filter, then the next stage of the request's life.</summary>
    Continue,

    /// <summary>Answer the request with the given status, headers and body; nothing is forwarded (or the upstream response is dropped).</summary>
    Respond,

    /// <summary>Answer with a redirect to the given location.</summary>
    Redirect,

    /// <summary>Close the downstream connection without an answer.</summary>
    Close,

    /// <summary>Stop here until the handle from <see cref="ProxyExchange.Pause"/> resumes the chain.</summary>
    Pause,
}

/// <summary>
/// A filter's verdict: a value with no allocation for <see cref="Continue"/>, <see cref="Close"/> and
/// <see cref="Paused"/>. Only the filter chain reads it.
/// </summary>
public readonly struct HookResult
{
    private HookResult(HookAction action, int status, IReadOnlyList<KeyValuePair<string, string>>? headers, ReadOnlyMemory<byte> body, string? location)
    {
        Action = action;
        Status = status;
        Headers = headers;
        Body = body;
        Location = location;
    }

    /// <summary>Go on: the next filter, then the next stage.</summary>
    public static HookResult Continue => default;

    /// <summary>Close the downstream connection (no response, or the response cut where it is).</summary>
    public static HookResult Close => new(HookAction.Close, 0, null, default, null);

    /// <summary>
    /// The chain stops until the handle taken with <see cref="ProxyExchange.Pause"/> is resumed: return this only after
    /// taking one (returning it without a handle is a filter error, answered 500).
    /// </summary>
    public static HookResult Paused => new(HookAction.Pause, 0, null, default, null);

    /// <summary>What the filter asks.</summary>
    public HookAction Action { get; }

    /// <summary>The status of a <see cref="HookAction.Respond"/> or <see cref="HookAction.Redirect"/>.</summary>
    public int Status { get; }

    /// <summary>The header fields of a <see cref="HookAction.Respond"/>, or null.</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? Headers { get; }

    /// <summary>The body of a <see cref="HookAction.Respond"/> (sent with a Content-Length).</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>The Location of a <see cref="HookAction.Redirect"/>.</summary>
    public string? Location { get; }

    /// <summary>Answers the request with <paramref name="status"/>, <paramref name="headers"/> and <paramref name="body"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="status"/> is not a final status (200 to 999).</exception>
    public static HookResult Respond(int status, IReadOnlyList<KeyValuePair<string, string>>? headers = null, ReadOnlyMemory<byte> body = default)
    {
        // A final response only: a 1xx here would leave the request without one.
        ArgumentOutOfRangeException.ThrowIfLessThan(status, 200);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(status, 999);
        return new HookResult(HookAction.Respond, status, headers, body, null);
    }

    /// <summary>Answers with a redirect (<paramref name="status"/>: 301, 302, 303, 307 or 308) to <paramref name="location"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="location"/> is empty or holds CR, LF or NUL.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="status"/> is not a redirect status.</exception>
    public static HookResult Redirect(string location, int status = 302)
    {
        ArgumentException.ThrowIfNullOrEmpty(location);
        if (location.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
            throw new ArgumentException("A Location cannot hold CR, LF or NUL.", nameof(location));
        if (status is not (301 or 302 or 303 or 307 or 308))
            throw new ArgumentOutOfRangeException(nameof(status), status, "A redirect is 301, 302, 303, 307 or 308.");
        return new HookResult(HookAction.Redirect, status, null, default, location);
    }
}

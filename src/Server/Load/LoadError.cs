namespace Uvnet.Server.Load;

/// <summary>The kinds of error <c>uvnet load</c> counts.</summary>
public enum LoadError
{
    /// <summary>The connection could not be made (refused, unreachable, the name not found).</summary>
    Connect,

    /// <summary>The connection failed or closed before the response ended, or the response was malformed.</summary>
    Read,

    /// <summary>No byte came for <see cref="LoadOptions.TimeoutMs"/>: the request was abandoned.</summary>
    Timeout,

    /// <summary>A 4xx response (not counted when <see cref="LoadOptions.ExpectStatus"/> is set).</summary>
    Status4xx,

    /// <summary>A 5xx response (not counted when <see cref="LoadOptions.ExpectStatus"/> is set).</summary>
    Status5xx,

    /// <summary>A status other than <see cref="LoadOptions.ExpectStatus"/>.</summary>
    ExpectStatus,

    /// <summary>A body length other than <see cref="LoadOptions.ExpectBodyBytes"/>.</summary>
    ExpectBodyBytes,

    /// <summary>An https connection whose TLS handshake failed: the server's certificate not verified (without <c>--insecure</c>), no common protocol or cipher.</summary>
    Tls,

    /// <summary>HTTP/2: the server's GOAWAY ended the request unanswered (its stream above the GOAWAY's last stream id, or still open when the connection closed after it).</summary>
    GoAway,

    /// <summary>HTTP/2: the server reset the request's stream (RST_STREAM, any code, REFUSED_STREAM included).</summary>
    Reset,
}

/// <summary>Names of <see cref="LoadError"/>s as reports print them.</summary>
public static class LoadErrors
{
    /// <summary>How many kinds there are.</summary>
    public const int KindCount = (int)LoadError.Reset + 1;

    /// <summary>The report's name of <paramref name="kind"/>.</summary>
    public static string Name(LoadError kind) => kind switch
    {
        LoadError.Connect => "connect",
        LoadError.Read => "read",
        LoadError.Timeout => "timeout",
        LoadError.Status4xx => "status_4xx",
        LoadError.Status5xx => "status_5xx",
        LoadError.ExpectStatus => "expect_status",
        LoadError.ExpectBodyBytes => "expect_body_bytes",
        LoadError.Tls => "tls",
        LoadError.GoAway => "goaway",
        LoadError.Reset => "reset",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown error kind"),
    };
}

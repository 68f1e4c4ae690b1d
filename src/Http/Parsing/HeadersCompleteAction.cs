namespace Uvnet.Http.Parsing;

/// <summary>
/// What <see cref="IHttpParserHandler.OnHeadersComplete"/> tells the parser to do next, as the return
/// value of llhttp's <c>on_headers_complete</c> (0, 1, 2, or <c>HPE_PAUSED</c>).
/// </summary>
public enum HeadersCompleteAction
{
    /// <summary>Read the body the framing announces (if any), then complete the message.</summary>
    Continue = 0,

    /// <summary>No body follows, whatever the framing says: the message completes now.</summary>
    SkipBody = 1,

    /// <summary>
    /// No body follows and the connection changes protocol: the message completes and Execute stops with
    /// <see cref="HttpParserError.PausedUpgrade"/>, leaving the rest of the bytes unread.
    /// </summary>
    Upgrade = 2,

    /// <summary>
    /// Continue as <see cref="Continue"/>, but stop now with <see cref="HttpParserError.Paused"/> until
    /// <see cref="HttpMessageParser.Resume"/>.
    /// </summary>
    Pause = 3,
}

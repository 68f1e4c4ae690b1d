namespace Uvnet.Http.Parsing;

/// <summary>
/// What the header section said about the connection and the framing, as llhttp's <c>F_*</c> flags
/// (same bits, so the two parsers' reports compare directly).
/// </summary>
[Flags]
public enum HttpParserFlags : ushort
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>A Connection field lists <c>keep-alive</c>.</summary>
    ConnectionKeepAlive = 1 << 0,

    /// <summary>A Connection field lists <c>close</c>.</summary>
    ConnectionClose = 1 << 1,

    /// <summary>A Connection field lists <c>upgrade</c>.</summary>
    ConnectionUpgrade = 1 << 2,

    /// <summary>The body is chunked (the final transfer coding is chunked).</summary>
    Chunked = 1 << 3,

    /// <summary>An Upgrade field with a value is present.</summary>
    Upgrade = 1 << 4,

    /// <summary>A Content-Length field is present.</summary>
    ContentLength = 1 << 5,

    /// <summary>The headers-complete callback said no body follows.</summary>
    SkipBody = 1 << 6,

    /// <summary>The parser is in the trailer section of a chunked body.</summary>
    Trailing = 1 << 7,

    /// <summary>A Transfer-Encoding field is present.</summary>
    TransferEncoding = 1 << 9,
}

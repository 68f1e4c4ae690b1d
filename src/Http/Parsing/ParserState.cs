namespace Uvnet.Http.Parsing;

/// <summary>
/// Where the parser stands between two bytes. The order matters: the head states (status line or request line,
/// header and trailer sections) are contiguous, so the header limits can be applied to a range.
/// </summary>
internal enum ParserState : byte
{
    // Between messages.
    MessageStart,
    MessageStartLf,
    Closed,

    // The head: status line (responses) or request line (requests), header section and trailer section.
    StatusLine,
    StatusReason,
    StatusLineLf,
    Method,
    UrlStart,
    UrlSchema,
    UrlSchemaSlash,
    UrlSchemaSlashSlash,
    UrlServer,
    UrlServerWithAt,
    UrlAsterisk,
    UrlPath,
    Version,
    RequestLineCr,
    RequestLineLf,
    HeaderFieldStart,
    HeaderField,
    HeaderValueStart,
    HeaderValueStartLf,
    HeaderValue,
    HeaderValueSpecial,
    HeaderValueLf,
    HeadersLf,

    // Decisions taken without input: the framing at the end of the head, and after a pause the body's choice
    // or the message's completion.
    HeadersEnd,
    HeadersDone,
    MessageDone,

    // The body.
    BodyToEof,
    BodyIdentity,
    ChunkSizeStart,
    ChunkSize,
    ChunkExtensionStart,
    ChunkExtensionName,
    ChunkExtensionValueStart,
    ChunkExtensionValue,
    ChunkExtensionQuoted,
    ChunkExtensionQuotedPair,
    ChunkExtensionQuotedEnd,
    ChunkSizeLf,
    ChunkData,
    ChunkDataCr,
    ChunkDataLf,
}

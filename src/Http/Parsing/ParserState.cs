namespace Uvnet.Http.Parsing;

/// <summary>
/// Where the parser stands between two bytes. The order matters: the head states (request line, header
/// and trailer sections) are contiguous, so the header limits can be applied to a range.
/// </summary>
internal enum ParserState : byte
{
    // Between messages.
    MessageStart,
    MessageStartLf,
    Closed,

    // The head: request line, header section and trailer section.
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

    // Decisions taken without input, pending after a pause.
    HeadersDone,
    MessageDone,

    // The body.
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

namespace Uvnet.Http.Parsing;

/// <summary>
/// Bounds on what one request (or response) may make the parser read before its body, so a peer can never make it (or a
/// handler that accumulates what it reports) hold unbounded memory, or read forever without progress. Exceeding
/// one is <see cref="HttpParserError.HeaderOverflow"/> (<see cref="HttpParserError.ChunkExtensionsOverflow"/> for
/// chunk extensions, <see cref="HttpParserError.MethodOverflow"/> for the method).
/// </summary>
public sealed record HttpParserLimits
{
    /// <summary>
    /// The defaults: 16 KiB of request line and headers (Node's default), 100 fields (Kestrel's), 16 KiB of chunk
    /// extensions (Node's), methods of up to 32 bytes.
    /// </summary>
    public static HttpParserLimits Default { get; } = new();

    /// <summary>
    /// The most bytes the start line (request or status line) and header section may take, counting every byte from the
    /// method (or the status line's first byte) to
    /// the empty line that ends the headers, CRLFs included. The trailer section of a chunked body has a
    /// budget of its own of the same size. Default 16 KiB, Node's <c>--max-http-header-size</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public int MaxHeaderBytes
    {
        get => _maxHeaderBytes;
        init => _maxHeaderBytes = RequirePositive(value);
    }

    /// <summary>
    /// The most fields the header section (and, separately, the trailer section) may have. Default 100,
    /// Kestrel's <c>MaxRequestHeaderCount</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public int MaxHeaderCount
    {
        get => _maxHeaderCount;
        init => _maxHeaderCount = RequirePositive(value);
    }

    /// <summary>
    /// The most bytes the chunk extensions of one message's chunked body may take, all chunks together (an
    /// extension is skipped, not kept, but a peer could otherwise send them forever without a byte of body).
    /// Default 16 KiB, as Node since CVE-2024-22019. Exceeding it is
    /// <see cref="HttpParserError.ChunkExtensionsOverflow"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public int MaxChunkExtensionBytes
    {
        get => _maxChunkExtensionBytes;
        init => _maxChunkExtensionBytes = RequirePositive(value);
    }

    /// <summary>
    /// The longest method token accepted, in bytes; a longer one is <see cref="HttpParserError.MethodOverflow"/>
    /// (a server answers 501 at once, RFC 9112 §3). Default 32: the longest method in IANA's HTTP Method
    /// Registry, UPDATEREDIRECTREF, has 17 bytes, and nearly twice that leaves room for extension methods, while
    /// a peer cannot make the server read a request line's worth of bytes (up to
    /// <see cref="MaxHeaderBytes"/>) of a method before refusing it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public int MaxMethodLength
    {
        get => _maxMethodLength;
        init => _maxMethodLength = RequirePositive(value);
    }

    private readonly int _maxHeaderBytes = 16 * 1024;
    private readonly int _maxMethodLength = 32;
    private readonly int _maxChunkExtensionBytes = 16 * 1024;
    private readonly int _maxHeaderCount = 100;

    private static int RequirePositive(int value)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
        return value;
    }
}

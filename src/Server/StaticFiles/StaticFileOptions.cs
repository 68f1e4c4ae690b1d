namespace Uvnet.Server.StaticFiles;

/// <summary>How <see cref="StaticFileHandler"/> serves: <c>uvnet serve</c>'s convenience flags.</summary>
public sealed record StaticFileOptions
{
    /// <summary>Whether dotfiles and dot-folders are served and listed (<c>--dotfiles</c>); otherwise they are not found.</summary>
    public bool ServeDotfiles { get; init; }

    /// <summary>
    /// Whether any origin may read the responses from a browser (<c>--cors</c>): <c>Access-Control-Allow-Origin: *</c>
    /// on every response, and OPTIONS (a preflight) answered 204 with the methods and request fields allowed.
    /// </summary>
    public bool Cors { get; init; }

    /// <summary>
    /// How long a file may be used from a cache without revalidating (<c>--cache SECONDS</c>):
    /// <c>Cache-Control: max-age=N</c> on files; null or zero: <c>no-cache</c>, revalidated on every use.
    /// Listings and errors are always <c>no-cache</c>: they change as the folder does.
    /// </summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>
    /// Whether a path that names nothing is answered with the root's <c>index.html</c> (<c>--spa</c>), as a
    /// single-page application's client-side routes need; without that file it is still 404.
    /// </summary>
    public bool SinglePageApplication { get; init; }

    /// <summary>
    /// Whether text files with no precompressed sibling are compressed on the fly (<c>--compress</c>) for a client
    /// that accepts Brotli or gzip, and kept compressed by entity tag in a bounded cache. A request with a Range
    /// gets the file as it is (ranges of the file, by sendfile), as nginx does.
    /// </summary>
    public bool Compress { get; init; }

    /// <summary>The credentials a request must carry (<c>--auth user:pass</c>, HTTP Basic); null: none asked for. A CORS preflight is answered without them, as browsers send none.</summary>
    public BasicCredentials? Credentials { get; init; }

    /// <summary>Fields added to every response (<c>-H 'Name: value'</c>), after the server's own, which one of the same name replaces (a Vary adds to the server's instead, and a multipart/byteranges body keeps its Content-Type, whose boundary frames it).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ExtraHeaders { get; init; } = [];
}

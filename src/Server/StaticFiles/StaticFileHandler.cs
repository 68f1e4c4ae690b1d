using System.Globalization;
using System.Text;

namespace Uvnet.Server.StaticFiles;

/// <summary>
/// The static file server's decisions, without the server: from a <see cref="StaticFileRequest"/> to a
/// <see cref="StaticFileResponse"/>. GET and HEAD only; a directory gets its <c>index.html</c> or a listing
/// (after a redirect to the path with a trailing <c>/</c>); a file gets validators, conditional answers
/// (304, 412) and byte ranges (206, one range or several as multipart/byteranges; 416), and is sent as its precompressed sibling (<c>.br</c>, <c>.gz</c>)
/// when one exists and the client accepts its coding (see <see cref="ContentCoding"/>; several ranges are of the file itself, as a multipart body has no coding). Touches the file system (stat, realpath, directory reads), so
/// a listing of a huge directory takes a moment; it reads a file only for a multipart/byteranges body, at most
/// <see cref="MultipartByteRanges.MaxBytes"/> of it.
/// </summary>
public sealed class StaticFileHandler
{
    /// <summary>The file a directory is answered with when it holds one.</summary>
    public const string IndexFile = "index.html";

    /// <summary>
    /// Every response may be stored but must be revalidated before use: a person editing files sees each change
    /// on reload, and an unchanged file costs a 304.
    /// </summary>
    public const string CacheControl = "no-cache";

    private const string TextPlain = "text/plain; charset=utf-8";

    /// <summary>What a CORS preflight may ask for: the conditional and range fields, the only ones this server reads (and Authorization with credentials).</summary>
    private const string CorsAllowedHeaders = "Range, If-Range, If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since";

    /// <summary>The response fields a cross-origin script may read beyond the safelisted ones: those of validators and ranges.</summary>
    private const string CorsExposedHeaders = "ETag, Last-Modified, Accept-Ranges, Content-Range";

    private readonly PathResolver _resolver;
    private readonly StaticFileOptions _options;
    private readonly string _fileCacheControl;
    private readonly CompressedCache? _compressed;

    /// <summary>Serves the files under <paramref name="root"/>; dotfiles and dot-folders only with <paramref name="serveDotfiles"/> (see <see cref="PathResolver"/>).</summary>
    /// <exception cref="DirectoryNotFoundException"><paramref name="root"/> is not a directory.</exception>
    public StaticFileHandler(string root, bool serveDotfiles = false)
        : this(root, new StaticFileOptions { ServeDotfiles = serveDotfiles })
    {
    }

    /// <summary>Serves the files under <paramref name="root"/> as <paramref name="options"/> say.</summary>
    /// <exception cref="DirectoryNotFoundException"><paramref name="root"/> is not a directory.</exception>
    public StaticFileHandler(string root, StaticFileOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.ExtraHeaders);
        if (options.MaxAge is { } maxAge)
            ArgumentOutOfRangeException.ThrowIfNegative(maxAge.Ticks, nameof(options));
        foreach (var (name, value) in options.ExtraHeaders)
        {
            if (ExtraHeader.Problem(name, value) is { } problem)
                throw new ArgumentException($"extra header: {problem}", nameof(options));
        }
        _resolver = new PathResolver(root, options.ServeDotfiles);
        _options = options;
        _compressed = options.Compress ? new CompressedCache(CompressedCache.DefaultCapacityBytes) : null;
        _fileCacheControl = options.MaxAge is { TotalSeconds: >= 1 } age
            ? string.Create(CultureInfo.InvariantCulture, $"max-age={(long)age.TotalSeconds}")
            : CacheControl;
    }

    /// <summary>The resolver, with the root's real path.</summary>
    public PathResolver Resolver => _resolver;

    /// <summary>
    /// Decides the response to <paramref name="request"/>, with <paramref name="now"/> as the current time, which is
    /// also the response's Date: a Last-Modified is never later than it (RFC 9110 §8.8.2.1), even for a file
    /// written this second or dated in the future, which the HTTP server's own Date, cached per second, would not
    /// promise.
    /// </summary>
    public StaticFileResponse Handle(StaticFileRequest request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        StaticFileResponse response = Decide(request, now);
        response.AddDate(now);
        if (_options.Cors)
        {
            response.AddHeader("Access-Control-Allow-Origin", "*");
            response.AddHeader("Access-Control-Expose-Headers", CorsExposedHeaders);
        }
        foreach (var (name, value) in _options.ExtraHeaders)
        {
            // The server's Vary names the fields that chose the coding: replaced, a shared cache would hand encoded
            // bytes to a client that cannot decode them. An extra Vary adds to it.
            if (name.Equals("Vary", StringComparison.OrdinalIgnoreCase) && response.Header(name) is { } vary)
                response.AddHeader(name, $"{vary}, {value}");
            else if (!(name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase) && response.Header(name) is { } type
                && type.StartsWith(MultipartByteRanges.MediaType, StringComparison.Ordinal)))
                response.AddHeader(name, value); // but a multipart body keeps its type: the boundary in it frames the parts
        }
        return response;
    }

    private StaticFileResponse Decide(StaticFileRequest request, DateTimeOffset now)
    {
        bool head = request.Method == "HEAD";
        if (_options.Cors && request.Method == "OPTIONS")
            return Preflight();
        if (_options.Credentials is { } credentials && !credentials.Admits(request.Authorization))
            return Error(401, "Unauthorized", head, KeyValuePair.Create("WWW-Authenticate", BasicCredentials.Challenge));
        if (request.Method != "GET" && !head)
            return Error(405, "Method Not Allowed", head, KeyValuePair.Create("Allow", AllowedMethods));
        PathResolution resolution = _resolver.Resolve(request.Target);
        if (resolution.Status == PathResolutionStatus.NotFound && _options.SinglePageApplication
            && _resolver.ResolveInside(Path.Join(_resolver.Root, IndexFile)) is { } appIndex && System.IO.File.Exists(appIndex))
            return File(appIndex, request, head, now);
        switch (resolution.Status)
        {
            case PathResolutionStatus.BadRequest:
                return Error(400, "Bad Request", head);
            case PathResolutionStatus.Forbidden:
                return Error(403, "Forbidden", head);
            case PathResolutionStatus.NotFound:
                return Error(404, "Not Found", head);
        }
        string urlPath = resolution.UrlPath!;
        if (!resolution.IsDirectory)
            return File(resolution.FullPath!, request, head, now);
        if (!urlPath.EndsWith('/'))
            return Redirect(urlPath + "/", request.Target, head);
        if (_resolver.ResolveInside(Path.Join(resolution.FullPath, IndexFile)) is { } index && System.IO.File.Exists(index))
            return File(index, request, head, now);
        var entries = DirectoryListing.Read(resolution.FullPath!, _resolver);
        string html = DirectoryListing.Render(urlPath, entries, isRoot: urlPath == "/");
        return InMemory(200, "text/html; charset=utf-8", Encoding.UTF8.GetBytes(html), head);
    }

    /// <summary>The methods answered: GET and HEAD, and OPTIONS with CORS.</summary>
    private string AllowedMethods => _options.Cors ? "GET, HEAD, OPTIONS" : "GET, HEAD";

    /// <summary>A CORS preflight's answer (the Allow-Origin is added to every response): 204, what may be asked.</summary>
    private StaticFileResponse Preflight() => new(204,
    [
        new("Allow", AllowedMethods),
        new("Access-Control-Allow-Methods", AllowedMethods),
        // With --auth a script sends Authorization itself, and the Fetch standard wants it named, never covered by "*".
        new("Access-Control-Allow-Headers", _options.Credentials is null ? CorsAllowedHeaders : CorsAllowedHeaders + ", Authorization"),
        new("Cache-Control", CacheControl),
    ], null, default, sendBody: false);

    /// <summary>
    /// The file to send for <paramref name="path"/>: a precompressed sibling the client accepts (and its coding),
    /// else the file itself; and whether any sibling exists, so the response varies by Accept-Encoding.
    /// </summary>
    private (string Path, string? Coding, bool Varies) Representation(string path, string? acceptEncoding)
    {
        var siblings = new Dictionary<string, string>();
        foreach (var (coding, suffix) in ContentCoding.Siblings)
        {
            if (_resolver.ResolveInside(path + suffix) is { } sibling && System.IO.File.Exists(sibling))
                siblings[coding] = sibling;
        }
        string? chosen = ContentCoding.Choose(acceptEncoding, siblings.Keys);
        return chosen is null ? (path, null, siblings.Count > 0) : (siblings[chosen], chosen, true);
    }

    private StaticFileResponse File(string path, StaticFileRequest request, bool head, DateTimeOffset now)
    {
        // A multipart/byteranges body is in no coding itself: under a sibling's Content-Encoding, curl --compressed
        // and HttpClient decode the whole body and fail. Several ranges are of the file as it is.
        string? acceptEncoding = RangeRequest.AsksForSeveral(request.Method, request.Range) ? null : request.AcceptEncoding;
        var (served, coding, varies) = Representation(path, acceptEncoding);
        var info = new FileInfo(served);
        if (!info.Exists)
            return Error(404, "Not Found", head); // removed since it was resolved
        string contentType = ContentTypes.ForPath(path);
        bool onTheFly = false;
        if (coding is null && _compressed is not null && CompressedCache.Compressible(contentType, info.Length))
        {
            varies = true;
            coding = request.Range is null ? ContentCoding.Choose(request.AcceptEncoding, ["br", "gzip"]) : null;
            onTheFly = coding is not null;
        }
        FileValidators validators = FileValidators.For(info, now);
        if (coding is not null)
        {
            // Each coding is a representation of its own: its tag must differ from the file's, whatever the sibling's dates.
            validators = validators with { ETag = validators.ETag with { Opaque = $"{validators.ETag.Opaque[..^1]}-{coding}\"" } };
        }
        var headers = new List<KeyValuePair<string, string>>();
        if (varies)
            headers.Add(new("Vary", "Accept-Encoding"));
        switch (ConditionalRequest.Evaluate(request.Method, request.Conditions, validators))
        {
            case PreconditionResult.NotModified:
                // RFC 9110 §15.4.5: the fields a 200 would carry for caches; the ETag makes Last-Modified redundant.
                headers.Add(new("ETag", validators.ETag.ToString()));
                headers.Add(new("Cache-Control", _fileCacheControl));
                return new StaticFileResponse(304, headers, null, default, sendBody: false);
            case PreconditionResult.PreconditionFailed:
                // Decided on the coding's tag, as the 416 below on its length: they vary as the 200 would.
                return Error(412, "Precondition Failed", head, [.. headers]);
        }
        RangeResult range = RangeRequest.Evaluate(request.Method, request.Range, request.IfRange, validators);
        if (range.Outcome == RangeOutcome.Multipart && range.Ranges.Sum(r => r.Length) > MultipartByteRanges.MaxBytes)
            range = RangeResult.Full;
        if (onTheFly)
            return Compressed(served, contentType, coding!, validators, headers, head);
        if (range.Outcome == RangeOutcome.Multipart)
            return Multipart(served, contentType, coding, validators, range.Ranges, headers);
        if (range.Outcome == RangeOutcome.NotSatisfiable)
            return Error(416, "Range Not Satisfiable", head, [.. headers, KeyValuePair.Create("Content-Range", RangeRequest.UnsatisfiedContentRange(validators.Length))]);
        ByteRange run = range.Outcome == RangeOutcome.Partial ? range.Range : new ByteRange(0, validators.Length);
        AddRepresentationHeaders(headers, contentType, coding, run.Length, validators);
        if (range.Outcome == RangeOutcome.Partial)
            headers.Add(new("Content-Range", run.ContentRange(validators.Length)));
        int status = range.Outcome == RangeOutcome.Partial ? 206 : 200;
        return new StaticFileResponse(status, headers, new FileBody(served, run.Offset, run.Length), default, sendBody: !head);
    }

    /// <summary>200 with <paramref name="served"/> compressed in <paramref name="coding"/> (from the cache when it was before), after <paramref name="headers"/> (Vary).</summary>
    private StaticFileResponse Compressed(string served, string contentType, string coding, in FileValidators validators,
        List<KeyValuePair<string, string>> headers, bool head)
    {
        byte[] body;
        try
        {
            body = _compressed!.Get(served, validators.ETag, coding);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ReadFailure(e, head);
        }
        AddRepresentationHeaders(headers, contentType, coding, body.Length, validators);
        return new StaticFileResponse(200, headers, null, body, sendBody: !head);
    }

    /// <summary>206 to a GET with several ranges of <paramref name="served"/> as multipart/byteranges, after <paramref name="headers"/> (Vary).</summary>
    private StaticFileResponse Multipart(string served, string contentType, string? coding, in FileValidators validators,
        IReadOnlyList<ByteRange> ranges, List<KeyValuePair<string, string>> headers)
    {
        (string multipartType, byte[] body) parts;
        try
        {
            parts = MultipartByteRanges.Render(served, contentType, validators.Length, ranges);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ReadFailure(e, head: false);
        }
        AddRepresentationHeaders(headers, parts.multipartType, coding, parts.body.Length, validators);
        return new StaticFileResponse(206, headers, null, parts.body, sendBody: true);
    }

    /// <summary>A file the decision found that could then not be read (a race with its removal or its permissions): 403 or 404.</summary>
    private static StaticFileResponse ReadFailure(Exception error, bool head) =>
        error is UnauthorizedAccessException ? Error(403, "Forbidden", head) : Error(404, "Not Found", head);

    /// <summary>The fields of a file's 200 or 206: type, coding, length, validators, ranges, caching.</summary>
    private void AddRepresentationHeaders(List<KeyValuePair<string, string>> headers, string contentType, string? coding,
        long contentLength, in FileValidators validators)
    {
        headers.Add(new("Content-Type", contentType));
        if (coding is not null)
            headers.Add(new("Content-Encoding", coding));
        headers.Add(new("Content-Length", Number(contentLength)));
        headers.Add(new("Last-Modified", validators.LastModifiedText));
        headers.Add(new("ETag", validators.ETag.ToString()));
        headers.Add(new("Accept-Ranges", "bytes"));
        headers.Add(new("Cache-Control", _fileCacheControl));
        headers.Add(new("X-Content-Type-Options", "nosniff"));
    }

    /// <summary>301 to the directory's path with its trailing slash, each segment re-encoded, the query kept.</summary>
    private static StaticFileResponse Redirect(string urlPath, string target, bool head)
    {
        string encoded = string.Join('/', urlPath.Split('/').Select(Uri.EscapeDataString));
        int query = target.IndexOf('?');
        if (query >= 0)
        {
            int fragment = target.IndexOf('#', query);
            encoded += fragment < 0 ? target[query..] : target[query..fragment];
        }
        return Error(301, "Moved Permanently", head, KeyValuePair.Create("Location", encoded));
    }

    private static StaticFileResponse Error(int status, string reason, bool head, params ReadOnlySpan<KeyValuePair<string, string>> extra) =>
        InMemory(status, TextPlain, Encoding.UTF8.GetBytes($"{status} {reason}\n"), head, extra);

    private static StaticFileResponse InMemory(int status, string contentType, byte[] body, bool head,
        ReadOnlySpan<KeyValuePair<string, string>> extra = default)
    {
        var headers = new List<KeyValuePair<string, string>>
        {
            new("Content-Type", contentType),
            new("Content-Length", Number(body.Length)),
            new("Cache-Control", CacheControl),
            new("X-Content-Type-Options", "nosniff"),
        };
        headers.AddRange(extra);
        return new StaticFileResponse(status, headers, null, body, sendBody: !head);
    }

    private static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);
}

namespace Uvnet.Server.StaticFiles;

/// <summary>What <see cref="PathResolver.Resolve"/> decided about a request target.</summary>
public enum PathResolutionStatus
{
    /// <summary>A file or directory under the root: serve it.</summary>
    Ok,

    /// <summary>Nothing there (404).</summary>
    NotFound,

    /// <summary>A well-formed target that will not be served: <c>..</c>, an encoded separator, a symlink leading out of the root (403).</summary>
    Forbidden,

    /// <summary>Not a target at all: bad percent-encoding, invalid UTF-8, a NUL, not a path (400).</summary>
    BadRequest,
}

/// <summary>
/// The outcome of resolving a request target: for <see cref="PathResolutionStatus.Ok"/>, the file system path
/// (with every symlink resolved) and whether it is a directory.
/// </summary>
public readonly record struct PathResolution
{
    /// <summary>The decision.</summary>
    public PathResolutionStatus Status { get; init; }

    /// <summary>The resolved path under the root (no symlinks left in it); null unless <see cref="PathResolutionStatus.Ok"/>.</summary>
    public string? FullPath { get; init; }

    /// <summary>Whether <see cref="FullPath"/> is a directory.</summary>
    public bool IsDirectory { get; init; }

    /// <summary>
    /// The decoded, normalised URL path (<c>/docs/a b.txt</c>; a trailing <c>/</c> kept), when the target could be
    /// decoded; null for <see cref="PathResolutionStatus.BadRequest"/>.
    /// </summary>
    public string? UrlPath { get; init; }

    /// <summary>Why the target was refused, for a log or an error page; null for <see cref="PathResolutionStatus.Ok"/>.</summary>
    public string? Reason { get; init; }

    /// <summary>Whether the target may be served.</summary>
    public bool IsOk => Status == PathResolutionStatus.Ok;

    internal static PathResolution Found(string fullPath, bool isDirectory, string urlPath) =>
        new() { Status = PathResolutionStatus.Ok, FullPath = fullPath, IsDirectory = isDirectory, UrlPath = urlPath };

    internal static PathResolution Refused(PathResolutionStatus status, string reason, string? urlPath = null) =>
        new() { Status = status, Reason = reason, UrlPath = urlPath };
}

using System.Text;
using System.Text.Unicode;

namespace Uvnet.Server.StaticFiles;

/// <summary>
/// Maps a raw request target to a path under a root directory, or refuses it. The target is percent-decoded
/// exactly once; <c>..</c> segments, encoded separators (<c>%2F</c>, <c>%5C</c>) and backslashes are refused
/// before the file system is touched; then every symlink on the way is resolved (as realpath(3) does) and the
/// result must still be the root or below it, so a link leading out of the root is never followed. Dotfiles and
/// dot-folders (<c>.git</c>, <c>.env</c>) are hidden unless asked for: a name starting with <c>.</c>, in the request
/// or in the real path a symlink leads to, is not found (404), so serving a project's folder never hands out its
/// repository, keys or editor state by accident.
/// </summary>
/// <remarks>
/// Unix paths: <c>/</c> is the only separator. A backslash is refused rather than taken as part of a name, so
/// the same tree serves the same way everywhere. The check and the open that follows are two steps: a symlink
/// swapped in between by someone who can write under the root is not caught (serving a tree others can write to
/// is not this server's use).
/// </remarks>
public sealed class PathResolver
{
    // Linux's own limit on symlinks followed in one lookup (MAXSYMLINKS); past it, ELOOP.
    private const int MaxSymlinks = 40;

    /// <summary>
    /// Resolves <paramref name="root"/> (relative to the current directory, symlinks allowed) once; dotfiles and
    /// dot-folders under it are served only with <paramref name="serveDotfiles"/>.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException"><paramref name="root"/> is not a directory.</exception>
    public PathResolver(string root, bool serveDotfiles = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        string? real = RealPath(Path.GetFullPath(root));
        if (real is null || !Directory.Exists(real))
            throw new DirectoryNotFoundException($"no such directory: '{root}'");
        Root = real;
        ServesDotfiles = serveDotfiles;
    }

    /// <summary>The root's real path: absolute, no symlinks, no trailing separator (but <c>/</c> itself).</summary>
    public string Root { get; }

    /// <summary>Whether names starting with <c>.</c> under the root are served (and listed); by default they are not found.</summary>
    public bool ServesDotfiles { get; }

    /// <summary>Whether the entry named <paramref name="name"/> is hidden: a dotfile or dot-folder, unless <see cref="ServesDotfiles"/>.</summary>
    public bool IsHidden(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return !ServesDotfiles && name.StartsWith('.');
    }

    /// <summary>
    /// Resolves <paramref name="target"/>, the request target as received (origin-form <c>/a%20b?q</c>, or
    /// absolute-form <c>http://host/a</c>). Characters outside ASCII (a client that sent raw UTF-8) count as
    /// their UTF-8 bytes. The query and any fragment are ignored.
    /// </summary>
    public PathResolution Resolve(string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (PathPart(target) is not { } rawPath)
            return PathResolution.Refused(PathResolutionStatus.BadRequest, "not an origin-form or absolute-form target");
        var decoded = Decode(rawPath);
        if (decoded.Failure is { } failure)
            return failure;
        var segments = new List<string>();
        foreach (string segment in decoded.Path.Split('/'))
        {
            if (segment is "" or ".")
                continue;
            if (segment == "..")
                return PathResolution.Refused(PathResolutionStatus.Forbidden, "'..' in the path", decoded.Path);
            segments.Add(segment);
        }
        if (segments.Any(IsHidden))
            return PathResolution.Refused(PathResolutionStatus.NotFound, HiddenReason, decoded.Path);
        bool trailingSlash = segments.Count > 0 && decoded.Path.EndsWith('/');
        string urlPath = "/" + string.Join('/', segments) + (trailingSlash ? "/" : "");
        // The root is real already: only the request's segments are walked.
        string? real = Walk(Root, segments);
        if (real is null)
            return PathResolution.Refused(PathResolutionStatus.NotFound, "no such file or directory", urlPath);
        if (!Contains(real))
            return PathResolution.Refused(PathResolutionStatus.Forbidden, "a symbolic link leads out of the root", urlPath);
        if (LeadsToHidden(real))
            return PathResolution.Refused(PathResolutionStatus.NotFound, HiddenReason, urlPath);
        if (Directory.Exists(real))
            return PathResolution.Found(real, isDirectory: true, urlPath);
        // "file.txt/" names a directory, as open(2) reads it (ENOTDIR): there is none.
        return File.Exists(real) && !trailingSlash
            ? PathResolution.Found(real, isDirectory: false, urlPath)
            : PathResolution.Refused(PathResolutionStatus.NotFound, "no such file or directory", urlPath);
    }

    /// <summary>Whether <paramref name="realPath"/> (already resolved) is the root or below it.</summary>
    public bool Contains(string realPath)
    {
        ArgumentNullException.ThrowIfNull(realPath);
        if (realPath == Root || Root == "/")
            return realPath.StartsWith('/');
        return realPath.Length > Root.Length && realPath.StartsWith(Root, StringComparison.Ordinal) && realPath[Root.Length] == '/';
    }

    /// <summary>
    /// The real path of <paramref name="path"/> (absolute, or relative to the current directory) when it exists
    /// and is under the root, else null: for an entry found inside a served directory (its <c>index.html</c>, a
    /// listing's entries), which may itself be a symlink.
    /// </summary>
    public string? ResolveInside(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string? real = RealPath(Path.GetFullPath(path));
        return real is not null && Contains(real) && !LeadsToHidden(real) ? real : null;
    }

    private const string HiddenReason = "a dotfile or dot-folder, not served unless asked for";

    /// <summary>Whether a name below the root in <paramref name="realPath"/> (under the root) is hidden: a symlink may lead into <c>.git</c>.</summary>
    private bool LeadsToHidden(string realPath) =>
        !ServesDotfiles && realPath.Length > Root.Length && realPath[Root.Length..].Split('/').Any(IsHidden);

    /// <summary>
    /// The path of a request target (what precedes <c>?</c> or <c>#</c>), still encoded; null when the target
    /// is neither origin-form (<c>/...</c>) nor absolute-form (<c>http://host/...</c>; no path means <c>/</c>).
    /// </summary>
    internal static string? PathPart(string target)
    {
        int end = target.AsSpan().IndexOfAny('?', '#');
        string path = end < 0 ? target : target[..end];
        if (path.StartsWith('/'))
            return path;
        foreach (string scheme in (ReadOnlySpan<string>)["http://", "https://"])
        {
            if (!path.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
                continue;
            int slash = path.IndexOf('/', scheme.Length);
            return slash < 0 ? "/" : path[slash..];
        }
        return null;
    }

    /// <summary>Percent-decodes <paramref name="rawPath"/> once into UTF-8 text, refusing what cannot name a file.</summary>
    internal static (string Path, PathResolution? Failure) Decode(string rawPath)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(rawPath);
        int length = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            byte b = bytes[i];
            if (b == '%')
            {
                if (i + 2 >= bytes.Length || !IsHex(bytes[i + 1]) || !IsHex(bytes[i + 2]))
                    return ("", PathResolution.Refused(PathResolutionStatus.BadRequest, "a '%' not followed by two hex digits"));
                b = (byte)((HexValue(bytes[i + 1]) << 4) | HexValue(bytes[i + 2]));
                i += 2;
                // An encoded separator would be a separator only after decoding: refused, never split on.
                if (b is (byte)'/' or (byte)'\\')
                    return ("", PathResolution.Refused(PathResolutionStatus.Forbidden, "an encoded '/' or '\\' in the path"));
            }
            else if (b == '\\')
            {
                return ("", PathResolution.Refused(PathResolutionStatus.Forbidden, "a '\\' in the path"));
            }
            if (b == 0)
                return ("", PathResolution.Refused(PathResolutionStatus.BadRequest, "a NUL in the path"));
            bytes[length++] = b;
        }
        var decoded = bytes.AsSpan(0, length);
        if (!Utf8.IsValid(decoded))
            return ("", PathResolution.Refused(PathResolutionStatus.BadRequest, "the decoded path is not UTF-8"));
        return (Encoding.UTF8.GetString(decoded), null);
    }

    private static bool IsHex(byte b) => char.IsAsciiHexDigit((char)b);

    private static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;

    /// <summary>
    /// realpath(3) in managed code: <paramref name="absolutePath"/> with every symlink resolved, or null when a
    /// component does not exist, is not a directory where one is needed, or the links loop.
    /// </summary>
    internal static string? RealPath(string absolutePath) => Walk("/", absolutePath.Split('/'));

    /// <summary>Walks <paramref name="components"/> from <paramref name="realStart"/> (a path with no symlinks in it), resolving links as it goes.</summary>
    private static string? Walk(string realStart, IReadOnlyList<string> components)
    {
        var pending = new Stack<string>();
        PushComponents(pending, components);
        string current = realStart;
        int links = 0;
        while (pending.TryPop(out string? part))
        {
            if (part is "" or ".")
                continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? "/";
                continue;
            }
            string next = current == "/" ? "/" + part : current + "/" + part;
            string? target;
            try
            {
                target = new FileInfo(next).LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
            if (target is null)
            {
                if (!File.Exists(next) && !Directory.Exists(next))
                    return null;
                current = next;
                continue;
            }
            if (++links > MaxSymlinks)
                return null;
            // A relative target is read from the link's directory, which is where the walk stands.
            if (target.StartsWith('/'))
                current = "/";
            PushComponents(pending, target.Split('/'));
        }
        return current;
    }

    private static void PushComponents(Stack<string> pending, IReadOnlyList<string> components)
    {
        for (int i = components.Count - 1; i >= 0; i--)
            pending.Push(components[i]);
    }
}

using System.Globalization;
using System.Text;

namespace Uvnet.Proxy.Routing;

/// <summary>
/// A request path as routes see it and as it is forwarded (envoy's <c>normalize_path</c> then <c>merge_slashes</c>):
/// percent-encoded unreserved characters decoded (RFC 3986 §6.2.2.2: <c>%2E</c> is '.', <c>%61</c> is 'a'), dot segments
/// removed (RFC 3986 §5.2.4), runs of '/' merged. Without it <c>/public/../admin</c> would match a <c>/public/</c> route
/// and reach the upstream's <c>/admin</c>, and <c>/%61dmin</c> would miss an <c>/admin</c> route that the upstream, decoding
/// it, serves. Encoded slashes (<c>%2F</c>, <c>%5C</c>) and other reserved characters stay encoded and are not
/// separators: the upstream decides what they mean.
/// </summary>
internal static class PathNormalizer
{
    /// <summary>
    /// The normalised form of <paramref name="path"/> (a path starting with '/', without its query), the same string
    /// when nothing changes; false when a ".." climbs above the root, which no route can mean (400).
    /// </summary>
    internal static bool TryNormalize(string path, out string normalized)
    {
        normalized = path;
        if (!path.StartsWith('/'))
            return true;
        string decoded = DecodeUnreserved(path);
        if (!NeedsWork(decoded))
        {
            normalized = decoded;
            return true; // the usual path: nothing to do, nothing allocated
        }
        var segments = new List<string>();
        string[] parts = decoded[1..].Split('/');
        for (int i = 0; i < parts.Length; i++)
        {
            bool last = i == parts.Length - 1;
            switch (parts[i])
            {
                case ".":
                    break;
                case "..":
                    if (segments.Count == 0)
                        return false; // above the root (envoy clamps to "/"; a client sending it is probing)
                    segments.RemoveAt(segments.Count - 1);
                    break;
                case "":
                    break; // merge_slashes: an empty segment is a run of '/'
                default:
                    segments.Add(parts[i]);
                    continue;
            }
            if (last)
                segments.Add(""); // "/a/." and "/a/.." name a directory: the trailing '/' stays
        }
        string result = "/" + string.Join('/', segments);
        normalized = result == path ? path : result;
        return true;
    }

    /// <summary>Whether <paramref name="path"/> may hold a dot segment or a run of slashes.</summary>
    private static bool NeedsWork(string path) =>
        path.Contains("/.", StringComparison.Ordinal) || path.Contains("//", StringComparison.Ordinal);

    /// <summary>
    /// <paramref name="path"/> with each escape of an unreserved character (ALPHA, DIGIT, '-', '.', '_', '~') replaced by
    /// the character, once (<c>%2561</c> stays: it is "%61" as text); the same string when there is none.
    /// </summary>
    private static string DecodeUnreserved(string path)
    {
        int at = path.IndexOf('%');
        if (at < 0)
            return path;
        StringBuilder? decoded = null;
        int copied = 0;
        for (; at >= 0 && at + 2 < path.Length; at = path.IndexOf('%', at + 1))
        {
            if (!byte.TryParse(path.AsSpan(at + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte value)
                || !(char.IsAsciiLetterOrDigit((char)value) || value is (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~'))
                continue;
            (decoded ??= new StringBuilder(path.Length)).Append(path, copied, at - copied).Append((char)value);
            copied = at + 3;
            at += 2;
        }
        return decoded is null ? path : decoded.Append(path, copied, path.Length - copied).ToString();
    }
}

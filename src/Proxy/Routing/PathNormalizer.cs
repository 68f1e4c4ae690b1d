namespace Uvnet.Proxy.Routing;

/// <summary>
/// A request path as routes see it and as it is forwarded (envoy's <c>normalize_path</c> then <c>merge_slashes</c>):
/// <c>%2E</c> decoded to '.', dot segments removed (RFC 3986 §5.2.4), runs of '/' merged. Without it
/// <c>/public/../admin</c> would match a <c>/public/</c> route and reach the upstream's <c>/admin</c>. Encoded slashes
/// (<c>%2F</c>, <c>%5C</c>) stay encoded and are not separators: the upstream decides what they mean.
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
        if (!path.StartsWith('/') || !NeedsWork(path))
            return true; // the usual path: nothing to do, nothing allocated
        string decoded = path.Replace("%2E", ".", StringComparison.OrdinalIgnoreCase);
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

    /// <summary>Whether <paramref name="path"/> may hold a dot segment, an encoded dot or a run of slashes.</summary>
    private static bool NeedsWork(string path) =>
        path.Contains("/.", StringComparison.Ordinal) || path.Contains("//", StringComparison.Ordinal) || path.Contains("%2E", StringComparison.OrdinalIgnoreCase);
}

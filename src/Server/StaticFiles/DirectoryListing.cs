using System.Globalization;
using System.Net;
using System.Text;

namespace Uvnet.Server.StaticFiles;

/// <summary>One entry of a directory listing.</summary>
/// <param name="Name">The entry's name (not escaped).</param>
/// <param name="IsDirectory">Whether it is a directory (listed first, with a trailing <c>/</c>).</param>
/// <param name="Length">Its size in bytes (files).</param>
/// <param name="LastModified">Its last-write time.</param>
public readonly record struct ListingEntry(string Name, bool IsDirectory, long Length, DateTimeOffset LastModified);

/// <summary>
/// The HTML page listing a directory: every name HTML-escaped in the text and percent-encoded in its link,
/// directories first with a trailing <c>/</c>, sizes and dates, and a parent link except at the root.
/// </summary>
public static class DirectoryListing
{
    private static readonly EnumerationOptions s_everyEntry = new()
    {
        AttributesToSkip = 0, // dotfiles as the resolver decides (PathResolver.IsHidden), not as the file system hides them
        IgnoreInaccessible = true,
        RecurseSubdirectories = false,
    };

    /// <summary>
    /// The entries of <paramref name="directory"/> that <paramref name="resolver"/> would serve: hidden ones
    /// (dotfiles) are left out; an entry that is a symlink counts as what it leads to, and one leading out of the
    /// root, to a hidden name or nowhere is left out.
    /// </summary>
    public static IReadOnlyList<ListingEntry> Read(string directory, PathResolver resolver)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(resolver);
        var entries = new List<ListingEntry>();
        try
        {
            foreach (var info in new DirectoryInfo(directory).EnumerateFileSystemInfos("*", s_everyEntry))
            {
                if (!resolver.IsHidden(info.Name) && Describe(info, resolver) is { } entry)
                    entries.Add(entry);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The directory went away or closed its doors while being read: list what was read.
        }
        return entries;
    }

    /// <summary>
    /// The listing page of the directory at <paramref name="urlPath"/> (decoded, ending in <c>/</c>: links are
    /// relative to it); <paramref name="isRoot"/> leaves out the parent link.
    /// </summary>
    public static string Render(string urlPath, IEnumerable<ListingEntry> entries, bool isRoot)
    {
        ArgumentNullException.ThrowIfNull(urlPath);
        ArgumentNullException.ThrowIfNull(entries);
        string title = WebUtility.HtmlEncode($"Index of {urlPath}");
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{title}}</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 2em; }
            table { border-collapse: collapse; }
            th, td { padding: 0.25em 1.5em 0.25em 0; text-align: left; }
            td.size { text-align: right; font-variant-numeric: tabular-nums; }
            a { text-decoration: none; } a:hover { text-decoration: underline; }
            </style>
            </head>
            <body>
            <h1>{{title}}</h1>
            <table>
            <thead><tr><th>Name</th><th>Size</th><th>Modified (UTC)</th></tr></thead>
            <tbody>

            """);
        if (!isRoot)
            html.Append("<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n");
        var sorted = entries
            .OrderByDescending(e => e.IsDirectory)
            .ThenBy(e => e.Name, StringComparer.OrdinalIgnoreCase)
            .ThenBy(e => e.Name, StringComparer.Ordinal);
        foreach (var entry in sorted)
        {
            string slash = entry.IsDirectory ? "/" : "";
            string href = Uri.EscapeDataString(entry.Name) + slash;
            string name = WebUtility.HtmlEncode(entry.Name) + slash;
            string size = entry.IsDirectory ? "-" : FormatSize(entry.Length);
            string date = entry.LastModified.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td><a href=\"{href}\">{name}</a></td><td class=\"size\">{size}</td><td>{date}</td></tr>\n");
        }
        html.Append("</tbody>\n</table>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static readonly string[] s_units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

    /// <summary>A size as a person reads it: <c>512 B</c>, <c>1.5 KiB</c>, <c>3.2 MiB</c>.</summary>
    public static string FormatSize(long bytes)
    {
        if (bytes < 1024)
            return string.Create(CultureInfo.InvariantCulture, $"{bytes} B");
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < s_units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return string.Create(CultureInfo.InvariantCulture, $"{value:0.#} {s_units[unit]}");
    }

    private static ListingEntry? Describe(FileSystemInfo info, PathResolver resolver)
    {
        string name = info.Name;
        try
        {
            if (info.LinkTarget is not null)
            {
                if (resolver.ResolveInside(info.FullName) is not { } real)
                    return null;
                info = Directory.Exists(real) ? new DirectoryInfo(real) : new FileInfo(real);
            }
            bool isDirectory = info is DirectoryInfo;
            long length = info is FileInfo file ? file.Length : 0;
            return new ListingEntry(name, isDirectory, length, info.LastWriteTimeUtc);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

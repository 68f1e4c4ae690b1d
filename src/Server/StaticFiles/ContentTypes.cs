using System.Collections.Frozen;

namespace Uvnet.Server.StaticFiles;

/// <summary>
/// The Content-Type of a file from its extension (case-insensitive): the web's common types, text ones with
/// <c>; charset=utf-8</c>, and <c>application/octet-stream</c> for anything else. Types follow the IANA
/// registry and what browsers expect (<c>text/javascript</c> per the HTML standard, <c>image/svg+xml</c>...).
/// </summary>
public static class ContentTypes
{
    /// <summary>The type of a file whose extension is not known: a download, never sniffed as something else.</summary>
    public const string Default = "application/octet-stream";

    private const string Utf8 = "; charset=utf-8";

    private static readonly FrozenDictionary<string, string> s_byExtension = new Dictionary<string, string>
    {
        // Text: charset given, so a browser does not have to guess.
        ["html"] = "text/html" + Utf8,
        ["htm"] = "text/html" + Utf8,
        ["css"] = "text/css" + Utf8,
        ["js"] = "text/javascript" + Utf8,
        ["mjs"] = "text/javascript" + Utf8,
        ["cjs"] = "text/javascript" + Utf8,
        ["txt"] = "text/plain" + Utf8,
        ["text"] = "text/plain" + Utf8,
        ["log"] = "text/plain" + Utf8,
        ["md"] = "text/markdown" + Utf8,
        ["markdown"] = "text/markdown" + Utf8,
        ["csv"] = "text/csv" + Utf8,
        ["tsv"] = "text/tab-separated-values" + Utf8,
        ["ics"] = "text/calendar" + Utf8,
        ["vtt"] = "text/vtt" + Utf8,
        ["xml"] = "application/xml" + Utf8,
        ["xhtml"] = "application/xhtml+xml" + Utf8,
        ["rss"] = "application/rss+xml" + Utf8,
        ["atom"] = "application/atom+xml" + Utf8,
        ["json"] = "application/json" + Utf8,
        ["map"] = "application/json" + Utf8,
        ["jsonld"] = "application/ld+json" + Utf8,
        ["webmanifest"] = "application/manifest+json" + Utf8,
        ["svg"] = "image/svg+xml" + Utf8,
        ["yaml"] = "application/yaml" + Utf8,
        ["yml"] = "application/yaml" + Utf8,
        ["toml"] = "application/toml" + Utf8,

        // Images.
        ["png"] = "image/png",
        ["jpg"] = "image/jpeg",
        ["jpeg"] = "image/jpeg",
        ["gif"] = "image/gif",
        ["webp"] = "image/webp",
        ["avif"] = "image/avif",
        ["ico"] = "image/x-icon",
        ["bmp"] = "image/bmp",
        ["tif"] = "image/tiff",
        ["tiff"] = "image/tiff",

        // Fonts.
        ["woff"] = "font/woff",
        ["woff2"] = "font/woff2",
        ["ttf"] = "font/ttf",
        ["otf"] = "font/otf",

        // Audio and video.
        ["mp3"] = "audio/mpeg",
        ["ogg"] = "audio/ogg",
        ["oga"] = "audio/ogg",
        ["opus"] = "audio/ogg",
        ["wav"] = "audio/wav",
        ["flac"] = "audio/flac",
        ["m4a"] = "audio/mp4",
        ["aac"] = "audio/aac",
        ["mp4"] = "video/mp4",
        ["m4v"] = "video/mp4",
        ["webm"] = "video/webm",
        ["ogv"] = "video/ogg",
        ["mov"] = "video/quicktime",

        // Applications and archives.
        ["wasm"] = "application/wasm",
        ["pdf"] = "application/pdf",
        ["zip"] = "application/zip",
        ["gz"] = "application/gzip",
        ["tgz"] = "application/gzip",
        ["tar"] = "application/x-tar",
        ["bz2"] = "application/x-bzip2",
        ["xz"] = "application/x-xz",
        ["zst"] = "application/zstd",
        ["7z"] = "application/x-7z-compressed",
        ["epub"] = "application/epub+zip",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>The Content-Type for the file at <paramref name="path"/>, from its extension (the last one: <c>a.tar.gz</c> is gzip).</summary>
    public static string ForPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string extension = Path.GetExtension(path);
        return extension.Length > 1 ? ForExtension(extension[1..]) : Default;
    }

    /// <summary>The Content-Type for <paramref name="extension"/> (without the dot), or <see cref="Default"/>.</summary>
    public static string ForExtension(string extension)
    {
        ArgumentNullException.ThrowIfNull(extension);
        return s_byExtension.GetValueOrDefault(extension, Default);
    }
}

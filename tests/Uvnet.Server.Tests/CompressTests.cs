using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using Uvnet.Server.StaticFiles;

namespace Uvnet.Server.Tests;

/// <summary><c>--compress</c>: text compressed on the fly, once per version and coding, in a bounded cache.</summary>
public sealed class CompressTests : IDisposable
{
    private static readonly string s_text = string.Concat(Enumerable.Repeat("uvnet serves compressed text. ", 100));
    private readonly TempTree _tree = new();
    private readonly StaticFileHandler _handler;

    public CompressTests()
    {
        _tree.File("page.html", s_text);
        _tree.File("data.json", s_text);
        _tree.File("tiny.txt", "short");
        File.WriteAllBytes(Path.Join(_tree.Root, "photo.png"), Encoding.UTF8.GetBytes(s_text));
        foreach (string file in Directory.GetFiles(_tree.Root))
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddDays(-1));
        _handler = new StaticFileHandler(_tree.Root, new StaticFileOptions { Compress = true });
    }

    public void Dispose() => _tree.Dispose();

    private StaticFileResponse Get(string target, string method = "GET", params (string Name, string Value)[] headers) =>
        _handler.Handle(StaticFileRequest.From(method, target,
            name => headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault()), DateTimeOffset.UtcNow);

    private static string Decode(StaticFileResponse response)
    {
        var input = new MemoryStream(response.Body.ToArray());
        using Stream decoder = response.Header("content-encoding") == "br" ? new BrotliStream(input, CompressionMode.Decompress) : new GZipStream(input, CompressionMode.Decompress);
        return new StreamReader(decoder).ReadToEnd();
    }

    [Theory]
    [InlineData("/page.html", "br, gzip", "br")]
    [InlineData("/data.json", "gzip", "gzip")]
    public void A_text_file_is_compressed_for_a_client_that_accepts_it(string target, string acceptEncoding, string coding)
    {
        var response = Get(target, "GET", ("Accept-Encoding", acceptEncoding));
        Assert.Equal((200, coding, "Accept-Encoding"), (response.StatusCode, response.Header("content-encoding"), response.Header("vary")));
        Assert.Null(response.File);
        Assert.Equal(response.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Header("content-length"));
        Assert.True(response.Body.Length < s_text.Length / 4);
        Assert.Equal(s_text, Decode(response));
        Assert.EndsWith($"-{coding}\"", response.Header("etag"));
    }

    [Fact]
    public void A_file_is_compressed_once_per_version_and_coding()
    {
        static byte[] Array(StaticFileResponse r) => MemoryMarshal.TryGetArray(r.Body, out var segment) ? segment.Array! : [];
        var first = Get("/page.html", "GET", ("Accept-Encoding", "gzip"));
        Assert.Same(Array(first), Array(Get("/page.html", "GET", ("Accept-Encoding", "gzip"))));
        Assert.NotSame(Array(first), Array(Get("/page.html", "GET", ("Accept-Encoding", "br"))));
        File.WriteAllText(Path.Join(_tree.Root, "page.html"), s_text + "changed");
        var changed = Get("/page.html", "GET", ("Accept-Encoding", "gzip"));
        Assert.NotEqual(first.Header("etag"), changed.Header("etag"));
        Assert.Equal(s_text + "changed", Decode(changed));
    }

    [Fact]
    public void Head_says_the_compressed_length_and_a_revalidation_gets_304()
    {
        var get = Get("/page.html", "GET", ("Accept-Encoding", "gzip"));
        var head = Get("/page.html", "HEAD", ("Accept-Encoding", "gzip"));
        Assert.Equal((false, get.Header("content-length")), (head.SendBody, head.Header("content-length")));
        var revalidated = Get("/page.html", "GET", ("Accept-Encoding", "gzip"), ("If-None-Match", get.Header("etag")!));
        Assert.Equal((304, "Accept-Encoding"), (revalidated.StatusCode, revalidated.Header("vary")));
    }

    [Theory]
    [InlineData("/photo.png")] // not text
    [InlineData("/tiny.txt")] // too small to gain
    public void Binary_and_tiny_files_are_sent_as_they_are(string target)
    {
        var response = Get(target, "GET", ("Accept-Encoding", "br, gzip"));
        Assert.Null(response.Header("content-encoding"));
        Assert.NotNull(response.File);
    }

    [Fact]
    public void A_range_request_gets_ranges_of_the_file_as_it_is_and_still_varies()
    {
        var response = Get("/page.html", "GET", ("Accept-Encoding", "gzip"), ("Range", "bytes=0-4"));
        Assert.Equal((206, null, "Accept-Encoding"), (response.StatusCode, response.Header("content-encoding"), response.Header("vary")));
        Assert.Equal(new FileBody(Path.Join(_tree.Root, "page.html"), 0, 5), response.File);
    }

    [Fact]
    public void Without_compress_or_an_accepted_coding_nothing_is_compressed()
    {
        Assert.Null(new StaticFileHandler(_tree.Root).Handle(StaticFileRequest.From("GET", "/page.html", n => n == "accept-encoding" ? "gzip" : null), DateTimeOffset.UtcNow).Header("content-encoding"));
        var identity = Get("/page.html", "GET", ("Accept-Encoding", "identity"));
        Assert.Equal((null, "Accept-Encoding"), (identity.Header("content-encoding"), identity.Header("vary")));
    }

    [Fact]
    public void The_cache_keeps_at_most_its_capacity_dropping_the_least_recently_used()
    {
        string page = Path.Join(_tree.Root, "page.html"), data = Path.Join(_tree.Root, "data.json");
        // Room for two entries (the paths and tags are of one length, and so the costs).
        long one = CompressedCache.Cost(CompressedCache.Key(page, new EntityTag("\"a\"", false), "gzip"),
            new CompressedCache(1 << 20).Get(page, new EntityTag("\"a\"", false), "gzip").Length);
        var cache = new CompressedCache(one * 2);
        byte[] a = cache.Get(page, new EntityTag("\"a\"", false), "gzip");
        cache.Get(data, new EntityTag("\"b\"", false), "gzip");
        Assert.Same(a, cache.Get(page, new EntityTag("\"a\"", false), "gzip")); // a used last: b goes first
        cache.Get(page, new EntityTag("\"c\"", false), "gzip");
        Assert.Equal(2, cache.Count);
        Assert.Same(a, cache.Get(page, new EntityTag("\"a\"", false), "gzip"));
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void A_version_with_a_weak_tag_is_compressed_afresh_as_its_bytes_may_still_change()
    {
        // A file written less than a second ago gets a weak tag: a write within the same clock tick (the kernel's
        // coarse timestamps) can change its bytes and keep its length and date, so its compressed bytes are not kept.
        string page = Path.Join(_tree.Root, "page.html");
        var written = new DateTime(2024, 3, 2, 12, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(page, written);
        var now = new DateTimeOffset(written).AddMilliseconds(300);
        StaticFileResponse Gzip() => _handler.Handle(StaticFileRequest.From("GET", "/page.html", n => n == "accept-encoding" ? "gzip" : null), now);
        var first = Gzip();
        Assert.StartsWith("W/", first.Header("etag"));
        string rewritten = s_text.ToUpperInvariant(); // same length
        File.WriteAllText(page, rewritten);
        File.SetLastWriteTimeUtc(page, written);
        var second = Gzip();
        Assert.Equal(first.Header("etag"), second.Header("etag"));
        Assert.Equal(rewritten, Decode(second));
    }

    [Fact]
    public void The_cache_counts_each_entrys_key_against_its_capacity_not_only_the_compressed_bytes()
    {
        // A small text file compresses to a few dozen bytes while its key (coding, tag, full path) is longer: a file
        // rewritten every second leaves a version a second behind it, so counting only the bytes let the keys grow
        // many times past the bound before anything went.
        string deep = Path.Join(_tree.Dir(string.Join('/', Enumerable.Repeat("a-rather-long-folder-name", 8))), "status.json");
        File.WriteAllText(deep, new string('x', (int)CompressedCache.MinFileBytes));
        const long Capacity = 16 << 10;
        var cache = new CompressedCache(Capacity);
        int compressed = 0;
        for (int version = 0; version < 1000; version++)
            compressed = cache.Get(deep, new EntityTag($"\"{version}\"", false), "br").Length;
        Assert.True(cache.Count * (compressed + (deep.Length * sizeof(char))) <= Capacity, $"{cache.Count} entries of {compressed} bytes under a {deep.Length}-character path");
    }

    [Fact]
    public void Compress_is_a_serve_flag()
    {
        Assert.True(Uvnet.Server.Cli.CommandLine.Parse(["serve", "--compress"], _ => true).Options?.Compress);
        Assert.Equal("option '--compress' is for serve only", Uvnet.Server.Cli.CommandLine.Parse(["hello", "--compress"], _ => true).Error);
    }
}

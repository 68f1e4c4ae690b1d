using System.IO.Compression;
using System.Text;
using Uvnet.Server.StaticFiles;

namespace Uvnet.Server.Tests;

/// <summary>Precompressed siblings (<c>.br</c>, <c>.gz</c>): chosen by Accept-Encoding, with their own validators and ranges.</summary>
public sealed class PrecompressedTests : IDisposable
{
    private static readonly DateTimeOffset s_now = new(2024, 3, 2, 12, 0, 0, TimeSpan.Zero);
    private const string Script = "console.log('a script long enough to be worth compressing');\n";
    private readonly TempTree _tree = new();
    private readonly StaticFileHandler _handler;

    public PrecompressedTests()
    {
        _tree.File("app.js", Script);
        File.WriteAllBytes(Path.Join(_tree.Root, "app.js.gz"), Compress(Script, s => new GZipStream(s, CompressionLevel.SmallestSize)));
        File.WriteAllBytes(Path.Join(_tree.Root, "app.js.br"), Compress(Script, s => new BrotliStream(s, CompressionLevel.SmallestSize)));
        _tree.File("plain.txt", "no siblings");
        _tree.File("only-gzip.css", "body{}");
        File.WriteAllBytes(Path.Join(_tree.Root, "only-gzip.css.gz"), Compress("body{}", s => new GZipStream(s, CompressionLevel.SmallestSize)));
        foreach (string file in Directory.GetFiles(_tree.Root))
            File.SetLastWriteTimeUtc(file, s_now.AddDays(-1).UtcDateTime);
        _handler = new StaticFileHandler(_tree.Root);
    }

    public void Dispose() => _tree.Dispose();

    internal static byte[] Compress(string text, Func<Stream, Stream> compressor)
    {
        var output = new MemoryStream();
        using (var stream = compressor(output))
            stream.Write(Encoding.UTF8.GetBytes(text));
        return output.ToArray();
    }

    private StaticFileResponse Get(string target, params (string Name, string Value)[] headers) =>
        _handler.Handle(StaticFileRequest.From("GET", target,
            name => headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault()), s_now);

    [Theory]
    [InlineData("gzip, deflate, br", "br")]
    [InlineData("br;q=0.5, gzip", "gzip")]
    [InlineData("gzip;q=0.8, br;q=0.8", "br")]
    [InlineData("x-gzip", "gzip")]
    [InlineData("*", "br")]
    [InlineData("*, br;q=0", "gzip")]
    [InlineData("identity", null)]
    [InlineData("br;q=0, gzip;q=0", null)]
    [InlineData("br;q=bogus", null)]
    [InlineData("br;q=2", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void The_coding_is_the_accepted_one_of_highest_weight_brotli_first(string? acceptEncoding, string? coding) =>
        Assert.Equal(coding, ContentCoding.Choose(acceptEncoding, ["br", "gzip"]));

    [Fact]
    public void Only_an_available_coding_is_chosen() => Assert.Equal("gzip", ContentCoding.Choose("br, gzip", ["gzip"]));

    [Theory]
    [InlineData("br", "app.js.br")]
    [InlineData("gzip", "app.js.gz")]
    public void A_sibling_the_client_accepts_is_sent_with_its_coding_and_the_files_type(string acceptEncoding, string sibling)
    {
        var response = Get("/app.js", ("Accept-Encoding", acceptEncoding));
        Assert.Equal(200, response.StatusCode);
        Assert.Equal(Path.Join(_tree.Root, sibling), response.File?.Path);
        Assert.Equal(acceptEncoding, response.Header("content-encoding"));
        Assert.Equal("Accept-Encoding", response.Header("vary"));
        Assert.Equal("text/javascript; charset=utf-8", response.Header("content-type"));
        Assert.Equal(new FileInfo(Path.Join(_tree.Root, sibling)).Length.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Header("content-length"));
    }

    [Fact]
    public void Without_an_accepted_coding_the_file_is_sent_as_it_is_but_still_varies()
    {
        var response = Get("/app.js");
        Assert.Equal(Path.Join(_tree.Root, "app.js"), response.File?.Path);
        Assert.Null(response.Header("content-encoding"));
        Assert.Equal("Accept-Encoding", response.Header("vary"));
        Assert.Null(Get("/plain.txt", ("Accept-Encoding", "br, gzip")).Header("vary"));
        Assert.Equal("gzip", Get("/only-gzip.css", ("Accept-Encoding", "br, gzip")).Header("content-encoding"));
    }

    [Fact]
    public void Each_coding_has_its_own_etag_and_a_304_only_for_its_own()
    {
        string identity = Get("/app.js").Header("etag")!, br = Get("/app.js", ("Accept-Encoding", "br")).Header("etag")!;
        string gzip = Get("/app.js", ("Accept-Encoding", "gzip")).Header("etag")!;
        Assert.Equal(3, new[] { identity, br, gzip }.Distinct().Count());
        Assert.EndsWith("-br\"", br);
        var revalidated = Get("/app.js", ("Accept-Encoding", "br"), ("If-None-Match", br));
        Assert.Equal((304, "Accept-Encoding"), (revalidated.StatusCode, revalidated.Header("vary")));
        Assert.Equal(200, Get("/app.js", ("Accept-Encoding", "br"), ("If-None-Match", identity)).StatusCode);
    }

    [Fact]
    public void A_range_is_of_the_encoded_bytes()
    {
        long size = new FileInfo(Path.Join(_tree.Root, "app.js.gz")).Length;
        var response = Get("/app.js", ("Accept-Encoding", "gzip"), ("Range", "bytes=0-9"));
        Assert.Equal(206, response.StatusCode);
        Assert.Equal(new FileBody(Path.Join(_tree.Root, "app.js.gz"), 0, 10), response.File);
        Assert.Equal($"bytes 0-9/{size}", response.Header("content-range"));
        Assert.Equal("gzip", response.Header("content-encoding"));
    }

    [Fact]
    public void Several_ranges_are_of_the_file_as_it_is_as_a_multipart_body_is_in_no_coding()
    {
        // With Content-Encoding on the multipart body, curl --compressed and HttpClient decode the whole body and fail.
        var response = Get("/app.js", ("Accept-Encoding", "gzip, br"), ("Range", "bytes=0-6,8-9"));
        Assert.Equal((206, null, "Accept-Encoding"), (response.StatusCode, response.Header("content-encoding"), response.Header("vary")));
        Assert.StartsWith("multipart/byteranges; boundary=", response.Header("content-type"));
        Assert.Contains("console", Encoding.UTF8.GetString(response.Body.Span));
        Assert.Equal(Get("/app.js").Header("etag"), response.Header("etag"));
    }

    [Fact]
    public void A_412_or_416_decided_on_a_sibling_still_varies_by_accept_encoding()
    {
        // Both are decided on the coding's own tag and length: a cache told they do not vary would answer a client
        // of another coding with a refusal that is not its own.
        string identity = Get("/app.js").Header("etag")!;
        long gzipSize = new FileInfo(Path.Join(_tree.Root, "app.js.gz")).Length;
        var failed = Get("/app.js", ("Accept-Encoding", "gzip"), ("If-Match", identity));
        Assert.Equal((412, "Accept-Encoding"), (failed.StatusCode, failed.Header("vary")));
        var unsatisfiable = Get("/app.js", ("Accept-Encoding", "gzip"), ("Range", $"bytes={gzipSize}-"));
        Assert.Equal((416, "Accept-Encoding", $"bytes */{gzipSize}"), (unsatisfiable.StatusCode, unsatisfiable.Header("vary"), unsatisfiable.Header("content-range")));
        Assert.Null(Get("/plain.txt", ("Range", "bytes=999-")).Header("vary"));
    }

    [Fact]
    public void A_sibling_that_leads_out_of_the_root_is_not_used()
    {
        File.Delete(Path.Join(_tree.Root, "app.js.br"));
        File.WriteAllText(Path.Join(_tree.Outside.FullName, "outside.br"), "not yours");
        _tree.Link("app.js.br", Path.Join(_tree.Outside.FullName, "outside.br"));
        Assert.Equal("gzip", Get("/app.js", ("Accept-Encoding", "br, gzip")).Header("content-encoding"));
    }
}

using System.Text;
using Uvnet.Server.StaticFiles;

namespace Uvnet.Server.Tests;

/// <summary><see cref="StaticFileHandler"/> with <see cref="StaticFileOptions"/>: CORS, max-age, the single-page fallback, extra fields.</summary>
public sealed class StaticFileOptionsTests : IDisposable
{
    private static readonly DateTimeOffset s_now = new(2024, 3, 2, 12, 0, 0, TimeSpan.Zero);
    private readonly TempTree _tree = new();

    public StaticFileOptionsTests()
    {
        _tree.File("index.html", "<h1>app</h1>");
        _tree.File("app.js", "run()");
        _tree.Dir("empty");
        _tree.File(".env", "KEY=secret");
        foreach (string file in Directory.GetFiles(_tree.Root))
            File.SetLastWriteTimeUtc(file, s_now.AddDays(-1).UtcDateTime);
    }

    public void Dispose() => _tree.Dispose();

    private StaticFileResponse Get(StaticFileOptions options, string target, string method = "GET", params (string Name, string Value)[] headers) =>
        new StaticFileHandler(_tree.Root, options).Handle(StaticFileRequest.From(method, target,
            name => headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault()), s_now);

    [Theory]
    [InlineData("/app.js", 200)]
    [InlineData("/missing", 404)]
    [InlineData("/empty/", 200)]
    public void Cors_lets_any_origin_read_every_response_and_exposes_the_validators(string target, int status)
    {
        var response = Get(new() { Cors = true }, target);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("*", response.Header("access-control-allow-origin"));
        Assert.Equal("ETag, Last-Modified, Accept-Ranges, Content-Range", response.Header("access-control-expose-headers"));
    }

    [Fact]
    public void Without_cors_no_origin_is_allowed_and_options_is_not_allowed()
    {
        Assert.Null(Get(new(), "/app.js").Header("access-control-allow-origin"));
        var options = Get(new(), "/app.js", "OPTIONS");
        Assert.Equal((405, "GET, HEAD"), (options.StatusCode, options.Header("allow")));
    }

    [Fact]
    public void A_cors_preflight_gets_204_with_the_methods_and_fields_it_may_use_and_no_body()
    {
        var response = Get(new() { Cors = true }, "/app.js", "OPTIONS",
            ("Origin", "http://elsewhere.test"), ("Access-Control-Request-Method", "GET"), ("Access-Control-Request-Headers", "range"));
        Assert.Equal(204, response.StatusCode);
        Assert.False(response.SendBody);
        Assert.Equal("GET, HEAD, OPTIONS", response.Header("access-control-allow-methods"));
        Assert.Contains("Range", response.Header("access-control-allow-headers"));
        Assert.Equal("*", response.Header("access-control-allow-origin"));
        Assert.Equal("GET, HEAD, OPTIONS", Get(new() { Cors = true }, "/app.js", "POST").Header("allow"));
    }

    [Fact]
    public void Cache_sets_max_age_on_files_and_their_304_but_listings_and_errors_stay_no_cache()
    {
        var options = new StaticFileOptions { MaxAge = TimeSpan.FromSeconds(600) };
        var file = Get(options, "/app.js");
        Assert.Equal("max-age=600", file.Header("cache-control"));
        Assert.Equal("max-age=600", Get(options, "/app.js", "GET", ("If-None-Match", file.Header("etag")!)).Header("cache-control"));
        Assert.Equal("max-age=600", Get(options, "/").Header("cache-control")); // the root's index.html is a file
        Assert.Equal("no-cache", Get(options, "/empty/").Header("cache-control"));
        Assert.Equal("no-cache", Get(options, "/missing").Header("cache-control"));
        Assert.Equal("no-cache", Get(new() { MaxAge = TimeSpan.Zero }, "/app.js").Header("cache-control"));
    }

    [Theory]
    [InlineData("/settings/profile")]
    [InlineData("/deep/route/with.dot")]
    [InlineData("/.env")] // a hidden dotfile names nothing: the app, not the file
    public void Spa_answers_a_path_that_names_nothing_with_the_root_index(string target)
    {
        var response = Get(new() { SinglePageApplication = true }, target);
        Assert.Equal(200, response.StatusCode);
        Assert.Equal(Path.Join(_tree.Root, "index.html"), response.File?.Path);
        Assert.Equal("text/html; charset=utf-8", response.Header("content-type"));
        Assert.NotNull(response.Header("etag"));
    }

    [Fact]
    public void Spa_leaves_files_and_refusals_alone_and_is_404_without_an_index()
    {
        var spa = new StaticFileOptions { SinglePageApplication = true };
        Assert.Equal(Path.Join(_tree.Root, "app.js"), Get(spa, "/app.js").File?.Path);
        Assert.Equal(400, Get(spa, "/%00").StatusCode);
        Assert.Equal(405, Get(spa, "/missing", "POST").StatusCode);
        File.Delete(Path.Join(_tree.Root, "index.html"));
        Assert.Equal(404, Get(spa, "/settings").StatusCode);
    }

    [Fact]
    public void Extra_headers_go_on_every_response_and_replace_the_servers_own_of_that_name()
    {
        var options = new StaticFileOptions
        {
            ExtraHeaders = [new("X-Frame-Options", "DENY"), new("Cache-Control", "public, max-age=5")],
        };
        foreach (string target in new[] { "/app.js", "/missing", "/empty/" })
        {
            var response = Get(options, target);
            Assert.Equal("DENY", response.Header("x-frame-options"));
            Assert.Equal(["public, max-age=5"], response.Headers.Where(h => h.Key == "Cache-Control").Select(h => h.Value));
        }
    }

    [Theory]
    [InlineData("Content-Length", "1")]
    [InlineData("Bad Name", "x")]
    [InlineData("X-A", "a\nb")]
    public void A_handler_refuses_an_extra_header_that_would_break_the_response(string name, string value) =>
        Assert.Throws<ArgumentException>(() => new StaticFileHandler(_tree.Root, new StaticFileOptions { ExtraHeaders = [new(name, value)] }));

    [Fact]
    public void An_extra_header_with_a_character_the_wire_cannot_carry_is_refused_not_a_500_on_every_response()
    {
        // The HTTP layer refuses a value above 0xFF on every SetHeader (ERR_INVALID_CHAR): taking it here made each response fail.
        Assert.NotNull(ExtraHeader.Problem("X-Motto", "\u65e5\u672c"));
        Assert.Throws<ArgumentException>(() => new StaticFileHandler(_tree.Root, new StaticFileOptions { ExtraHeaders = [new("X-Motto", "\u65e5")] }));
        Assert.Null(ExtraHeader.Problem("X-Motto", "caf\u00e9")); // obs-text (Latin-1) still goes
    }

    [Fact]
    public void An_extra_vary_joins_the_servers_accept_encoding_rather_than_replacing_it()
    {
        File.WriteAllText(Path.Join(_tree.Root, "app.js.gz"), "compressed");
        File.SetLastWriteTimeUtc(Path.Join(_tree.Root, "app.js.gz"), s_now.AddDays(-1).UtcDateTime);
        var options = new StaticFileOptions { ExtraHeaders = [new("Vary", "Origin")] };
        // Without Accept-Encoding in Vary, a shared cache would hand the gzip bytes to a client that cannot decode them.
        var gzip = Get(options, "/app.js", "GET", ("Accept-Encoding", "gzip"));
        Assert.Equal(("gzip", "Accept-Encoding, Origin"), (gzip.Header("content-encoding"), gzip.Header("vary")));
        Assert.Equal(["Accept-Encoding, Origin"], gzip.Headers.Where(h => h.Key.Equals("Vary", StringComparison.OrdinalIgnoreCase)).Select(h => h.Value));
        Assert.Equal("Origin", Get(options, "/index.html").Header("vary")); // nothing of the server's to keep
    }

    [Fact]
    public void An_extra_content_type_leaves_a_multipart_body_the_boundary_that_frames_its_parts()
    {
        var options = new StaticFileOptions { ExtraHeaders = [new("Content-Type", "application/octet-stream")] };
        var parts = Get(options, "/app.js", "GET", ("Range", "bytes=0-1,3-4"));
        Assert.Equal(206, parts.StatusCode);
        Assert.StartsWith("multipart/byteranges; boundary=", parts.Header("content-type"));
        Assert.Equal("application/octet-stream", Get(options, "/app.js").Header("content-type"));
    }

    [Fact]
    public void A_handler_refuses_a_negative_max_age() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new StaticFileHandler(_tree.Root, new StaticFileOptions { MaxAge = TimeSpan.FromSeconds(-1) }));

    [Fact]
    public void The_body_of_a_spa_fallback_is_the_index_itself_on_head_too()
    {
        var response = Get(new() { SinglePageApplication = true }, "/route", "HEAD");
        Assert.Equal((200, false), (response.StatusCode, response.SendBody));
        Assert.Equal(Encoding.UTF8.GetByteCount("<h1>app</h1>").ToString(System.Globalization.CultureInfo.InvariantCulture), response.Header("content-length"));
    }
}

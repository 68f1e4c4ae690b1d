using System.Text;
using Uvnet.Server.StaticFiles;

namespace Uvnet.Server.Tests;

public sealed class StaticFileHandlerTests : IDisposable
{
    private static readonly DateTimeOffset s_written = new(2024, 3, 1, 12, 30, 45, TimeSpan.Zero);
    private static readonly DateTimeOffset s_now = s_written.AddDays(1);
    private readonly TempTree _tree = new();
    private readonly StaticFileHandler _handler;
    private readonly string _hello;

    public StaticFileHandlerTests()
    {
        _hello = _tree.File("hello.txt", "Hello, file!");
        System.IO.File.SetLastWriteTimeUtc(_hello, s_written.UtcDateTime);
        _tree.File("docs/<b>&.md", "# doc");
        _tree.File("site/index.html", "<h1>home</h1>");
        _tree.Dir("a b");
        _handler = new StaticFileHandler(_tree.Root);
    }

    public void Dispose() => _tree.Dispose();

    private StaticFileResponse Get(string target, string method = "GET", params (string Name, string Value)[] headers)
    {
        var request = StaticFileRequest.From(method, target,
            name => headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault());
        return _handler.Handle(request, s_now);
    }

    private static string Text(StaticFileResponse response) => Encoding.UTF8.GetString(response.Body.Span);

    [Fact]
    public void Every_response_carries_the_date_it_was_decided_at()
    {
        Assert.Equal(HttpDate.Format(s_now), Get("/hello.txt").Header("date"));
        Assert.Equal(HttpDate.Format(s_now), Get("/missing").Header("date"));
    }

    [Theory]
    [InlineData(0)] // written this very second
    [InlineData(86_400)] // dated a day ahead
    public void Last_modified_is_never_later_than_the_date_sent(int secondsAhead)
    {
        var now = new DateTimeOffset(2024, 3, 2, 12, 0, 0, 900, TimeSpan.Zero);
        System.IO.File.SetLastWriteTimeUtc(_hello, now.AddSeconds(secondsAhead).UtcDateTime);
        var response = _handler.Handle(StaticFileRequest.From("GET", "/hello.txt", _ => null), now);
        Assert.True(HttpDate.TryParse(response.Header("date"), out var date));
        Assert.True(HttpDate.TryParse(response.Header("last-modified"), out var lastModified));
        Assert.True(lastModified <= date, $"{response.Header("last-modified")} > {response.Header("date")}");
    }

    [Fact]
    public void A_dotfile_is_not_found_unless_served()
    {
        _tree.File(".env", "KEY=secret");
        Assert.Equal(404, Get("/.env").StatusCode);
        var served = new StaticFileHandler(_tree.Root, serveDotfiles: true)
            .Handle(StaticFileRequest.From("GET", "/.env", _ => null), s_now);
        Assert.Equal(200, served.StatusCode);
    }

    [Fact]
    public void A_file_is_sent_whole_with_its_type_length_and_validators()
    {
        var response = Get("/hello.txt");
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", response.Header("content-type"));
        Assert.Equal("12", response.Header("Content-Length"));
        Assert.Equal("Fri, 01 Mar 2024 12:30:45 GMT", response.Header("Last-Modified"));
        Assert.Equal(FileValidators.For(12, s_written, s_now).ETag.ToString(), response.Header("ETag"));
        Assert.Equal("bytes", response.Header("Accept-Ranges"));
        Assert.Equal("no-cache", response.Header("Cache-Control"));
        Assert.Equal(new FileBody(_hello, 0, 12), response.File);
        Assert.True(response.SendBody);
    }

    [Fact]
    public void Head_tells_the_length_and_sends_no_body()
    {
        var response = Get("/hello.txt", "HEAD", ("Range", "bytes=0-1"));
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("12", response.Header("Content-Length"));
        Assert.False(response.SendBody);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("OPTIONS")]
    public void Other_methods_are_not_allowed(string method)
    {
        var response = Get("/hello.txt", method);
        Assert.Equal(405, response.StatusCode);
        Assert.Equal("GET, HEAD", response.Header("Allow"));
    }

    [Theory]
    [InlineData("/missing", 404)]
    [InlineData("/../etc/passwd", 403)]
    [InlineData("/%2e%2e/etc/passwd", 403)]
    [InlineData("/hello.txt%00", 400)]
    public void Refusals_get_their_status_and_a_short_text_body(string target, int status)
    {
        var response = Get(target);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", response.Header("Content-Type"));
        Assert.StartsWith($"{status} ", Text(response));
        Assert.Equal(response.Body.Length.ToString(), response.Header("Content-Length"));
        Assert.Null(response.File);
    }

    [Fact]
    public void A_matching_if_none_match_gets_304_with_the_etag_and_no_body()
    {
        string etag = Get("/hello.txt").Header("ETag")!;
        var response = Get("/hello.txt", "GET", ("If-None-Match", etag));
        Assert.Equal(304, response.StatusCode);
        Assert.Equal(etag, response.Header("ETag"));
        Assert.Null(response.Header("Content-Length"));
        Assert.False(response.SendBody);
    }

    [Fact]
    public void A_matching_if_modified_since_gets_304() =>
        Assert.Equal(304, Get("/hello.txt", "GET", ("If-Modified-Since", "Fri, 01 Mar 2024 12:30:45 GMT")).StatusCode);

    [Fact]
    public void A_failed_if_match_gets_412() =>
        Assert.Equal(412, Get("/hello.txt", "GET", ("If-Match", "\"other\"")).StatusCode);

    [Fact]
    public void A_range_gets_206_with_the_run_of_the_file()
    {
        var response = Get("/hello.txt", "GET", ("Range", "bytes=7-"));
        Assert.Equal(206, response.StatusCode);
        Assert.Equal("bytes 7-11/12", response.Header("Content-Range"));
        Assert.Equal("5", response.Header("Content-Length"));
        Assert.Equal(new FileBody(_hello, 7, 5), response.File);
    }

    [Fact]
    public void A_range_past_the_end_gets_416_with_the_size()
    {
        var response = Get("/hello.txt", "GET", ("Range", "bytes=12-"));
        Assert.Equal(416, response.StatusCode);
        Assert.Equal("bytes */12", response.Header("Content-Range"));
    }

    [Fact]
    public void A_stale_if_range_gets_the_whole_file() =>
        Assert.Equal(200, Get("/hello.txt", "GET", ("Range", "bytes=0-1"), ("If-Range", "\"stale\"")).StatusCode);

    [Fact]
    public void A_directory_without_its_slash_is_redirected_with_the_query_kept()
    {
        var response = Get("/a%20b?sort=name");
        Assert.Equal(301, response.StatusCode);
        Assert.Equal("/a%20b/?sort=name", response.Header("Location"));
    }

    [Fact]
    public void A_directory_with_an_index_html_is_answered_with_it()
    {
        var response = Get("/site/");
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("text/html; charset=utf-8", response.Header("Content-Type"));
        Assert.Equal(Path.Join(_tree.Root, "site", "index.html"), response.File?.Path);
    }

    [Fact]
    public void A_directory_without_one_is_listed_with_escaped_names()
    {
        var response = Get("/docs/");
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("text/html; charset=utf-8", response.Header("Content-Type"));
        string html = Text(response);
        Assert.Contains("<a href=\"%3Cb%3E%26.md\">&lt;b&gt;&amp;.md</a>", html);
        Assert.Contains("href=\"../\"", html);
        Assert.DoesNotContain("href=\"../\"", Text(Get("/")));
    }

    [Fact]
    public void An_index_html_that_leads_out_of_the_root_is_not_served()
    {
        string outside = Path.Join(_tree.Outside.FullName, "secret.html");
        System.IO.File.WriteAllText(outside, "secret");
        _tree.Dir("trap");
        _tree.Link("trap/index.html", outside);
        var response = Get("/trap/");
        Assert.Null(response.File);
        Assert.DoesNotContain("index.html", Text(response));
    }
}

using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Uvnet.Server.Tests.EndToEnd;

/// <summary><c>uvnet hello</c> on one loop, with its access log on stdout.</summary>
public sealed class HelloFixture : IAsyncLifetime
{
    internal RunningUvnet Server { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Server = await RunningUvnet.StartAsync("hello", "--loops", "1");

    public async ValueTask DisposeAsync()
    {
        try
        {
            Assert.Equal(0, await Server.StopAsync());
        }
        finally
        {
            Server.Dispose();
        }
    }
}

/// <summary><c>uvnet hello</c> end to end: TechEmpower's two endpoints, pipelining, and the access log.</summary>
public partial class HelloEndToEndTests(HelloFixture fixture) : IClassFixture<HelloFixture>
{
    [Theory]
    [InlineData("/plaintext", "text/plain", "Hello, World!")]
    [InlineData("/json", "application/json", "{\"message\":\"Hello, World!\"}")]
    public async Task An_endpoint_answers_its_body_with_server_date_type_and_length(string path, string type, string body)
    {
        var response = await RawHttp.GetAsync(fixture.Server.Port, path);
        Assert.Equal(200, response.Status);
        Assert.Equal(body, response.BodyText);
        Assert.Equal("uvnet", response.Headers["server"]);
        Assert.Equal(type, response.Headers["content-type"]);
        Assert.Equal(Encoding.UTF8.GetByteCount(body).ToString(CultureInfo.InvariantCulture), response.Headers["content-length"]);
        var date = DateTimeOffset.ParseExact(response.Headers["date"], "r", CultureInfo.InvariantCulture);
        Assert.True((DateTimeOffset.UtcNow - date).Duration() < TimeSpan.FromMinutes(1), response.Headers["date"]);
    }

    [Theory]
    [InlineData("http://127.0.0.1/plaintext")]
    [InlineData("http://elsewhere.example:8080/plaintext?x=1")]
    [InlineData("/plaintext?x=1")]
    public async Task A_target_in_absolute_form_or_with_a_query_is_routed_by_its_path(string target)
    {
        var response = RawHttp.Parse(await RawHttp.ExchangeAsync(fixture.Server.Port,
            $"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"), ["GET"]);
        Assert.Equal((200, "Hello, World!"), (Assert.Single(response).Status, response[0].BodyText));
    }

    [Fact]
    public async Task Curl_gets_the_json_body()
    {
        Assert.Equal("{\"message\":\"Hello, World!\"}"u8.ToArray(), await Curl.RunAsync(fixture.Server.Url("/json").ToString()));
    }

    [Fact]
    public async Task Pipelined_requests_are_answered_in_order()
    {
        string[] paths = ["/plaintext", "/json", "/nothing", "/json", "/plaintext", "/nothing", "/plaintext", "/json"];
        string batch = string.Concat(paths.Select((p, i) => RawHttp.Request(p, close: i == paths.Length - 1)));
        var responses = RawHttp.Parse(await RawHttp.ExchangeAsync(fixture.Server.Port, batch), paths.Select(_ => "GET").ToList());
        var expected = paths.Select(p => p switch
        {
            "/plaintext" => (200, "Hello, World!"),
            "/json" => (200, "{\"message\":\"Hello, World!\"}"),
            _ => (404, ""),
        });
        Assert.Equal(expected, responses.Select(r => (r.Status, r.BodyText)));
    }

    [Fact]
    public async Task A_body_past_a_mebibyte_is_refused_with_413_and_a_small_one_is_read_past()
    {
        var refused = RawHttp.Parse(await RawHttp.ExchangeAsync(fixture.Server.Port,
            $"POST /plaintext HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {(1 << 20) + 1}\r\n\r\n"), ["POST"]);
        Assert.Equal(413, Assert.Single(refused).Status);
        Assert.Equal("close", refused[0].Headers["connection"]);

        // A body within the limit is read past: the request pipelined behind it is answered too.
        string small = $"POST /plaintext HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{new string('x', 1000)}";
        var both = RawHttp.Parse(await RawHttp.ExchangeAsync(fixture.Server.Port, small + RawHttp.Request("/json")), ["POST", "GET"]);
        Assert.Equal([(200, "Hello, World!"), (200, "{\"message\":\"Hello, World!\"}")], both.Select(r => (r.Status, r.BodyText)));
    }

    [Fact]
    public async Task Each_request_is_logged_in_the_common_log_format()
    {
        string tag = Guid.NewGuid().ToString("N");
        await RawHttp.GetAsync(fixture.Server.Port, $"/plaintext?{tag}");
        await RawHttp.GetAsync(fixture.Server.Port, $"/nothing?{tag}", "HEAD");
        string ok = await fixture.Server.WaitForOutputAsync(line => line.Contains($"/plaintext?{tag}", StringComparison.Ordinal));
        string notFound = await fixture.Server.WaitForOutputAsync(line => line.Contains($"/nothing?{tag}", StringComparison.Ordinal));
        Assert.Matches(CommonLogLine($"GET /plaintext\\?{tag} HTTP/1\\.1", "200 13"), ok);
        Assert.Matches(CommonLogLine($"HEAD /nothing\\?{tag} HTTP/1\\.1", "404 -"), notFound);
    }

    [Fact]
    public async Task A_head_response_is_logged_with_the_body_it_sent_none()
    {
        string tag = Guid.NewGuid().ToString("N");
        var response = await RawHttp.GetAsync(fixture.Server.Port, $"/plaintext?{tag}", "HEAD");
        Assert.Equal(200, response.Status);
        Assert.Empty(response.Body);
        string logged = await fixture.Server.WaitForOutputAsync(line => line.Contains($"/plaintext?{tag}", StringComparison.Ordinal));
        Assert.Matches(CommonLogLine($"HEAD /plaintext\\?{tag} HTTP/1\\.1", "200 -"), logged);
    }

    [Fact]
    public async Task Quiet_logs_no_requests()
    {
        using var quiet = await RunningUvnet.StartAsync("hello", "--loops", "1", "--quiet");
        Assert.Equal("Hello, World!", (await RawHttp.GetAsync(quiet.Port, "/plaintext")).BodyText);
        Assert.Equal(0, await quiet.StopAsync());
        // The start-up text only: the URLs of both endpoints, how to share them, and the loop count (and, with
        // UVNET_BACKEND=io_uring, the backend).
        Assert.Equal(4, quiet.Output.Count(line => !line.StartsWith("  backend: ", StringComparison.Ordinal)));
        Assert.DoesNotContain(quiet.Output, line => AnyLogLine().IsMatch(line));
    }

    /// <summary><c>127.0.0.1 - - [dd/MMM/yyyy:HH:mm:ss ±hhmm] "request" status bytes</c>, the whole line.</summary>
    private static Regex CommonLogLine(string request, string statusAndBytes) =>
        new($"^127\\.0\\.0\\.1 - - \\[\\d{{2}}/[A-Z][a-z]{{2}}/\\d{{4}}:\\d{{2}}:\\d{{2}}:\\d{{2}} [+-]\\d{{4}}\\] \"{request}\" {statusAndBytes}$");

    [GeneratedRegex(@"\] ""[A-Z]+ /")]
    private static partial Regex AnyLogLine();
}

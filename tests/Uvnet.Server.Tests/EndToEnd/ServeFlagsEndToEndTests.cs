using System.IO.Compression;
using System.Net;
using System.Text;

namespace Uvnet.Server.Tests.EndToEnd;

/// <summary><c>uvnet serve --cors --cache 60 --spa --compress -H ...</c> on a single-page app's folder, its style precompressed.</summary>
public sealed class ServeFlagsFixture : IAsyncLifetime
{
    public const string Index = "<!doctype html><h1>app</h1>\n";

    public static readonly string Notes = string.Concat(Enumerable.Range(0, 200).Select(i => $"- note {i}\n"));

    public const string Style = "body { font-family: sans-serif; margin: 0 auto; max-width: 40em; }\n";

    private readonly TempTree _tree = new();

    internal RunningUvnet Server { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        _tree.File("index.html", Index);
        _tree.File("app.js", "console.log('app')\n");
        _tree.File("style.css", Style);
        _tree.File("abc.txt", "abcdefghijklmnopqrstuvwxyz");
        _tree.File("notes.md", Notes);
        File.WriteAllBytes(Path.Join(_tree.Root, "style.css.br"), PrecompressedTests.Compress(Style, s => new BrotliStream(s, CompressionLevel.SmallestSize)));
        File.WriteAllBytes(Path.Join(_tree.Root, "style.css.gz"), PrecompressedTests.Compress(Style, s => new GZipStream(s, CompressionLevel.SmallestSize)));
        Server = await RunningUvnet.StartAsync("serve", _tree.Root, "--loops", "1", "--cors", "--cache", "60", "--spa", "--compress",
            "-H", "X-Frame-Options: DENY", "--header=Referrer-Policy: no-referrer");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Server.StopGracefullyAsync();
        }
        finally
        {
            _tree.Dispose();
        }
    }
}

/// <summary>The serve flags end to end, with HttpClient and curl.</summary>
public class ServeFlagsEndToEndTests(ServeFlagsFixture fixture) : IClassFixture<ServeFlagsFixture>
{
    private static readonly HttpClient s_client = new() { Timeout = RunningUvnet.Bound };

    [Fact]
    public async Task A_file_comes_with_cors_max_age_and_the_extra_fields_through_HttpClient()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, fixture.Server.Url("/app.js"));
        request.Headers.Add("Origin", "http://elsewhere.test");
        using var response = await s_client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Equal(TimeSpan.FromSeconds(60), response.Headers.CacheControl?.MaxAge);
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("console.log('app')\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_client_side_route_gets_the_app_through_curl()
    {
        byte[] body = await Curl.RunAsync(fixture.Server.Url("/settings/profile").ToString());
        Assert.Equal(ServeFlagsFixture.Index, Encoding.UTF8.GetString(body));
    }

    [Fact]
    public async Task A_preflight_from_curl_gets_204_with_the_allowed_methods_and_fields()
    {
        string head = Encoding.UTF8.GetString(await Curl.RunAsync("-i", "-X", "OPTIONS",
            "-H", "Origin: http://elsewhere.test", "-H", "Access-Control-Request-Method: GET",
            "-H", "Access-Control-Request-Headers: range", fixture.Server.Url("/app.js").ToString()));
        Assert.StartsWith("HTTP/1.1 204", head, StringComparison.Ordinal);
        Assert.Contains("Access-Control-Allow-Origin: *\r\n", head, StringComparison.Ordinal);
        Assert.Contains("Access-Control-Allow-Methods: GET, HEAD, OPTIONS\r\n", head, StringComparison.Ordinal);
        Assert.Contains("Range", head, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revalidating_a_file_keeps_its_max_age_on_the_304()
    {
        using var first = await s_client.GetAsync(fixture.Server.Url("/app.js"));
        using var request = new HttpRequestMessage(HttpMethod.Get, fixture.Server.Url("/app.js"));
        request.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using var again = await s_client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(60), again.Headers.CacheControl?.MaxAge);
        Assert.Equal("*", Assert.Single(again.Headers.GetValues("Access-Control-Allow-Origin")));
    }

    [Theory]
    [InlineData(DecompressionMethods.GZip, "gzip")]
    [InlineData(DecompressionMethods.Brotli, "br")]
    public async Task HttpClient_gets_a_precompressed_sibling_and_decodes_it_to_the_file(DecompressionMethods methods, string coding)
    {
        // A decoding client asks for the coding itself and hides it once decoded.
        using var client = new HttpClient(new HttpClientHandler { AutomaticDecompression = methods }) { Timeout = RunningUvnet.Bound };
        using var decoded = await client.GetAsync(fixture.Server.Url("/style.css"));
        Assert.Contains("Accept-Encoding", decoded.Headers.Vary);
        Assert.Equal(ServeFlagsFixture.Style, await decoded.Content.ReadAsStringAsync());

        using var request = new HttpRequestMessage(HttpMethod.Get, fixture.Server.Url("/style.css"));
        request.Headers.Add("Accept-Encoding", coding);
        using var encoded = await s_client.SendAsync(request);
        Assert.Equal(coding, Assert.Single(encoded.Content.Headers.ContentEncoding));
        Assert.Equal("text/css; charset=utf-8", encoded.Content.Headers.ContentType?.ToString());
    }

    [Fact]
    public async Task Curl_compressed_gets_brotli_or_gzip_and_decodes_it_and_plain_curl_gets_the_file()
    {
        string url = fixture.Server.Url("/style.css").ToString();
        Assert.Equal(ServeFlagsFixture.Style, Encoding.UTF8.GetString(await Curl.RunAsync("--compressed", url)));
        Assert.Equal(ServeFlagsFixture.Style, Encoding.UTF8.GetString(await Curl.RunAsync(url)));
        string head = Encoding.UTF8.GetString(await Curl.RunAsync("-sI", "-H", "Accept-Encoding: gzip", url));
        Assert.Contains("Content-Encoding: gzip\r\n", head, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Several_ranges_arrive_as_multipart_byteranges_through_HttpClient_and_curl()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, fixture.Server.Url("/abc.txt"));
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue();
        request.Headers.Range.Ranges.Add(new(0, 2));
        request.Headers.Range.Ranges.Add(new(null, 3));
        using var response = await s_client.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal([("text/plain; charset=utf-8", "bytes 0-2/26", "abc"), ("text/plain; charset=utf-8", "bytes 23-25/26", "xyz")],
            MultipartRangesTests.Parts(response.Content.Headers.ContentType!.ToString(), await response.Content.ReadAsStringAsync()));

        string curled = Encoding.ASCII.GetString(await Curl.RunAsync("-i", "-r", "1-1,4-5", fixture.Server.Url("/abc.txt").ToString()));
        string[] headAndBody = curled.Split("\r\n\r\n", 2);
        Assert.StartsWith("HTTP/1.1 206", headAndBody[0], StringComparison.Ordinal);
        string type = headAndBody[0].Split("\r\n").Single(l => l.StartsWith("Content-Type: ", StringComparison.Ordinal))["Content-Type: ".Length..];
        Assert.Equal(["b", "ef"], MultipartRangesTests.Parts(type, headAndBody[1]).Select(p => p.Body));
    }

    [Fact]
    public async Task Compress_sends_text_compressed_that_curl_and_HttpClient_decode()
    {
        string url = fixture.Server.Url("/notes.md").ToString();
        Assert.Equal(ServeFlagsFixture.Notes, Encoding.UTF8.GetString(await Curl.RunAsync("--compressed", url)));
        string head = Encoding.UTF8.GetString(await Curl.RunAsync("-sI", "-H", "Accept-Encoding: br", url));
        Assert.Contains("Content-Encoding: br\r\n", head, StringComparison.Ordinal);
        using var client = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.All }) { Timeout = RunningUvnet.Bound };
        Assert.Equal(ServeFlagsFixture.Notes, await client.GetStringAsync(url));
        Assert.Equal(ServeFlagsFixture.Notes, await s_client.GetStringAsync(url)); // no Accept-Encoding: as it is
    }
}

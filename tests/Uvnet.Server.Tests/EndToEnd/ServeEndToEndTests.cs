using System.Diagnostics;
using System.Net;
using System.Text;

namespace Uvnet.Server.Tests.EndToEnd;

/// <summary>
/// A tree for <c>uvnet serve</c>: files to fetch, a directory to list, a secret next to the root with links
/// leading to it, and a sparse gigabyte; served by the built <c>uvnet</c> on one loop (so the big download and
/// the other clients share it).
/// </summary>
public sealed class ServeFixture : IAsyncLifetime
{
    public const string Secret = "TOP-SECRET-outside-the-root";
    public const string DotSecret = "TOP-SECRET-in-a-dotfile";
    public const long BigLength = 1L << 30;

    private readonly TempTree _tree = new();

    /// <summary>The served directory.</summary>
    public string Root => _tree.Root;

    /// <summary>300,000 random bytes at <c>/random.bin</c>.</summary>
    public byte[] Random { get; } = new byte[300_000];

    /// <summary>The sparse gigabyte at <c>/big.bin</c>.</summary>
    internal MarkedSparseFile Big { get; private set; } = null!;

    internal RunningUvnet Server { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        new Random(20).NextBytes(Random);
        File.WriteAllBytes(Path.Join(Root, "random.bin"), Random);
        _tree.File("hello.txt", "Hello from uvnet\n");
        _tree.File("docs/read me.txt", "spaces in the name\n");
        _tree.File("docs/notes.md", "# notes\n");
        File.WriteAllText(Path.Join(_tree.Outside.FullName, "secret.txt"), Secret);
        _tree.Link("link-out.txt", "../secret.txt");
        _tree.Link("dir-out", _tree.Outside.FullName);
        _tree.Link("link-in.txt", "hello.txt");
        // What a project folder holds and must not hand out: its repository, its keys, and a link to them.
        _tree.File(".env", DotSecret);
        _tree.File(".git/config", DotSecret);
        _tree.File("docs/.secret/key.txt", DotSecret);
        _tree.Link("env-link.txt", ".env");
        // Dated a day ahead (a clock skewed, an archive unpacked from elsewhere): its Last-Modified is clamped.
        File.SetLastWriteTimeUtc(_tree.File("future.txt", "from the future\n"), DateTime.UtcNow.AddDays(1));
        Big = MarkedSparseFile.Create(Path.Join(Root, "big.bin"), BigLength);
        Server = await RunningUvnet.StartAsync("serve", Root, "--loops", "1");
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

/// <summary><c>uvnet serve</c> end to end, fetched with HttpClient, curl and raw sockets as users and attackers would.</summary>
public class ServeEndToEndTests(ServeFixture fixture, ITestOutputHelper log) : IClassFixture<ServeFixture>
{
    private static readonly HttpClient s_client = new() { Timeout = RunningUvnet.Bound };

    private Uri Url(string path) => fixture.Server.Url(path);

    [Fact]
    public async Task Files_arrive_byte_exact_through_HttpClient_and_curl()
    {
        Assert.Equal(fixture.Random, await s_client.GetByteArrayAsync(Url("/random.bin")));
        Assert.Equal(fixture.Random, await Curl.RunAsync(Url("/random.bin").ToString()));
        Assert.Equal("spaces in the name\n", await s_client.GetStringAsync(Url("/docs/read%20me.txt")));
        Assert.Equal("Hello from uvnet\n"u8.ToArray(), await Curl.RunAsync(Url("/hello.txt").ToString()));
    }

    [Fact]
    public async Task A_symlink_that_stays_inside_the_root_is_served()
    {
        Assert.Equal("Hello from uvnet\n", await s_client.GetStringAsync(Url("/link-in.txt")));
    }

    [Fact]
    public async Task Revalidating_with_the_etag_or_the_date_gets_304_without_a_body()
    {
        using var first = await s_client.GetAsync(Url("/random.bin"));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var etag = first.Headers.ETag!;
        var lastModified = first.Content.Headers.LastModified!.Value;

        using var byTag = new HttpRequestMessage(HttpMethod.Get, Url("/random.bin"));
        byTag.Headers.IfNoneMatch.Add(etag);
        using var tagged = await s_client.SendAsync(byTag);
        Assert.Equal(HttpStatusCode.NotModified, tagged.StatusCode);
        Assert.Equal(etag, tagged.Headers.ETag);
        Assert.Empty(await tagged.Content.ReadAsByteArrayAsync());

        using var byDate = new HttpRequestMessage(HttpMethod.Get, Url("/random.bin"));
        byDate.Headers.IfModifiedSince = lastModified;
        using var dated = await s_client.SendAsync(byDate);
        Assert.Equal(HttpStatusCode.NotModified, dated.StatusCode);
        Assert.Empty(await dated.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("bytes=10-19", 10, 10)] // single
    [InlineData("bytes=299990-", 299_990, 10)] // open-ended
    [InlineData("bytes=-7", 299_993, 7)] // suffix
    [InlineData("bytes=299995-999999", 299_995, 5)] // past the end: cut to it
    public async Task A_range_gets_206_with_exactly_those_bytes(string range, int offset, int length)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url("/random.bin"));
        Assert.True(request.Headers.TryAddWithoutValidation("Range", range));
        using var response = await s_client.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal($"bytes {offset}-{offset + length - 1}/300000", response.Content.Headers.ContentRange!.ToString());
        Assert.Equal(fixture.Random.AsSpan(offset, length).ToArray(), await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task An_unsatisfiable_range_gets_416_with_the_size()
    {
        string headers = Encoding.ASCII.GetString(await Curl.RunAsync("-i", "-r", "300000-", Url("/random.bin").ToString()));
        Assert.StartsWith("HTTP/1.1 416 Range Not Satisfiable\r\n", headers);
        Assert.Contains("\r\nContent-Range: bytes */300000\r\n", headers);
    }

    [Fact]
    public async Task Head_sends_the_headers_of_get_and_no_body()
    {
        // HEAD then GET on one connection: had the HEAD carried a body, the GET's response would not parse.
        byte[] bytes = await RawHttp.ExchangeAsync(fixture.Server.Port,
            RawHttp.Request("/random.bin", "HEAD", close: false) + RawHttp.Request("/random.bin"));
        var responses = RawHttp.Parse(bytes, ["HEAD", "GET"]);
        Assert.Equal([200, 200], responses.Select(r => r.Status));
        Assert.Equal("300000", responses[0].Headers["content-length"]);
        Assert.Equal(responses[1].Headers["etag"], responses[0].Headers["etag"]);
        Assert.Equal(fixture.Random, responses[1].Body);
    }

    [Fact]
    public async Task Directories_are_listed_without_the_links_that_lead_out()
    {
        var root = await RawHttp.GetAsync(fixture.Server.Port, "/");
        Assert.Equal(200, root.Status);
        Assert.Equal("text/html; charset=utf-8", root.Headers["content-type"]);
        foreach (string href in (string[])["href=\"docs/\"", "href=\"hello.txt\"", "href=\"link-in.txt\"", "href=\"big.bin\""])
            Assert.Contains(href, root.BodyText);
        Assert.DoesNotContain("link-out", root.BodyText);
        Assert.DoesNotContain("dir-out", root.BodyText);

        var redirect = await RawHttp.GetAsync(fixture.Server.Port, "/docs");
        Assert.Equal(301, redirect.Status);
        Assert.Equal("/docs/", redirect.Headers["location"]);
        var docs = await RawHttp.GetAsync(fixture.Server.Port, "/docs/");
        Assert.Contains("href=\"read%20me.txt\"", docs.BodyText);
        Assert.Contains("href=\"../\"", docs.BodyText);
    }

    [Theory]
    [InlineData("/.env")]
    [InlineData("/.git/config")]
    [InlineData("/.git/")]
    [InlineData("/.git")]
    [InlineData("/docs/.secret/key.txt")]
    [InlineData("/%2egit/config")]
    [InlineData("/env-link.txt")] // a symlink to a dotfile
    public async Task Dotfiles_and_dot_folders_are_not_found(string target)
    {
        var response = await RawHttp.GetAsync(fixture.Server.Port, target);
        Assert.Equal(404, response.Status);
        Assert.DoesNotContain(ServeFixture.DotSecret, response.BodyText);
    }

    [Fact]
    public async Task Listings_leave_out_dotfiles_dot_folders_and_links_to_them()
    {
        var root = await RawHttp.GetAsync(fixture.Server.Port, "/");
        Assert.Contains("href=\"hello.txt\"", root.BodyText);
        Assert.DoesNotContain(".env", root.BodyText);
        Assert.DoesNotContain(".git", root.BodyText);
        Assert.DoesNotContain("env-link", root.BodyText);
        Assert.DoesNotContain(".secret", (await RawHttp.GetAsync(fixture.Server.Port, "/docs/")).BodyText);
    }

    [Fact]
    public async Task Last_modified_is_never_later_than_the_date_sent_even_for_a_file_from_the_future()
    {
        // The server's clock second and the wall clock's turn at different moments: ask until two wall-clock seconds
        // have begun, so the answers straddle both kinds of turn.
        long firstSecond = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var deadline = Stopwatch.StartNew();
        int asked = 0;
        while (DateTimeOffset.UtcNow.ToUnixTimeSeconds() < firstSecond + 2 || asked < 5)
        {
            Assert.True(deadline.Elapsed < RunningUvnet.Bound, $"asked {asked} times");
            var response = await RawHttp.GetAsync(fixture.Server.Port, "/future.txt");
            asked++;
            Assert.Equal(200, response.Status);
            var date = DateTimeOffset.Parse(response.Headers["date"], System.Globalization.CultureInfo.InvariantCulture);
            var lastModified = DateTimeOffset.Parse(response.Headers["last-modified"], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(lastModified <= date, $"Last-Modified {response.Headers["last-modified"]} after Date {response.Headers["date"]}");
        }
    }

    [Theory]
    [InlineData("/../secret.txt", 403)]
    [InlineData("/docs/../../secret.txt", 403)]
    [InlineData("/%2e%2e/secret.txt", 403)]
    [InlineData("/.%2E/secret.txt", 403)]
    [InlineData("/%2e%2e%2fsecret.txt", 403)]
    [InlineData("/docs%2f..%2f..%2fsecret.txt", 403)]
    [InlineData("/..%5csecret.txt", 403)]
    [InlineData("/..\\secret.txt", 403)]
    [InlineData("/%252e%252e/secret.txt", 404)] // decoded once: a name with '%' in it
    [InlineData("/%c0%ae%c0%ae/secret.txt", 400)] // overlong UTF-8 dots
    [InlineData("/hello.txt%00/../../secret.txt", 400)]
    [InlineData("/link-out.txt", 403)] // a symlink out of the root
    [InlineData("/dir-out/secret.txt", 403)] // through a directory symlink out of the root
    [InlineData("http://127.0.0.1/../secret.txt", 403)] // absolute-form
    public async Task A_traversal_attempt_is_refused_and_never_shows_the_outside(string target, int status)
    {
        var response = await RawHttp.GetAsync(fixture.Server.Port, target);
        Assert.Equal(status, response.Status);
        Assert.DoesNotContain(ServeFixture.Secret, response.BodyText);
    }

    [Fact]
    public async Task A_raw_nul_in_the_target_is_a_bad_request()
    {
        string raw = Encoding.Latin1.GetString(await RawHttp.ExchangeAsync(fixture.Server.Port, RawHttp.Request("/hello.txt\0/../../secret.txt")));
        Assert.StartsWith("HTTP/1.1 400 ", raw);
        Assert.DoesNotContain(ServeFixture.Secret, raw);
    }

    [Theory]
    [InlineData("/../secret.txt")]
    [InlineData("/%2e%2e/secret.txt")]
    [InlineData("/link-out.txt")]
    public async Task Curl_with_path_as_is_gets_nothing_from_outside(string path)
    {
        string output = Encoding.UTF8.GetString(await Curl.RunAsync("--path-as-is", "-w", "\n%{http_code}", $"http://127.0.0.1:{fixture.Server.Port}{path}"));
        Assert.EndsWith("\n403", output);
        Assert.DoesNotContain(ServeFixture.Secret, output);
    }

    [Fact]
    public async Task A_gigabyte_sparse_file_streams_intact_while_another_client_is_served_promptly()
    {
        // Generous for a loaded CI machine; a loop held by the download for the whole transfer would take seconds.
        var bound = TimeSpan.FromSeconds(3);
        using var downloader = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var clock = Stopwatch.StartNew();
        using var response = await downloader.GetAsync(Url("/big.bin"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(ServeFixture.BigLength, response.Content.Headers.ContentLength);
        var downloading = Task.Run(async () =>
        {
            await using var body = await response.Content.ReadAsStreamAsync();
            return await fixture.Big.VerifyAsync(body);
        });

        // Meanwhile, small requests, each on a new connection (accepted and served by the same, busy loop).
        var latencies = new List<TimeSpan>();
        while (!downloading.IsCompleted)
        {
            var latency = Stopwatch.StartNew();
            var small = await RawHttp.GetAsync(fixture.Server.Port, "/hello.txt");
            Assert.Equal("Hello from uvnet\n", small.BodyText);
            if (!downloading.IsCompleted)
                latencies.Add(latency.Elapsed);
        }
        Assert.Equal(ServeFixture.BigLength, await downloading);
        log.WriteLine($"1 GiB in {clock.Elapsed.TotalSeconds:0.0} s; {latencies.Count} small requests meanwhile, "
            + $"first {latencies[0].TotalMilliseconds:0} ms, slowest {latencies.Max().TotalMilliseconds:0} ms, median {latencies.Order().ElementAt(latencies.Count / 2).TotalMilliseconds:0} ms");
        Assert.True(latencies.Count >= 5, $"only {latencies.Count} requests overlapped the download");
        Assert.True(latencies.Max() < bound, $"a request took {latencies.Max().TotalMilliseconds:0} ms during the download");
    }
}

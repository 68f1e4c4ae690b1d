using System.Text;
using Uvnet.Server.Cli;
using Uvnet.Server.StaticFiles;
using Uvnet.Server.Tests.EndToEnd;

namespace Uvnet.Server.Tests;

/// <summary><c>uvnet serve --auth user:pass</c>: HTTP Basic, on loopback only.</summary>
public sealed class BasicAuthTests : IDisposable
{
    private readonly TempTree _tree = new();

    public BasicAuthTests() => _tree.File("secret.txt", "for friends\n");

    public void Dispose() => _tree.Dispose();

    private static string Basic(string userAndPassword) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(userAndPassword));

    private StaticFileResponse Get(StaticFileOptions options, string method, params (string Name, string Value)[] headers) =>
        new StaticFileHandler(_tree.Root, options).Handle(StaticFileRequest.From(method, "/secret.txt",
            name => headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault()), DateTimeOffset.UtcNow);

    [Theory]
    [InlineData("Basic YWxpY2U6czNjcjp0", true)] // alice:s3cr:t
    [InlineData("basic   YWxpY2U6czNjcjp0  ", true)]
    [InlineData("Basic YWxpY2U6czNjcg==", false)] // alice:s3cr
    [InlineData("Basic Ym9iOnMzY3I6dA==", false)] // bob:s3cr:t
    [InlineData("Bearer YWxpY2U6czNjcjp0", false)]
    [InlineData("Basic !!!", false)]
    [InlineData("Basic", false)]
    [InlineData(null, false)]
    public void Only_the_exact_user_and_password_are_admitted(string? authorization, bool admitted) =>
        Assert.Equal(admitted, BasicCredentials.Parse("alice:s3cr:t")!.Admits(authorization));

    [Theory]
    [InlineData("alice")]
    [InlineData(":pass")]
    [InlineData("alice:pa\nss")]
    public void A_credential_that_is_not_user_colon_password_does_not_parse(string text) => Assert.Null(BasicCredentials.Parse(text));

    [Fact]
    public void A_user_name_with_a_colon_or_empty_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new BasicCredentials("a:b", "c"));
        Assert.Throws<ArgumentException>(() => new BasicCredentials("", "c"));
    }

    [Fact]
    public void Without_credentials_a_request_gets_401_with_the_basic_challenge_and_no_file()
    {
        var options = new StaticFileOptions { Credentials = new BasicCredentials("alice", "pw") };
        var refused = Get(options, "GET", ("Authorization", Basic("alice:wrong")));
        Assert.Equal((401, null), (refused.StatusCode, refused.File));
        Assert.Equal("Basic realm=\"uvnet\", charset=\"UTF-8\"", refused.Header("www-authenticate"));
        Assert.Equal(401, Get(options, "HEAD").StatusCode);
        Assert.Equal(200, Get(options, "GET", ("Authorization", Basic("alice:pw"))).StatusCode);
    }

    [Fact]
    public void A_cors_preflight_is_answered_without_credentials_as_browsers_send_none()
    {
        var options = new StaticFileOptions { Credentials = new BasicCredentials("alice", "pw"), Cors = true };
        Assert.Equal(204, Get(options, "OPTIONS").StatusCode);
        Assert.Equal(401, Get(options, "GET").StatusCode);
    }

    [Fact]
    public void A_cors_preflight_under_auth_lets_a_script_send_the_authorization_field()
    {
        // A script's own Authorization field needs naming in Allow-Headers (the Fetch standard's "*" never covers it);
        // without it the preflight that auth lets through refuses every credentialed cross-origin request.
        var preflight = Get(new StaticFileOptions { Credentials = new BasicCredentials("alice", "pw"), Cors = true }, "OPTIONS",
            ("Origin", "http://elsewhere.test"), ("Access-Control-Request-Method", "GET"), ("Access-Control-Request-Headers", "authorization"));
        Assert.Contains("Authorization", preflight.Header("access-control-allow-headers")!.Split(", "));
        Assert.DoesNotContain("Authorization", Get(new StaticFileOptions { Cors = true }, "OPTIONS").Header("access-control-allow-headers")!.Split(", "));
    }

    [Theory]
    [InlineData("--host", "127.0.0.1")]
    [InlineData("--host", "::1")]
    [InlineData("--host", "localhost")]
    public void Auth_is_taken_on_loopback(params string[] host)
    {
        var result = CommandLine.Parse(["serve", "--auth", "alice:pw", .. host], _ => true);
        Assert.True(result.IsRun, result.Error);
        Assert.Equal("alice", result.Options.Credentials?.UserName);
        Assert.True(CommandLine.Parse(["--auth=alice:pw"], _ => true).IsRun); // localhost by default
    }

    [Theory]
    [InlineData("option '--auth' sends the password in clear: it needs --cert and --key (or --tls-dev), or --host localhost, 127.0.0.1 or ::1", "--auth", "alice:pw", "--host", "0.0.0.0")]
    [InlineData("option '--auth' sends the password in clear: it needs --cert and --key (or --tls-dev), or --host localhost, 127.0.0.1 or ::1", "--host", "::", "--auth", "alice:pw")]
    [InlineData("option '--auth' takes user:password", "--auth", "alice")]
    [InlineData("option '--auth' is for serve only", "hello", "--auth", "alice:pw")]
    public void Auth_is_refused_off_loopback_or_malformed(string error, params string[] args) =>
        Assert.Equal(error, CommandLine.Parse(args, _ => true).Error);

    [Fact]
    public async Task Curl_and_HttpClient_get_the_file_with_the_password_and_401_without()
    {
        using var server = await RunningUvnet.StartAsync("serve", _tree.Root, "--loops", "1", "--auth", "alice:s3cr:t");
        using var client = new HttpClient { Timeout = RunningUvnet.Bound };
        using var refused = await client.GetAsync(server.Url("/secret.txt"));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("Basic", Assert.Single(refused.Headers.WwwAuthenticate).Scheme);

        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url("/secret.txt"));
        request.Headers.Authorization = System.Net.Http.Headers.AuthenticationHeaderValue.Parse(Basic("alice:s3cr:t"));
        using var admitted = await client.SendAsync(request);
        Assert.Equal("for friends\n", await admitted.Content.ReadAsStringAsync());

        Assert.Equal("for friends\n"u8.ToArray(), await Curl.RunAsync("--fail", "-u", "alice:s3cr:t", server.Url("/secret.txt").ToString()));
        await server.StopGracefullyAsync();
    }
}

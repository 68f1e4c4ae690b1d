using Uvnet.Server.Cli;
using Uvnet.Server.Load;

namespace Uvnet.Server.Tests;

public partial class CommandLineTests
{
    [Fact]
    public void Load_takes_a_url_and_wrk_style_options()
    {
        LoadOptions load = Run("load", "http://127.0.0.1:9000/plaintext?x=1", "-c", "32", "-d", "500ms", "-t", "2",
            "--pipeline", "8", "-H", "X-Test: 1", "--timeout", "300", "--expect-status", "200", "--expect-body-bytes", "13",
            "--json", "--latency-csv", "l.csv").Load!;
        Assert.Equal(("127.0.0.1", 9000, "/plaintext?x=1"), (load.Host, load.Port, load.Path));
        Assert.Equal((32, 2, 8, 300), (load.Connections, load.Threads, load.Pipeline, load.TimeoutMs));
        Assert.Equal(TimeSpan.FromMilliseconds(500), load.Duration);
        Assert.Equal([new("X-Test", "1")], load.Headers);
        Assert.Equal((200, 13L, true, "l.csv"), (load.ExpectStatus, load.ExpectBodyBytes, load.Json, load.LatencyCsv));
        Assert.Null(load.Rate);
        Assert.Equal("GET", load.Method);
    }

    [Fact]
    public void Load_defaults_are_wrk_like_and_a_body_makes_a_post()
    {
        LoadOptions load = Run("load", "http://[::1]:8080/").Load!;
        Assert.Equal(("::1", LoadOptions.DefaultConnections, 1, TimeSpan.FromSeconds(10)), (load.Host, load.Connections, load.Threads, load.Duration));
        string body = Path.GetTempFileName();
        try
        {
            File.WriteAllText(body, "abc");
            LoadOptions post = Run("load", "http://localhost/", "--body", body, "--rate", "1500.5", "-d", "2").Load!;
            Assert.Equal(("POST", 80, 1500.5, TimeSpan.FromSeconds(2)), (post.Method, post.Port, post.Rate, post.Duration));
            Assert.Equal("abc"u8.ToArray(), post.Body);
            Assert.Equal("PUT", Run("load", "http://localhost/", "--body", body, "-m", "put").Load!.Method);
        }
        finally
        {
            File.Delete(body);
        }
    }

    [Fact]
    public void Load_warms_up_for_a_second_unless_told()
    {
        Assert.Equal(LoadOptions.DefaultWarmup, Run("load", "http://127.0.0.1/").Load!.Warmup);
        Assert.Equal(TimeSpan.FromSeconds(1), LoadOptions.DefaultWarmup);
        Assert.Equal(TimeSpan.FromMilliseconds(250), Run("load", "http://127.0.0.1/", "--warmup", "250ms").Load!.Warmup);
        Assert.Equal(TimeSpan.Zero, Run("load", "http://127.0.0.1/", "--warmup", "0").Load!.Warmup); // as wrk: counted from the start
        Assert.Equal(TimeSpan.Zero, new LoadOptions { Host = "h", Port = 1 }.Warmup); // the library runs none unless told
    }

    [Theory]
    [InlineData("'--warmup' takes a duration", "load", "http://127.0.0.1/", "--warmup", "soon")]
    [InlineData("'--warmup' takes a duration", "load", "http://127.0.0.1/", "--warmup", "25h")]
    [InlineData("'--warmup' is for load only", "hello", "--warmup", "1s")]
    [InlineData("load needs a URL", "load")]
    [InlineData("takes an http:// or https:// URL", "load", "ftp://127.0.0.1/")]
    [InlineData("takes an http[s]://HOST[:PORT]/PATH URL", "load", "127.0.0.1:80")]
    [InlineData("'--insecure' is for https:// URLs", "load", "http://127.0.0.1/", "-k")]
    [InlineData("'--insecure' is for load only", "hello", "--insecure")]
    [InlineData("unexpected argument 'x'", "load", "http://127.0.0.1/", "x")]
    [InlineData("'-c' takes a whole number from 1", "load", "http://127.0.0.1/", "-c", "0")]
    [InlineData("'-t' takes a whole number from 1", "load", "http://127.0.0.1/", "-t", "x")]
    [InlineData("-t 4 needs at least as many connections (-c 2)", "load", "http://127.0.0.1/", "-t", "4", "-c", "2")]
    [InlineData("'-d' takes a duration", "load", "http://127.0.0.1/", "-d", "10x")]
    [InlineData("'-d' takes a duration", "load", "http://127.0.0.1/", "-d", "0s")]
    [InlineData("'-d' takes a duration", "load", "http://127.0.0.1/", "-d", "25h")]
    [InlineData("'-d' takes a duration", "load", "http://127.0.0.1/", "-d", "99999999999999h")] // beyond TimeSpan: no OverflowException
    [InlineData("'-d' takes a duration", "load", "http://127.0.0.1/", "-d", "99999999999999999999999")]
    [InlineData("'--rate' takes requests per second", "load", "http://127.0.0.1/", "--rate", "0")]
    [InlineData("'--rate' takes requests per second", "load", "http://127.0.0.1/", "--rate", "-5")]
    [InlineData("sends no request", "load", "http://127.0.0.1/", "--rate", "0.1", "-d", "1s")]
    [InlineData("'--pipeline' takes a whole number from 1", "load", "http://127.0.0.1/", "--pipeline", "0")]
    [InlineData("-c 100000 with --pipeline 1024 keeps more than 100000 requests in flight", "load", "http://127.0.0.1/", "-c", "100000", "--pipeline", "1024")]
    [InlineData("'--pipeline' is for GET and HEAD", "load", "http://127.0.0.1/", "--pipeline", "4", "-m", "POST")]
    [InlineData("'--pipeline' is for HTTP/1.1: with --h2, --streams N", "load", "http://127.0.0.1/", "--h2", "--pipeline", "4")]
    [InlineData("'--streams' is for HTTP/2: add --h2", "load", "http://127.0.0.1/", "--streams", "4")]
    [InlineData("'--streams' takes a whole number from 1", "load", "http://127.0.0.1/", "--h2", "--streams", "0")]
    [InlineData("-c 1000 with --streams 101 keeps more than 100000 requests in flight", "load", "http://127.0.0.1/", "--h2", "-c", "1000", "--streams", "101")]
    [InlineData("'--h2' is for load only", "hello", "--h2")]
    [InlineData("'--timeout' takes a whole number from 1", "load", "http://127.0.0.1/", "--timeout", "0")]
    [InlineData("'--expect-status' takes a whole number from 100 to 999", "load", "http://127.0.0.1/", "--expect-status", "42")]
    [InlineData("'--expect-body-bytes' takes a whole number of bytes", "load", "http://127.0.0.1/", "--expect-body-bytes", "-1")]
    [InlineData("'-m' takes a method name", "load", "http://127.0.0.1/", "-m", "GE T")]
    [InlineData("'--body': cannot read", "load", "http://127.0.0.1/", "--body", "/nonexistent/uvnet-body")]
    [InlineData("'-H': ", "load", "http://127.0.0.1/", "-H", "no colon")]
    [InlineData("'--port' is not for load", "load", "http://127.0.0.1/", "--port", "80")]
    [InlineData("'--quiet' is not for load", "load", "http://127.0.0.1/", "-q")]
    [InlineData("'--dotfiles' is not for load", "load", "http://127.0.0.1/", "--dotfiles")]
    [InlineData("'--header' is for serve only", "hello", "-H", "X: 1")]
    [InlineData("'--json' is for load only", "hello", "--json")]
    [InlineData("'--rate' is for load only", "serve", "--rate", "5")]
    [InlineData("'-c' is for load only", "proxy", "--to", "http://127.0.0.1:1", "-c", "5")]
    public void Load_refuses_bad_options_with_a_clear_error(string error, params string[] args) =>
        Assert.Contains(error, Error(args));

    [Fact]
    public void Load_takes_an_https_url_and_verifies_the_server_by_default()
    {
        LoadOptions load = Run("load", "https://localhost:8443/plaintext").Load!;
        Assert.Equal(("localhost", 8443, "/plaintext"), (load.Host, load.Port, load.Path));
        Assert.NotNull(load.Tls);
        Assert.False(load.Tls.DangerousAcceptAnyServerCertificate);
        Assert.Equal(["http/1.1"], load.Tls.AlpnProtocols);
        Assert.Null(load.Tls.ServerName); // SNI and the name check take the URL's host
        Assert.Equal("https://localhost:8443/plaintext", load.Url);
        Assert.Equal(443, Run("load", "https://localhost/").Load!.Port);
        Assert.Null(Run("load", "http://localhost/").Load!.Tls);
    }

    [Fact]
    public void Load_h2_takes_streams_and_offers_only_h2_by_alpn()
    {
        LoadOptions h2c = Run("load", "http://127.0.0.1:9000/", "--h2", "--streams", "16", "-c", "4", "-m", "POST", "--body", "/dev/null").Load!;
        Assert.Equal((true, 16, 1, 16, "POST"), (h2c.Http2, h2c.Streams, h2c.Pipeline, h2c.PerConnection, h2c.Method));
        Assert.Null(h2c.Tls);
        LoadOptions h2 = Run("load", "https://localhost:8443/", "--h2").Load!;
        Assert.Equal((true, 1), (h2.Http2, h2.Streams));
        Assert.Equal(["h2"], h2.Tls!.AlpnProtocols);
        Assert.False(Run("load", "http://127.0.0.1/").Load!.Http2);
    }

    [Theory]
    [InlineData("-k")]
    [InlineData("--insecure")]
    public void Load_insecure_accepts_any_server_certificate(string flag) =>
        Assert.True(Run("load", "https://[::1]:8443/", flag).Load!.Tls!.DangerousAcceptAnyServerCertificate);

    [Fact]
    public void Load_url_in_reports_keeps_an_ipv6_host_in_brackets() =>
        Assert.Equal("http://[::1]:8080/x", Run("load", "http://[::1]:8080/x").Load!.Url);

    [Fact]
    public void Help_says_loudly_that_insecure_does_not_verify_the_server()
    {
        string help = HelpText.Get(2);
        Assert.Contains("-k, --insecure   https: DO NOT VERIFY the server", help);
        Assert.Contains("for a test certificate only", help);
    }

    [Fact]
    public void Load_with_a_bad_option_exits_2() =>
        Assert.Equal(Program.UsageError, Program.Main(["load", "http://127.0.0.1/", "-c", "0"]));
}

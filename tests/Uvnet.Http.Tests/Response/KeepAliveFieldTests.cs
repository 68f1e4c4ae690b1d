using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Response;

/// <summary>
/// A keep-alive response says so with Node's fields, <c>Connection: keep-alive</c> and <c>Keep-Alive: timeout=N</c>
/// (with <c>max=</c> under MaxRequestsPerSocket), so that a client retires a pooled connection before the server closes
/// it (Node's test-http-keep-alive-max-requests.js and test-http-keep-alive-timeout-*.js).
/// </summary>
public class KeepAliveFieldTests
{
    private static string Exchange(string requests, HttpServerOptions? options = null)
    {
        using var fixture = ServerFixture.Start((_, res) => res.End("ok"), options);
        return fixture.Exchange(requests);
    }

    private const string KeepAliveGet = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    private const string ClosingGet = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

    [Fact]
    public void A_keep_alive_response_says_Connection_keep_alive_and_the_timeout_in_seconds()
    {
        string raw = Exchange(KeepAliveGet + ClosingGet, new HttpServerOptions { KeepAliveTimeout = 7_500 });
        int second = raw.IndexOf("HTTP/1.1 200", 1, StringComparison.Ordinal);
        Assert.Contains("Connection: keep-alive\r\nKeep-Alive: timeout=7\r\n", raw[..second]);
        Assert.Contains("Connection: close\r\n", raw[second..]);
        Assert.DoesNotContain("Keep-Alive:", raw[second..]);
    }

    [Fact]
    public void MaxRequestsPerSocket_adds_max_and_the_last_response_says_close()
    {
        string raw = Exchange(KeepAliveGet + KeepAliveGet + KeepAliveGet, new HttpServerOptions { MaxRequestsPerSocket = 2 });
        Assert.Equal(1, RawClient.Count(raw, "Connection: keep-alive\r\nKeep-Alive: timeout=5, max=2\r\n"));
        Assert.Equal(2, RawClient.Count(raw, "HTTP/1.1 200 OK"));
        Assert.EndsWith("Connection: close\r\n\r\nok", raw);
    }

    [Fact]
    public void Without_a_keep_alive_timeout_only_Connection_keep_alive_is_sent()
    {
        string raw = Exchange(KeepAliveGet + ClosingGet, new HttpServerOptions { KeepAliveTimeout = 0 });
        Assert.Contains("Connection: keep-alive\r\n", raw);
        Assert.DoesNotContain("Keep-Alive:", raw);
    }

    [Fact]
    public void An_HTTP_1_0_keep_alive_response_gets_the_timeout_too()
    {
        string raw = Exchange("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" + "GET / HTTP/1.0\r\n\r\n");
        Assert.Contains("Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n", raw);
    }

    [Fact]
    public void A_handlers_Keep_Alive_field_replaces_the_servers()
    {
        using var fixture = ServerFixture.Start((_, res) =>
        {
            res.SetHeader("Keep-Alive", "timeout=1");
            res.End("ok");
        });
        string raw = fixture.Exchange(KeepAliveGet + ClosingGet);
        Assert.Contains("Keep-Alive: timeout=1\r\n", raw);
        Assert.DoesNotContain("timeout=5", raw);
    }
}

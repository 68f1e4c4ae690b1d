using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Response;

/// <summary>Reading the headers set, and sending the head early, as Node's getHeaders, getHeaderNames and flushHeaders.</summary>
public class HeaderCopyTests
{
    [Fact]
    public void GetHeaders_returns_a_copy_keyed_by_lower_cased_names()
    {
        // Node's test-http-mutable-headers.js: getHeaders() is a copy with lower-cased names.
        Dictionary<string, string>? headers = null;
        bool? hasAfterCopyChanged = null;
        OneRequest.Exchange(res =>
        {
            res.SetHeader("X-Test-Header", "testing");
            res.SetHeader("Set-Cookie", ["a=1", "b=2"]);
            headers = res.GetHeaders();
            headers.Remove("x-test-header");
            hasAfterCopyChanged = res.HasHeader("X-TEST-HEADER");
            res.End();
        });
        Assert.Equal(["set-cookie"], headers!.Keys);
        Assert.Equal("a=1", headers["SET-COOKIE"]); // looked up in any case; Set-Cookie's values are GetHeaderValues'
        Assert.True(hasAfterCopyChanged);
    }

    [Fact]
    public void GetHeaderNames_lists_each_name_once_lower_cased()
    {
        IReadOnlyList<string>? names = null;
        OneRequest.Exchange(res =>
        {
            res.SetHeader("X-Test-Header", "testing");
            res.SetHeader("Content-Type", "text/plain");
            res.SetHeader("x-test-header", "replaced");
            names = res.GetHeaderNames();
            res.End();
        });
        Assert.Equal(["content-type", "x-test-header"], names);
    }

    [Fact]
    public void FlushHeaders_sends_the_head_at_once_and_the_body_follows_chunked()
    {
        // Node's test-http-flush-headers.js: the client has the head before the handler ends the response.
        using var fixture = ServerFixture.Start((_, res) =>
        {
            res.SetHeader("X-Early", "yes");
            res.FlushHeaders();
            Assert.True(res.HeadersSent);
            Assert.NotEqual(0, res.Socket.BytesWritten); // handed to the socket, not held for the end of the read
            res.FlushHeaders(); // again: nothing more to send
            res.End("late body");
        });
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.Contains("X-Early: yes\r\n", raw);
        Assert.Contains("Transfer-Encoding: chunked\r\n", raw);
        Assert.EndsWith("9\r\nlate body\r\n0\r\n\r\n", raw);
    }

    [Fact]
    public void SetHeader_after_FlushHeaders_throws_ERR_HTTP_HEADERS_SENT()
    {
        Exception? thrown = null;
        string raw = OneRequest.Exchange(res =>
        {
            res.FlushHeaders();
            thrown = Record.Exception(() => res.SetHeader("X-Late", "1"));
            res.End();
        });
        Assert.Contains("ERR_HTTP_HEADERS_SENT", Assert.IsType<InvalidOperationException>(thrown).Message);
        Assert.DoesNotContain("X-Late", raw);
    }
}

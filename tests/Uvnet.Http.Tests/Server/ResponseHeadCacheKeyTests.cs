using Uvnet.Http.Server;

namespace Uvnet.Http.Tests.Server;

/// <summary>
/// Responses, each on its own connection to one server, that differ from the head cached before them in one part only:
/// each gets the head rendering would give it, never the cached one.
/// </summary>
public class ResponseHeadCacheKeyTests
{
    private const string Value = "1"; // one string object for every response: only the field's name changes

    private static string Head(ServerFixture fixture, string method, string path)
    {
        string raw = fixture.Exchange($"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        return raw[..raw.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
    }

    [Fact]
    public void A_field_renamed_with_the_same_value_string_is_rendered_under_its_new_name()
    {
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.SetHeader(req.Url == "/a" ? "X-A" : "X-B", Value);
            res.End("ok"u8);
        });
        Assert.Contains("\r\nX-A: 1\r\n", Head(fixture, "GET", "/a"), StringComparison.Ordinal);
        string renamed = Head(fixture, "GET", "/b");
        Assert.Contains("\r\nX-B: 1\r\n", renamed, StringComparison.Ordinal);
        Assert.DoesNotContain("X-A", renamed, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reason_phrase_of_the_handlers_own_is_neither_given_nor_replaced_by_the_cached_head()
    {
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/fine")
                res.StatusMessage = "Fine";
            res.End("ok"u8);
        });
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", Head(fixture, "GET", "/"), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200 Fine\r\n", Head(fixture, "GET", "/fine"), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", Head(fixture, "GET", "/"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_removed_Server_field_stays_out_of_that_head_only()
    {
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/anonymous")
                res.RemoveHeader("Server");
            res.End("ok"u8);
        });
        Assert.Contains("\r\nServer: uvnet\r\n", Head(fixture, "GET", "/"), StringComparison.Ordinal);
        Assert.DoesNotContain("Server:", Head(fixture, "GET", "/anonymous"), StringComparison.Ordinal);
        Assert.Contains("\r\nServer: uvnet\r\n", Head(fixture, "GET", "/"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_HEAD_response_leaves_out_the_handlers_Transfer_Encoding_that_GET_sends()
    {
        using var fixture = ServerFixture.Start((_, res) =>
        {
            res.SetHeader("Transfer-Encoding", "chunked");
            res.End("ok"u8);
        });
        Assert.Contains("\r\nTransfer-Encoding: chunked", Head(fixture, "GET", "/"), StringComparison.Ordinal);
        Assert.DoesNotContain("Transfer-Encoding", Head(fixture, "HEAD", "/"), StringComparison.Ordinal);
        Assert.Contains("\r\nTransfer-Encoding: chunked", Head(fixture, "GET", "/"), StringComparison.Ordinal);
    }

    [Fact]
    public void Another_status_with_the_same_fields_and_length_gets_its_own_status_line()
    {
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/missing")
                res.StatusCode = 404;
            res.End("ok"u8);
        });
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", Head(fixture, "GET", "/"), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 404 Not Found\r\n", Head(fixture, "GET", "/missing"), StringComparison.Ordinal);
    }

    /// <summary>The heads of a batch of requests for the same response on one connection, which ends after the last.</summary>
    private static string[] Heads(ServerFixture fixture, string batch) =>
        [.. fixture.Exchange(batch).Split("ok").Where(r => r.Length > 0).Select(r => r[..r.IndexOf("\r\n\r\n", StringComparison.Ordinal)])];

    private static ServerFixture Answering(HttpServerOptions? options = null) => ServerFixture.Start((_, res) =>
    {
        res.SetHeader("Content-Type", "text/plain");
        res.End("ok"u8);
    }, options);

    [Fact]
    public void The_response_to_a_request_asking_for_the_close_says_so_after_the_same_head_kept_alive()
    {
        using var fixture = Answering();
        string[] heads = Heads(fixture, "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.Equal(2, heads.Length);
        Assert.Contains("\r\nConnection: keep-alive\r\n", heads[0] + "\r\n", StringComparison.Ordinal);
        Assert.EndsWith("\r\nConnection: close", heads[1], StringComparison.Ordinal);
    }

    [Fact]
    public void The_last_response_the_server_allows_a_connection_says_close_after_the_same_head_kept_alive()
    {
        using var fixture = Answering(new HttpServerOptions { MaxRequestsPerSocket = 2 });
        string[] heads = Heads(fixture, "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(2, heads.Length);
        Assert.Contains("\r\nConnection: keep-alive\r\n", heads[0] + "\r\n", StringComparison.Ordinal);
        Assert.EndsWith("\r\nConnection: close", heads[1], StringComparison.Ordinal);
    }
}

using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;
using Uvnet.Net;

namespace Uvnet.Http.Tests.Response;

/// <summary>1xx responses a handler sends before the final one: 103 Early Hints and 102 Processing, as Node's.</summary>
public class InterimResponseTests
{
    [Fact]
    public void WriteEarlyHints_sends_103_with_the_links_joined_and_the_other_fields()
    {
        // Node's test-http-early-hints.js: an array of links becomes one Link field; other hints follow as fields.
        string raw = OneRequest.Exchange(res =>
        {
            res.WriteEarlyHints([
                new("Link", "</styles.css>; rel=preload; as=style"),
                new("link", "</scripts.js>; rel=preload; as=script"),
                new("X-Trace-Id", "id for diagnostics"),
            ]);
            res.End("ok");
        });
        Assert.StartsWith(
            "HTTP/1.1 103 Early Hints\r\nLink: </styles.css>; rel=preload; as=style, </scripts.js>; rel=preload; as=script\r\n" +
            "X-Trace-Id: id for diagnostics\r\n\r\nHTTP/1.1 200 OK\r\n", raw);
        Assert.EndsWith("\r\n\r\nok", raw);
    }

    [Theory]
    [InlineData("invalid link")]
    [InlineData("</styles.css>; rel=\"unclosed")]
    [InlineData("</a.css>\r\nX-Evil: 1")]
    public void WriteEarlyHints_refuses_a_malformed_link_and_sends_nothing(string link)
    {
        // Node's test-http-early-hints-invalid-argument.js: ERR_INVALID_ARG_VALUE, thrown before anything is written.
        Exception? thrown = null;
        string raw = OneRequest.Exchange(res =>
        {
            thrown = Record.Exception(() => res.WriteEarlyHints([new("Link", "</ok.css>; rel=preload"), new("Link", link)]));
            res.End("ok");
        });
        Assert.IsType<ArgumentException>(thrown);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw);
    }

    [Fact]
    public void WriteEarlyHints_without_a_link_sends_nothing()
    {
        string raw = OneRequest.Exchange(res =>
        {
            res.WriteEarlyHints([new("X-Other", "1")]);
            res.End("ok");
        });
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw);
        Assert.DoesNotContain("X-Other", raw);
    }

    [Fact]
    public void WriteProcessing_sends_102_before_the_final_response()
    {
        // Node's test-http-information-processing.js.
        string raw = OneRequest.Exchange(res =>
        {
            res.WriteProcessing();
            res.End("done");
        });
        Assert.StartsWith("HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\n", raw);
    }

    [Fact]
    public void Interim_responses_are_never_sent_to_an_HTTP_1_0_client()
    {
        string raw = OneRequest.Exchange(res =>
        {
            res.WriteProcessing();
            res.WriteEarlyHints([new("Link", "</a.css>; rel=preload")]);
            res.End("done");
        }, minor: 0);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw);
        Assert.DoesNotContain("102", raw);
        Assert.DoesNotContain("103", raw);
    }

    [Fact]
    public void Interim_responses_after_the_head_throw_ERR_HTTP_HEADERS_SENT()
    {
        Exception? hints = null, processing = null;
        string raw = OneRequest.Exchange(res =>
        {
            res.Write("a");
            hints = Record.Exception(() => res.WriteEarlyHints([new("Link", "</a.css>")]));
            processing = Record.Exception(() => res.WriteProcessing());
            res.End("b");
        });
        Assert.Contains("ERR_HTTP_HEADERS_SENT", Assert.IsType<InvalidOperationException>(hints).Message);
        Assert.Contains("ERR_HTTP_HEADERS_SENT", Assert.IsType<InvalidOperationException>(processing).Message);
        Assert.DoesNotContain("Early Hints", raw);
    }

    [Fact]
    public void WriteEarlyHints_callback_runs_once_the_hints_were_written_never_inside_the_call()
    {
        var log = new List<string>();
        using var fixture = ServerFixture.Start((_, res) =>
        {
            res.WriteEarlyHints([new("Link", "</a.css>; rel=preload")], e => log.Add($"hints {e?.Code ?? "ok"}"));
            log.Add("returned");
            res.End("ok", e => log.Add($"end {e?.Code ?? "ok"}"));
        });
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        LoopDriver.RunUntil(fixture.Loop, () => log.Count == 3);
        Assert.StartsWith("HTTP/1.1 103 Early Hints\r\n", raw);
        Assert.Equal(["returned", "hints ok", "end ok"], log);
    }
}

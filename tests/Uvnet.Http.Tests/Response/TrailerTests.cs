using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Response;

/// <summary>Response trailers, as Node's <c>addTrailers</c> and the <c>Trailer</c> field (Node's test-http-set-trailers.js).</summary>
public class TrailerTests
{
    [Fact]
    public void AddTrailers_sends_the_fields_after_the_last_chunk()
    {
        string raw = OneRequest.Exchange(res =>
        {
            res.Write("hello");
            res.AddTrailers([new("x-foo", "bar")]);
            res.End("world");
        });
        Assert.Contains("Transfer-Encoding: chunked\r\n", raw);
        Assert.EndsWith("\r\n\r\n5\r\nhello\r\n5\r\nworld\r\n0\r\nx-foo: bar\r\n\r\n", raw);
    }

    [Fact]
    public void AddTrailers_replaces_the_trailers_of_an_earlier_call()
    {
        string raw = OneRequest.Exchange(res =>
        {
            res.Write("a");
            res.AddTrailers([new("x-old", "1")]);
            res.AddTrailers([new("x-new", "2"), new("x-also", "3")]);
            res.End();
        });
        Assert.EndsWith("1\r\na\r\n0\r\nx-new: 2\r\nx-also: 3\r\n\r\n", raw);
    }

    [Fact]
    public void Trailers_are_dropped_when_the_body_is_not_chunked()
    {
        // test-http-set-trailers.js: an HTTP/1.0 client gets no trailers (its body is ended by the close).
        string raw = OneRequest.Exchange(res =>
        {
            res.Write("hello");
            res.AddTrailers([new("x-foo", "bar")]);
            res.End();
        }, minor: 0);
        Assert.DoesNotContain("x-foo", raw);
        Assert.EndsWith("\r\n\r\nhello", raw);
    }

    [Fact]
    public void A_Trailer_header_makes_End_chunk_the_body_rather_than_compute_a_Content_Length()
    {
        string raw = OneRequest.Exchange(res =>
        {
            res.SetHeader("Trailer", "x-digest");
            res.AddTrailers([new("x-digest", "abc")]);
            res.End("body");
        });
        Assert.Contains("Trailer: x-digest\r\n", raw);
        Assert.DoesNotContain("Content-Length", raw);
        Assert.EndsWith("4\r\nbody\r\n0\r\nx-digest: abc\r\n\r\n", raw);
    }

    [Fact]
    public void A_Trailer_header_on_a_body_with_a_Content_Length_throws_ERR_HTTP_TRAILER_INVALID_and_sends_nothing()
    {
        Exception? thrown = null;
        string raw = OneRequest.Exchange(res =>
        {
            res.SetHeader("Trailer", "x-digest");
            res.SetHeader("Content-Length", "4");
            thrown = Record.Exception(() => res.End("body"));
            Assert.False(res.HeadersSent);
            res.RemoveHeader("Trailer");
            res.End("body");
        });
        Assert.Contains("ERR_HTTP_TRAILER_INVALID", Assert.IsType<InvalidOperationException>(thrown).Message);
        Assert.Equal(1, RawClient.Count(raw, "HTTP/1.1 200 OK"));
        Assert.EndsWith("\r\n\r\nbody", raw);
    }

    [Theory]
    [InlineData("bad name", "v", "ERR_INVALID_HTTP_TOKEN")]
    [InlineData("x-ok", "split\r\nx-evil: 1", "ERR_INVALID_CHAR")]
    public void AddTrailers_refuses_an_invalid_field_and_keeps_the_trailers_set_before(string name, string value, string code)
    {
        Exception? thrown = null;
        string raw = OneRequest.Exchange(res =>
        {
            res.Write("a");
            res.AddTrailers([new("x-kept", "1")]);
            thrown = Record.Exception(() => res.AddTrailers([new("x-first", "ok"), new(name, value)]));
            res.End();
        });
        Assert.Contains(code, Assert.IsType<ArgumentException>(thrown).Message);
        Assert.EndsWith("0\r\nx-kept: 1\r\n\r\n", raw);
        Assert.DoesNotContain("x-first", raw);
    }
}

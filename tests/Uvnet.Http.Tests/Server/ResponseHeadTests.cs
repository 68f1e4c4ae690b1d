using System.Collections;
using Uvnet.Http.Server;

namespace Uvnet.Http.Tests.Server;

/// <summary>
/// What a handler puts in a head is checked where it is set (no response splitting), and repeated headers are all
/// sent (issue 14, items 1 and 3).
/// </summary>
public class ResponseHeadTests
{
    private const string OneRequest = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

    /// <summary>Runs <paramref name="handler"/> for one request; the bytes the client got.</summary>
    private static string Exchange(Action<ServerResponse> handler, string request = OneRequest)
    {
        using var fixture = ServerFixture.Start((req, res) => handler(res));
        return fixture.Exchange(request);
    }

    /// <summary>Runs <paramref name="attempt"/> for one request, then ends the response with <paramref name="body"/>; what it threw, and the bytes the client got.</summary>
    private static (Exception? Thrown, string Raw) Attempt(Action<ServerResponse> attempt, string body = "")
    {
        Exception? thrown = null;
        string raw = Exchange(res =>
        {
            thrown = Record.Exception(() => attempt(res));
            res.End(body);
        });
        return (thrown, raw);
    }

    /// <summary>The head's field lines, each without its CRLF.</summary>
    private static string[] FieldLines(string raw) => raw[..raw.IndexOf("\r\n\r\n", StringComparison.Ordinal)].Split("\r\n")[1..];

    [Fact]
    public void WriteHead_with_CRLF_in_the_status_message_throws_and_the_injected_line_never_reaches_the_wire()
    {
        Exception? thrown = null;
        bool sentAfterThrow = true;
        string raw = Exchange(res =>
        {
            thrown = Record.Exception(() => res.WriteHead(201, "OK\r\nContent-Type: text/html"));
            sentAfterThrow = res.HeadersSent;
            res.End("x");
        });
        var error = Assert.IsType<ArgumentException>(thrown);
        Assert.Contains("ERR_INVALID_CHAR", error.Message);
        Assert.False(sentAfterThrow);
        Assert.DoesNotContain("text/html", raw);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw); // the status was not applied either
    }

    [Theory]
    [InlineData("OK\nX: y")]
    [InlineData("OK\rX: y")]
    [InlineData("O\0K")]
    [InlineData("O\u007FK")]
    [InlineData("\u0100")]
    public void StatusMessage_with_a_control_character_throws_where_it_is_set(string message)
    {
        Exception? thrown = null;
        string? kept = "unset";
        string raw = Exchange(res =>
        {
            thrown = Record.Exception(() => res.StatusMessage = message);
            kept = res.StatusMessage;
            res.End();
        });
        Assert.Contains("ERR_INVALID_CHAR", Assert.IsType<ArgumentException>(thrown).Message);
        Assert.Null(kept);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw);
    }

    [Fact]
    public void StatusMessage_with_tab_and_obs_text_is_sent_byte_for_byte()
    {
        string raw = Exchange(res =>
        {
            res.StatusMessage = "Tr\u00E8s\tbien";
            res.End();
        });
        Assert.StartsWith("HTTP/1.1 200 Tr\u00E8s\tbien\r\n", raw);
    }

    [Theory]
    [InlineData("a\r\nSet-Cookie: b=1")]
    [InlineData("a\nSet-Cookie: b=1")]
    [InlineData("a\rb")]
    [InlineData("a\0b")]
    [InlineData("a\u001Bb")]
    [InlineData("a\u007Fb")]
    [InlineData("a\u2028b")]
    public void Header_value_with_a_control_character_throws_ERR_INVALID_CHAR_and_is_not_sent(string value)
    {
        var (thrown, raw) = Attempt(res => res.SetHeader("X-Evil", value));
        var error = Assert.IsType<ArgumentException>(thrown);
        Assert.Contains("ERR_INVALID_CHAR", error.Message);
        Assert.DoesNotContain("X-Evil", raw);
        Assert.DoesNotContain("b=1", raw);
    }

    [Fact]
    public void Header_value_with_tab_and_obs_text_is_sent_byte_for_byte()
    {
        string raw = Exchange(res =>
        {
            res.SetHeader("X-Ok", "a\tcaf\u00E9");
            res.End();
        });
        Assert.Contains("X-Ok: a\tcaf\u00E9", FieldLines(raw));
    }

    [Theory]
    [InlineData("")]
    [InlineData("X Evil")]
    [InlineData("X-Evil:")]
    [InlineData("X-Evil\r\nSet-Cookie")]
    [InlineData("X(Evil)")]
    [InlineData("X-\u00C9vil")]
    public void Header_name_that_is_not_a_token_throws_ERR_INVALID_HTTP_TOKEN(string name)
    {
        Exception? thrown = null;
        Exception? thrownForValues = null;
        string raw = Exchange(res =>
        {
            thrown = Record.Exception(() => res.SetHeader(name, "1"));
            thrownForValues = Record.Exception(() => res.SetHeader(name, ["1", "2"]));
            res.End();
        });
        Assert.Contains("ERR_INVALID_HTTP_TOKEN", Assert.IsType<ArgumentException>(thrown).Message);
        Assert.Contains("ERR_INVALID_HTTP_TOKEN", Assert.IsType<ArgumentException>(thrownForValues).Message);
        Assert.DoesNotContain("Set-Cookie", raw);
        Assert.DoesNotContain(": 1\r\n", raw);
    }

    [Fact]
    public void WriteHead_with_one_invalid_header_throws_and_applies_nothing()
    {
        Exception? thrown = null;
        bool sent = true;
        string? kept = null;
        string raw = Exchange(res =>
        {
            res.SetHeader("X-Kept", "before");
            thrown = Record.Exception(() => res.WriteHead(404, "Gone", [new("X-Kept", "after"), new("X-Evil", "a\r\nb")]));
            sent = res.HeadersSent;
            kept = res.GetHeader("X-Kept");
            res.End("body");
        });
        Assert.IsType<ArgumentException>(thrown);
        Assert.False(sent);
        Assert.Equal("before", kept);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw);
        Assert.Contains("X-Kept: before", FieldLines(raw));
    }

    [Fact]
    public void SetHeader_with_values_of_which_one_is_invalid_throws_and_keeps_the_header_as_it_was()
    {
        Exception? thrown = null;
        string raw = Exchange(res =>
        {
            res.SetHeader("Set-Cookie", "kept=1");
            thrown = Record.Exception(() => res.SetHeader("Set-Cookie", ["a=1", "b=2\r\nX-Evil: 1"]));
            res.End();
        });
        Assert.IsType<ArgumentException>(thrown);
        Assert.Equal(["Set-Cookie: kept=1"], FieldLines(raw).Where(l => l.StartsWith("Set-Cookie", StringComparison.Ordinal)));
        Assert.DoesNotContain("X-Evil", raw);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("+5")]
    [InlineData(" 5")]
    [InlineData("5, 5")]
    [InlineData("")]
    [InlineData("99999999999999999999")]
    public void Content_Length_that_is_not_a_decimal_number_throws_where_it_is_set(string value)
    {
        var (thrown, raw) = Attempt(res => res.SetHeader("Content-Length", value), body: "ok");
        Assert.IsType<ArgumentException>(thrown);
        Assert.Contains("Content-Length: 2", FieldLines(raw));
        Assert.EndsWith("\r\n\r\nok", raw);
    }

    [Fact]
    public void Several_Content_Lengths_throw_and_apply_nothing()
    {
        Action<ServerResponse>[] attempts =
        [
            res => res.SetHeader("Content-Length", ["2", "3"]),
            res => res.WriteHead(200, headers: [new("Content-Length", "2"), new("content-length", "3")]),
        ];
        foreach (Action<ServerResponse> attempt in attempts)
        {
            var (thrown, raw) = Attempt(attempt, body: "ok");
            Assert.IsType<ArgumentException>(thrown);
            Assert.Equal(1, RawClient.Count(raw, "Content-Length"));
            Assert.Contains("Content-Length: 2", FieldLines(raw));
            Assert.EndsWith("\r\n\r\nok", raw);
        }
    }

    /// <summary>A list that reads <paramref name="first"/> once, then <paramref name="later"/>: a check that reads it again stores what it did not check.</summary>
    private sealed class ChangesWhenReadAgain<T>(T first, T later) : IReadOnlyList<T>
    {
        private int _reads;

        public T this[int index] => Next();

        public int Count => 1;

        public IEnumerator<T> GetEnumerator()
        {
            yield return Next();
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        private T Next() => _reads++ == 0 ? first : later;
    }

    [Fact]
    public void SetHeader_stores_the_values_it_checked_so_a_list_that_changes_when_read_again_cannot_split_the_response()
    {
        string raw = Exchange(res =>
        {
            res.SetHeader("X-Listed", new ChangesWhenReadAgain<string>("ok", "ok\r\nX-Injected: 1"));
            res.End();
        });
        Assert.DoesNotContain("X-Injected", raw);
        Assert.Contains("X-Listed: ok", FieldLines(raw));
    }

    [Fact]
    public void WriteHead_stores_the_pairs_it_checked_so_a_list_that_changes_when_read_again_cannot_split_the_response()
    {
        string raw = Exchange(res =>
        {
            res.WriteHead(200, headers: new ChangesWhenReadAgain<KeyValuePair<string, string>>(new("X-Listed", "ok"), new("X-Listed", "ok\r\nX-Injected: 1")));
            res.End();
        });
        Assert.DoesNotContain("X-Injected", raw);
        Assert.Contains("X-Listed: ok", FieldLines(raw));
    }

    [Theory]
    [InlineData("uvnet\r\nX-Injected: 1")]
    [InlineData("uvnet\0")]
    [InlineData("uv\u0100net")]
    public void ServerHeader_option_that_is_not_a_field_value_is_refused_when_the_server_is_created(string serverHeader)
    {
        var loop = new Loop();
        try
        {
            var thrown = Assert.Throws<ArgumentException>(() => Http.CreateServer(loop, (req, res) => res.End(), new HttpServerOptions { ServerHeader = serverHeader }));
            Assert.Contains("ERR_INVALID_CHAR", thrown.Message);
        }
        finally
        {
            LoopDriver.CloseLoop(loop);
        }
    }

    [Fact]
    public void ServerHeader_option_with_obs_text_is_sent_byte_for_byte()
    {
        using var fixture = ServerFixture.Start((req, res) => res.End(), new HttpServerOptions { ServerHeader = "uvnet caf\u00E9" });
        Assert.Contains("Server: uvnet caf\u00E9", FieldLines(fixture.Exchange(OneRequest)));
    }

    [Fact]
    public void Transfer_Encoding_applying_chunked_twice_throws_where_it_is_set_and_applies_nothing()
    {
        Action<ServerResponse>[] attempts =
        [
            res => res.SetHeader("Transfer-Encoding", "chunked, Chunked"),
            res => res.SetHeader("Transfer-Encoding", ["chunked", "gzip, chunked"]),
            res => res.WriteHead(200, headers: [new("Transfer-Encoding", "chunked"), new("transfer-encoding", "chunked")]),
        ];
        foreach (Action<ServerResponse> attempt in attempts)
        {
            var (thrown, raw) = Attempt(attempt, body: "ok");
            Assert.IsType<ArgumentException>(thrown); // RFC 9112 §6.1: the client would decode the body twice
            Assert.DoesNotContain("Transfer-Encoding", raw, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("Content-Length: 2", FieldLines(raw));
            Assert.EndsWith("\r\n\r\nok", raw);
        }
    }

    [Theory]
    [InlineData(99)]
    [InlineData(1000)]
    public void StatusCode_outside_three_digits_throws_where_it_is_set(int status)
    {
        var (thrown, raw) = Attempt(res => res.StatusCode = status);
        Assert.IsType<ArgumentOutOfRangeException>(thrown);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw);
    }

    [Fact]
    public void WriteHead_sends_every_Set_Cookie_pair()
    {
        string raw = Exchange(res =>
        {
            res.WriteHead(200, headers: [new("Set-Cookie", "a=1"), new("Set-Cookie", "b=2"), new("set-cookie", "c=3")]);
            res.End();
        });
        string[] lines = FieldLines(raw);
        Assert.Contains("Set-Cookie: a=1", lines);
        Assert.Contains("Set-Cookie: b=2", lines);
        Assert.Contains("set-cookie: c=3", lines);
    }

    [Fact]
    public void WriteHead_headers_replace_those_of_the_same_name_set_before()
    {
        string raw = Exchange(res =>
        {
            res.SetHeader("Set-Cookie", ["old=1", "old=2"]);
            res.SetHeader("X-Other", "kept");
            res.WriteHead(200, headers: [new("set-cookie", "new=1"), new("Set-Cookie", "new=2")]);
            res.End();
        });
        string[] lines = FieldLines(raw);
        Assert.DoesNotContain("old=", raw);
        Assert.Contains("set-cookie: new=1", lines);
        Assert.Contains("Set-Cookie: new=2", lines);
        Assert.Contains("X-Other: kept", lines);
    }

    [Fact]
    public void SetHeader_with_several_values_sends_one_field_line_each_and_never_joins_Set_Cookie()
    {
        string? joined = null;
        IReadOnlyList<string>? all = null;
        string raw = Exchange(res =>
        {
            res.SetHeader("Set-Cookie", ["a=1; Path=/", "b=2; Expires=Wed, 21 Oct 2015 07:28:00 GMT"]);
            res.SetHeader("X-Multi", ["1", "2"]);
            joined = res.GetHeader("Set-Cookie");
            all = res.GetHeaderValues("set-cookie");
            res.End();
        });
        string[] lines = FieldLines(raw);
        Assert.Contains("Set-Cookie: a=1; Path=/", lines);
        Assert.Contains("Set-Cookie: b=2; Expires=Wed, 21 Oct 2015 07:28:00 GMT", lines);
        Assert.Contains("X-Multi: 1", lines);
        Assert.Contains("X-Multi: 2", lines);
        Assert.Equal("a=1; Path=/", joined);
        Assert.Equal(["a=1; Path=/", "b=2; Expires=Wed, 21 Oct 2015 07:28:00 GMT"], all);
    }
}

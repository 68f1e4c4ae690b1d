using Uvnet.Http.Server;

namespace Uvnet.Http.Tests.Server;

/// <summary>
/// Whatever headers a handler sets, the body on the wire is framed as the head says (issue 14, item 2): each test
/// pipelines a second request, whose response must be read whole and as its own, or not at all when the first
/// response's framing makes the connection end.
/// </summary>
public class ResponseFramingTests
{
    private const string Second = "GET /second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

    /// <summary>Runs <paramref name="handler"/> for the first request and answers the second with "second"; the bytes the client got.</summary>
    private static string Exchange(Action<ServerResponse> handler, string first = "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    {
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/second")
                res.End("second");
            else
                handler(res);
        });
        return fixture.Exchange(first + Second);
    }

    /// <summary>The first response's head (its field lines) and what follows it.</summary>
    private static (string[] Fields, string Body) Split(string raw)
    {
        int end = raw.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return (raw[..end].Split("\r\n")[1..], raw[(end + 4)..]);
    }

    /// <summary>Whether a field named <paramref name="name"/> (any case) is among <paramref name="fields"/>.</summary>
    private static bool Has(string[] fields, string name) => fields.Any(f => f.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase));

    /// <summary>The second response, whole: the first one's body ended where its head said.</summary>
    private const string SecondResponseStart = "HTTP/1.1 200 OK\r\n";

    private static void AssertSecondAnsweredRightAfter(string rest, string firstBody)
    {
        Assert.StartsWith(firstBody + SecondResponseStart, rest);
        Assert.EndsWith("\r\n\r\nsecond", rest);
    }

    [Fact]
    public void Handler_set_Transfer_Encoding_chunked_gets_a_chunked_body()
    {
        string raw = Exchange(res =>
        {
            res.SetHeader("Transfer-Encoding", "chunked");
            res.Write("hello");
            res.End(" world");
        });
        var (fields, rest) = Split(raw);
        Assert.Contains("Transfer-Encoding: chunked", fields);
        Assert.Equal(1, fields.Count(f => f.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase)));
        AssertSecondAnsweredRightAfter(rest, "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
    }

    [Fact]
    public void Handler_set_chunked_with_End_alone_is_chunked_and_not_given_a_Content_Length()
    {
        string raw = Exchange(res =>
        {
            res.SetHeader("transfer-encoding", "gzip, chunked");
            res.SetHeader("Content-Length", "5");
            res.End("hello");
        });
        var (fields, rest) = Split(raw);
        Assert.Contains("transfer-encoding: gzip, chunked", fields);
        Assert.False(Has(fields, "Content-Length")); // RFC 9112 §6.2
        AssertSecondAnsweredRightAfter(rest, "5\r\nhello\r\n0\r\n\r\n");
    }

    [Fact]
    public void Handler_set_transfer_coding_not_ending_in_chunked_is_ended_by_the_close()
    {
        string raw = Exchange(res =>
        {
            res.SetHeader("Transfer-Encoding", "gzip");
            res.End("zipped");
        });
        var (fields, rest) = Split(raw);
        Assert.Contains("Connection: close", fields);
        Assert.Equal("zipped", rest); // the second request is not answered: the close ends this body
    }

    [Theory]
    [InlineData("chunked, ")]
    [InlineData("gzip , chunked ,,")]
    public void Handler_set_Transfer_Encoding_with_empty_list_elements_after_chunked_gets_a_chunked_body(string codings)
    {
        string raw = Exchange(res =>
        {
            res.SetHeader("Transfer-Encoding", codings);
            res.Write("hello");
            res.End();
        });
        var (fields, rest) = Split(raw);
        Assert.Contains("Transfer-Encoding: " + codings, fields); // RFC 9110 §5.6.1: a client ignores the empty elements
        AssertSecondAnsweredRightAfter(rest, "5\r\nhello\r\n0\r\n\r\n");
    }

    [Fact]
    public void Write_past_the_handler_set_Content_Length_throws_ERR_HTTP_CONTENT_LENGTH_MISMATCH_and_writes_nothing()
    {
        Exception? onWrite = null, onEnd = null;
        bool sent = true;
        string raw = Exchange(res =>
        {
            res.SetHeader("Content-Length", "5");
            onWrite = Record.Exception(() => res.Write("too long"));
            sent = res.HeadersSent;
            res.Write("hel");
            onEnd = Record.Exception(() => res.End("lo!"));
            res.End("lo");
        });
        Assert.Contains("ERR_HTTP_CONTENT_LENGTH_MISMATCH", Assert.IsType<InvalidOperationException>(onWrite).Message);
        Assert.Contains("ERR_HTTP_CONTENT_LENGTH_MISMATCH", Assert.IsType<InvalidOperationException>(onEnd).Message);
        Assert.False(sent);
        var (fields, rest) = Split(raw);
        Assert.Contains("Content-Length: 5", fields);
        AssertSecondAnsweredRightAfter(rest, "hello");
    }

    [Fact]
    public void End_past_the_handler_set_Content_Length_throws_and_leaves_the_response_open()
    {
        Exception? thrown = null;
        bool ended = true;
        string raw = Exchange(res =>
        {
            res.SetHeader("Content-Length", "2");
            thrown = Record.Exception(() => res.End("too long"));
            ended = res.WritableEnded;
            res.End("ok");
        });
        Assert.IsType<InvalidOperationException>(thrown);
        Assert.False(ended);
        AssertSecondAnsweredRightAfter(Split(raw).Body, "ok");
    }

    [Fact]
    public void Body_shorter_than_the_handler_set_Content_Length_ends_the_connection_after_it()
    {
        string raw = Exchange(res =>
        {
            res.SetHeader("Content-Length", "10");
            res.Write("abc");
            res.End();
        });
        var (fields, rest) = Split(raw);
        Assert.Contains("Content-Length: 10", fields);
        Assert.Equal("abc", rest); // not followed by the second response, which the client would read as the rest
    }

    [Theory]
    [InlineData(204)]
    [InlineData(304)]
    public void No_content_status_drops_a_handler_set_Transfer_Encoding_sends_no_body_nor_chunk_and_closes(int status)
    {
        string raw = Exchange(res =>
        {
            res.StatusCode = status;
            res.SetHeader("Transfer-Encoding", "chunked");
            res.Write("body");
            res.End("more");
        });
        var (fields, rest) = Split(raw);
        Assert.False(Has(fields, "Transfer-Encoding"));
        Assert.Contains("Connection: close", fields); // as Node: a chunked 204 or 304 ends its connection
        Assert.Equal("", rest);
    }

    [Fact]
    public void No_content_status_without_a_handler_set_coding_keeps_the_connection()
    {
        string raw = Exchange(res =>
        {
            res.StatusCode = 204;
            res.SetHeader("Content-Length", "4");
            res.End("body");
        });
        var (fields, rest) = Split(raw);
        Assert.StartsWith("HTTP/1.1 204 No Content\r\n", raw);
        Assert.False(Has(fields, "Content-Length")); // RFC 9110 §8.6
        AssertSecondAnsweredRightAfter(rest, "");
    }

    [Fact]
    public void HEAD_response_drops_a_handler_set_Transfer_Encoding_and_sends_no_body_nor_chunk()
    {
        string raw = Exchange(res =>
        {
            res.SetHeader("Transfer-Encoding", "chunked");
            res.Write("body");
            res.End();
        }, first: "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
        var (fields, rest) = Split(raw);
        Assert.False(Has(fields, "Transfer-Encoding"));
        Assert.False(Has(fields, "Content-Length")); // a GET would have been chunked: no length to announce
        AssertSecondAnsweredRightAfter(rest, "");
    }

    [Fact]
    public void Http10_request_gets_no_Transfer_Encoding_even_when_the_handler_sets_one()
    {
        string raw = Exchange(res =>
        {
            res.SetHeader("Transfer-Encoding", "chunked");
            res.End("hello");
        }, first: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        var (fields, rest) = Split(raw);
        Assert.False(Has(fields, "Transfer-Encoding")); // RFC 9112 §6.1
        Assert.Contains("Content-Length: 5", fields);
        AssertSecondAnsweredRightAfter(rest, "hello");
    }

    [Fact]
    public void Removed_Content_Length_stays_removed_and_the_body_is_chunked()
    {
        string raw = Exchange(res =>
        {
            res.RemoveHeader("Content-Length");
            res.End("hello");
        });
        var (fields, rest) = Split(raw);
        Assert.False(Has(fields, "Content-Length"));
        Assert.Contains("Transfer-Encoding: chunked", fields);
        AssertSecondAnsweredRightAfter(rest, "5\r\nhello\r\n0\r\n\r\n");
    }

    [Fact]
    public void Removed_Content_Length_and_Transfer_Encoding_leave_the_close_to_end_the_body()
    {
        string raw = Exchange(res =>
        {
            res.RemoveHeader("Content-Length");
            res.RemoveHeader("Transfer-Encoding");
            res.End("hello");
        });
        var (fields, rest) = Split(raw);
        Assert.False(Has(fields, "Content-Length"));
        Assert.False(Has(fields, "Transfer-Encoding"));
        Assert.Equal("hello", rest);
    }

    [Fact]
    public void Removed_Transfer_Encoding_leaves_a_streamed_body_to_the_close()
    {
        string raw = Exchange(res =>
        {
            res.RemoveHeader("Transfer-Encoding");
            res.Write("hel");
            res.End("lo");
        });
        var (fields, rest) = Split(raw);
        Assert.False(Has(fields, "Transfer-Encoding"));
        Assert.Equal("hello", rest);
    }

    [Fact]
    public void Removed_Date_and_Server_stay_removed()
    {
        string raw = Exchange(res =>
        {
            res.RemoveHeader("date");
            res.RemoveHeader("Server");
            res.End("ok");
        });
        var (fields, rest) = Split(raw);
        Assert.False(Has(fields, "Date"));
        Assert.False(Has(fields, "Server"));
        AssertSecondAnsweredRightAfter(rest, "ok");
    }

    [Fact]
    public void Removed_Connection_sends_no_Connection_line_and_the_connection_still_closes_when_asked()
    {
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.RemoveHeader("Connection");
            res.End("ok");
        });
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" + Second);
        var (fields, rest) = Split(raw);
        Assert.False(Has(fields, "Connection"));
        Assert.Equal("ok", rest);
    }

    [Fact]
    public void Removed_Connection_keeps_an_http11_connection()
    {
        string raw = Exchange(res =>
        {
            res.RemoveHeader("Connection");
            res.End("ok");
        });
        var (fields, rest) = Split(raw);
        Assert.False(Has(fields, "Connection"));
        AssertSecondAnsweredRightAfter(rest, "ok");
    }

    [Theory]
    [InlineData(-1, 5)]
    [InlineData(0, -5)]
    public void SendFile_with_a_negative_offset_or_count_throws_and_sends_no_head(long offset, long count) => WithFile("hello", file =>
    {
        Exception? thrown = null;
        bool sent = true;
        string raw = Exchange(res =>
        {
            thrown = Record.Exception(() => res.SendFile(file, offset, count));
            sent = res.HeadersSent;
            res.End("ok");
        });
        Assert.IsType<ArgumentOutOfRangeException>(thrown);
        Assert.False(sent);
        var (fields, rest) = Split(raw);
        Assert.Contains("Content-Length: 2", fields);
        AssertSecondAnsweredRightAfter(rest, "ok");
    });

    [Fact]
    public void SendFile_past_the_handler_set_Content_Length_throws_even_when_the_sum_of_lengths_overflows() => WithFile("hello", file =>
    {
        Exception? thrown = null;
        string raw = Exchange(res =>
        {
            res.SetHeader("Content-Length", "10");
            res.Write("abc");
            thrown = Record.Exception(() => res.SendFile(file, 0, long.MaxValue - 1));
            res.End("defghij");
        });
        Assert.Contains("ERR_HTTP_CONTENT_LENGTH_MISMATCH", Assert.IsType<InvalidOperationException>(thrown).Message);
        AssertSecondAnsweredRightAfter(Split(raw).Body, "abcdefghij");
    });

    [Fact]
    public void Chunked_SendFile_behind_a_pending_response_goes_out_before_its_last_chunk() => WithFile("hello", file =>
    {
        ServerResponse? pending = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/pending")
            {
                pending = res;
                return;
            }
            if (req.Url == "/second")
            {
                res.End("second");
                return;
            }
            res.Write("ab"); // chunked, held while /pending is unanswered
            res.SendFile(file, 0, 5);
            pending?.End("pending");
        });
        string raw = fixture.Exchange("GET /pending HTTP/1.1\r\nHost: x\r\n\r\nGET /file HTTP/1.1\r\nHost: x\r\n\r\n" + Second);
        string afterPending = raw[(raw.IndexOf("pending", StringComparison.Ordinal) + "pending".Length)..];
        AssertSecondAnsweredRightAfter(Split(afterPending).Body, "2\r\nab\r\n5\r\nhello\r\n0\r\n\r\n");
    });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SendFile_of_a_file_shorter_than_announced_ends_the_connection_without_the_next_response(bool chunked) => WithFile("hello", file =>
    {
        string raw = Exchange(res =>
        {
            if (chunked)
                res.Write("a");
            res.SendFile(file, 0, 10); // the file ends after 5: the rest of the body never comes
        });
        var (fields, rest) = Split(raw);
        Assert.Contains(chunked ? "Transfer-Encoding: chunked" : "Content-Length: 10", fields);
        Assert.Equal(chunked ? "1\r\na\r\na\r\nhello" : "hello", rest); // the second response is not read as the rest
    });

    /// <summary>Runs <paramref name="test"/> with a temporary file holding <paramref name="content"/>, open for sending.</summary>
    private static void WithFile(string content, Action<Microsoft.Win32.SafeHandles.SafeFileHandle> test)
    {
        string path = Path.GetTempFileName();
        File.WriteAllText(path, content);
        try
        {
            using var file = File.OpenHandle(path);
            test(file);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(100)]
    [InlineData(103)]
    public void Interim_status_sent_as_the_response_ends_the_connection_so_the_next_response_is_not_taken_for_the_final_one(int status)
    {
        string raw = Exchange(res =>
        {
            res.StatusCode = status;
            res.End();
        });
        var (fields, rest) = Split(raw);
        Assert.Contains("Connection: close", fields);
        Assert.Equal("", rest); // a client waiting for the final response would take the second one for it
    }

    [Fact]
    public void Answer_to_a_failed_handler_carries_none_of_its_headers()
    {
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.SetHeader("Content-Length", "100");
            res.SetHeader("Set-Cookie", "session=1");
            res.StatusMessage = "Fine";
            throw new InvalidOperationException("handler bug");
        });
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        var (fields, rest) = Split(raw);
        Assert.StartsWith("HTTP/1.1 500 Internal Server Error\r\n", raw);
        Assert.Contains("Content-Length: 0", fields);
        Assert.False(Has(fields, "Set-Cookie"));
        Assert.Equal("", rest);
    }
}

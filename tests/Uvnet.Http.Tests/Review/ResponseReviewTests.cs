using Uvnet.Http.Server;
using Uvnet.Http.Tests.Response;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Review;

/// <summary>Outside review of the ServerResponse contracts of issue 17: each a defect found with a raw client.</summary>
public class ResponseReviewTests
{
    [Fact]
    public void A_response_ended_after_the_user_ended_the_socket_closes_without_finish()
    {
        bool finished = false, closed = false, writableFinished = true;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.Finish += _ => finished = true;
            res.Close += _ => closed = true;
            req.Socket.End();
            res.End("never sent"); // Node: a write after the socket's end fails it; 'finish' never comes
            writableFinished = res.WritableFinished;
        });
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.DoesNotContain("never sent", raw);
        LoopDriver.RunUntil(fixture.Loop, () => closed);
        Assert.False(finished);
        Assert.False(writableFinished);
    }

    [Fact]
    public void EndAsync_after_the_user_ended_the_socket_fails()
    {
        Exception? failure = null;
        bool done = false;
        using var fixture = ServerFixture.Start(async (req, res) =>
        {
            req.Socket.End();
            try { await res.EndAsync("never sent"u8.ToArray()); }
            catch (Exception e) { failure = e; }
            done = true;
        });
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.DoesNotContain("never sent", raw);
        LoopDriver.RunUntil(fixture.Loop, () => done);
        Assert.NotNull(failure);
    }

    [Fact]
    public void A_write_callback_after_the_user_ended_the_socket_gets_an_error()
    {
        var results = new List<Uvnet.Net.NetException?>();
        using var fixture = ServerFixture.Start(async (req, res) =>
        {
            res.Write("sent");
            await Task.Yield(); // out of the read: the write leaves at once
            req.Socket.End();
            res.Write("never sent", e => results.Add(e));
            res.End();
        });
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.DoesNotContain("never sent", raw);
        LoopDriver.RunUntil(fixture.Loop, () => results.Count == 1);
        Assert.NotNull(results[0]);
    }

    [Fact]
    public void Interim_responses_of_a_pipelined_response_wait_for_the_responses_before_it()
    {
        ServerResponse? first = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/1")
            {
                first = res;
                return;
            }
            res.WriteProcessing();
            res.WriteEarlyHints([new("Link", "</a.css>; rel=preload")]);
            res.FlushHeaders();
            res.End("two");
            first!.End("one");
        });
        string raw = fixture.Exchange("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        int one = raw.IndexOf("one", StringComparison.Ordinal);
        Assert.True(one > 0 && one < raw.IndexOf("102 Processing", StringComparison.Ordinal), raw);
        Assert.True(raw.IndexOf("103 Early Hints", StringComparison.Ordinal) > one, raw);
        Assert.EndsWith("two\r\n0\r\n\r\n", raw);
    }

    [Fact]
    public void Each_pipelined_response_hears_its_own_events_once_in_order()
    {
        var events = new List<string>();
        using var fixture = ServerFixture.Start((req, res) =>
        {
            string url = req.Url;
            res.Finish += r => events.Add($"finish {url} {r.Request.Url}");
            res.Close += r => events.Add($"close {url} {r.Request.Url}");
            res.Write(url, e => events.Add($"write {url} {e is null}"));
            res.End(callback: e => events.Add($"end {url} {e is null}"));
        });
        string raw = fixture.Exchange("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        LoopDriver.RunUntil(fixture.Loop, () => events.Count == 12);
        string[] expected = ["/1", "/2", "/3"];
        Assert.Equal(expected.SelectMany(u => new[] { $"write {u} True", $"finish {u} {u}", $"end {u} True", $"close {u} {u}" }), events);
    }

    [Fact]
    public void A_write_to_the_socket_follows_what_the_responses_wrote_before_it()
    {
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.SetHeader("Content-Length", "3");
            res.Write("ab");
            req.Socket.Write("c"u8.ToArray()); // as Node: in call order with what the response wrote
            req.Socket.End();
        });
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw);
        Assert.EndsWith("\r\n\r\nabc", raw);
    }

    [Fact]
    public void A_write_to_the_socket_follows_the_earlier_pipelined_responses()
    {
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/1")
            {
                res.End("one");
                return;
            }
            req.Socket.Write("HTTP/1.1 204 No Content\r\n\r\n"u8.ToArray());
            req.Socket.End();
        });
        string raw = fixture.Exchange("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw);
        Assert.EndsWith("one" + "HTTP/1.1 204 No Content\r\n\r\n", raw);
    }

    [Theory]
    [InlineData("HEAD", 200)]
    [InlineData("GET", 204)]
    [InlineData("GET", 304)]
    public void A_response_without_content_carries_no_last_chunk_nor_trailers(string method, int status)
    {
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.StatusCode = status;
            res.SetHeader("Trailer", "X-Sum");
            res.AddTrailers([new("X-Sum", "1")]);
            res.FlushHeaders();
            res.Write("body");
            res.End();
        });
        string raw = fixture.Exchange($"{method} / HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        int second = raw.IndexOf("HTTP/1.1", 1, StringComparison.Ordinal);
        Assert.True(second > 0, raw);
        Assert.EndsWith("\r\n\r\n", raw[..second]);
        Assert.DoesNotContain("X-Sum: 1", raw[..second]);
    }

    [Fact]
    public void A_file_sent_after_the_user_ended_the_socket_closes_without_finish()
    {
        string path = Path.GetTempFileName();
        File.WriteAllText(path, "file body");
        try
        {
            using var file = File.OpenHandle(path);
            bool finished = false, closed = false;
            using var fixture = ServerFixture.Start((req, res) =>
            {
                res.Finish += _ => finished = true;
                res.Close += _ => closed = true;
                req.Socket.End();
                res.SendFile(file, 0, 9);
            });
            string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            Assert.DoesNotContain("file body", raw);
            LoopDriver.RunUntil(fixture.Loop, () => closed);
            Assert.False(finished);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Pipelined_file_responses_finish_in_order_after_their_bytes()
    {
        string path = Path.GetTempFileName();
        File.WriteAllText(path, "file body");
        try
        {
            using var file = File.OpenHandle(path);
            var events = new List<string>();
            using var fixture = ServerFixture.Start((req, res) =>
            {
                string url = req.Url;
                res.Finish += _ => events.Add("finish " + url);
                res.Close += r => events.Add($"close {url} {r.Finished}");
                res.SendFile(file, 0, 9);
            });
            string raw = fixture.Exchange("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            Assert.Equal(2, RawClient.Count(raw, "file body"));
            LoopDriver.RunUntil(fixture.Loop, () => events.Count == 4);
            Assert.Equal(["finish /1", "close /1 True", "finish /2", "close /2 True"], events);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void EndAsync_in_a_pipelined_batch_completes_on_its_own_pair()
    {
        var seen = new List<string>();
        using var fixture = ServerFixture.Start(async (req, res) =>
        {
            string url = req.Url;
            if (url == "/2")
            {
                res.End("two"); // nobody listens: recycled as it leaves the queue
                return;
            }
            await res.EndAsync(url);
            seen.Add($"{url} {req.Url} {res.Finished} {res.Request.Url}");
        });
        string raw = fixture.Exchange("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.Equal(4, RawClient.Count(raw, "HTTP/1.1 200 OK"));
        LoopDriver.RunUntil(fixture.Loop, () => seen.Count == 2);
        Assert.Equal(["/1 /1 True /1", "/3 /3 True /3"], seen);
    }

    [Theory]
    [InlineData("X-Ok\r\nX-Evil", "1")]
    [InlineData("X-Ok", "1\r\nX-Evil: 1")]
    [InlineData("X-Ok", "1\nX-Evil: 1")]
    [InlineData("", "1")]
    [InlineData("X Ok", "1")]
    public void AddTrailers_refuses_what_would_split_the_message_and_keeps_the_trailers_before(string name, string value)
    {
        Exception? thrown = null;
        string raw = OneRequest.Exchange(res =>
        {
            res.AddTrailers([new("X-Before", "1")]);
            thrown = Record.Exception(() => res.AddTrailers([new("X-Fine", "2"), new(name, value)]));
            res.Write("a");
            res.End();
        });
        Assert.IsType<ArgumentException>(thrown);
        Assert.DoesNotContain("X-Evil", raw);
        Assert.DoesNotContain("X-Fine", raw);
        Assert.EndsWith("0\r\nX-Before: 1\r\n\r\n", raw);
    }

    [Fact]
    public void Ending_the_socket_in_a_Finish_handler_finishes_the_batch_already_written_and_closes_the_rest()
    {
        var events = new List<string>();
        ServerResponse? pending = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            string url = req.Url;
            res.Finish += _ =>
            {
                events.Add("finish " + url);
                if (url == "/1")
                    req.Socket.End();
            };
            res.Close += r => events.Add($"close {url} {r.Finished}");
            if (url == "/3")
                pending = res; // answered later: after the end, never sent
            else
                res.End(url);
        });
        string raw = fixture.Exchange("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(2, RawClient.Count(raw, "HTTP/1.1 200 OK"));
        LoopDriver.RunUntil(fixture.Loop, () => events.Count == 5);
        Assert.Equal(["finish /1", "close /1 True", "finish /2", "close /2 True", "close /3 False"], events);
        Assert.Null(Record.Exception(() => pending!.End("late"))); // closed: dropped, no throw
    }
}

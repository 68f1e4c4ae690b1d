using System.Text;
using Uvnet.Http.Server;
using Key = Uvnet.Http.Server.ResponseHeadCache.Key;
using Special = Uvnet.Http.Server.ServerResponse.SpecialHeaders;

namespace Uvnet.Http.Tests.Server;

/// <summary>A whole head is copied from the server's cache only for the very key and header strings it was rendered for.</summary>
public class ResponseHeadCacheTests
{
    private static readonly Key s_key = new(200, Special.Connection, Special.Date | Special.ContentLength, KeepAlive: true, Length: 13, DateSecond: 7);

    private static List<KeyValuePair<string, string>> Fields(params (string Name, string Value)[] fields) =>
        [.. fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))];

    /// <summary>What the cache wrote for <paramref name="key"/> and <paramref name="headers"/>, or null on a miss.</summary>
    private static string? Lookup(ResponseHeadCache cache, Key key, List<KeyValuePair<string, string>> headers)
    {
        var sink = new OutputBuffer();
        string? text = cache.TryWrite(sink, key, headers) ? Encoding.Latin1.GetString(sink.Written) : null;
        sink.Release();
        return text;
    }

    private static ResponseHeadCache Remembering(string head, Key key, List<KeyValuePair<string, string>> headers)
    {
        var cache = new ResponseHeadCache();
        cache.Remember(Encoding.Latin1.GetBytes(head), key, headers);
        return cache;
    }

    [Fact]
    public void The_same_key_and_strings_get_the_head_remembered()
    {
        var headers = Fields(("Content-Type", "text/plain"));
        var cache = Remembering("HEAD\r\n\r\n", s_key, headers);
        Assert.Equal("HEAD\r\n\r\n", Lookup(cache, s_key, headers));
        Assert.Equal("HEAD\r\n\r\n", Lookup(cache, s_key, Fields(("Content-Type", "text/plain")))); // literals are interned
    }

    public static TheoryData<string> KeyChanges => ["status", "skip", "add", "keep-alive", "length", "second"];

    [Theory]
    [MemberData(nameof(KeyChanges))]
    public void Any_other_key_is_a_miss(string change)
    {
        var headers = Fields(("Content-Type", "text/plain"));
        var cache = Remembering("HEAD\r\n\r\n", s_key, headers);
        Key other = change switch
        {
            "status" => s_key with { Status = 404 },
            "skip" => s_key with { Skip = Special.Connection | Special.ContentLength },
            "add" => s_key with { Add = Special.Date | Special.ContentLength | Special.Connection },
            "keep-alive" => s_key with { KeepAlive = false },
            "length" => s_key with { Length = 14 },
            _ => s_key with { DateSecond = 8 },
        };
        Assert.Null(Lookup(cache, other, headers));
    }

    [Fact]
    public void Other_header_strings_are_a_miss_even_with_equal_text()
    {
        var headers = Fields(("Content-Type", "text/plain"), ("X-A", "1"));
        var cache = Remembering("HEAD\r\n\r\n", s_key, headers);
        Assert.Null(Lookup(cache, s_key, Fields(("Content-Type", "text/plain"), ("X-A", new string("1".AsSpan())))));
        Assert.Null(Lookup(cache, s_key, Fields(("Content-Type", "text/plain"))));
        Assert.Null(Lookup(cache, s_key, Fields(("Content-Type", "text/plain"), ("X-A", "1"), ("X-B", "2"))));
        Assert.Null(Lookup(cache, s_key, Fields(("X-A", "1"), ("Content-Type", "text/plain"))));
        Assert.Null(Lookup(cache, s_key, []));
    }

    [Fact]
    public void A_head_too_large_or_with_too_many_fields_is_not_remembered_and_the_one_before_stays()
    {
        var headers = Fields(("Content-Type", "text/plain"));
        var cache = Remembering("HEAD\r\n\r\n", s_key, headers);
        var many = Fields([.. Enumerable.Range(0, 9).Select(i => ($"X-{i}", "v"))]);
        cache.Remember(Encoding.Latin1.GetBytes("MANY\r\n\r\n"), s_key, many);
        cache.Remember(new byte[513], s_key, Fields(("X-Long", "v")));
        Assert.Null(Lookup(cache, s_key, many));
        Assert.Equal("HEAD\r\n\r\n", Lookup(cache, s_key, headers));
    }
}

/// <summary>The server's heads stay right when responses that share a cache differ in any part of their head.</summary>
public class ResponseHeadCacheServerTests
{
    /// <summary>The heads in <paramref name="raw"/>, each response's head without its body (bodies here are short and never hold CRLFCRLF).</summary>
    private static List<string> Heads(string raw)
    {
        var heads = new List<string>();
        int at = 0;
        while (at < raw.Length)
        {
            int end = raw.IndexOf("\r\n\r\n", at, StringComparison.Ordinal);
            string head = raw[at..end];
            heads.Add(head);
            var length = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length: ", StringComparison.Ordinal));
            at = end + 4 + (length is null ? 0 : int.Parse(length["Content-Length: ".Length..], System.Globalization.CultureInfo.InvariantCulture));
        }
        return heads;
    }

    private static string WithoutDate(string head) =>
        string.Join("\r\n", head.Split("\r\n").Where(l => !l.StartsWith("Date: ", StringComparison.Ordinal)));

    [Fact]
    public void Pipelined_responses_differing_in_status_length_fields_and_keep_alive_each_get_their_own_head()
    {
        int count = 0;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.SetHeader("Content-Type", "text/plain");
            switch (req.Url)
            {
                case "/a":
                    res.End("ok"u8);
                    break;
                case "/b":
                    res.End("okay"u8);
                    break;
                case "/c":
                    res.StatusCode = 404;
                    res.End();
                    break;
                default:
                    res.SetHeader("X-Count", (count++).ToString(System.Globalization.CultureInfo.InvariantCulture));
                    res.End("ok"u8);
                    break;
            }
        });
        string[] paths = ["/a", "/a", "/b", "/a", "/c", "/c", "/d", "/d", "/a"];
        string batch = string.Concat(paths.Select((p, i) =>
            $"GET {p} HTTP/1.1\r\nHost: x\r\n{(i == paths.Length - 1 ? "Connection: close\r\n" : "")}\r\n"));
        List<string> heads = Heads(fixture.Exchange(batch));

        const string KeepAlive = "Connection: keep-alive\r\nKeep-Alive: timeout=5";
        string Expected(string status, string fields, int length, string connection = KeepAlive) =>
            $"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\n{fields}Server: uvnet\r\nContent-Length: {length}\r\n{connection}";
        Assert.Equal(
        [
            Expected("200 OK", "", 2),
            Expected("200 OK", "", 2),
            Expected("200 OK", "", 4),
            Expected("200 OK", "", 2),
            Expected("404 Not Found", "", 0),
            Expected("404 Not Found", "", 0),
            Expected("200 OK", "X-Count: 0\r\n", 2),
            Expected("200 OK", "X-Count: 1\r\n", 2),
            Expected("200 OK", "", 2, "Connection: close"),
        ], heads.Select(WithoutDate));
        Assert.All(heads, h => Assert.Contains("\r\nDate: ", h, StringComparison.Ordinal));
    }

    [Fact]
    public void The_Date_of_a_repeated_head_moves_on_with_the_clock()
    {
        using var fixture = ServerFixture.Start((_, res) =>
        {
            res.SetHeader("Content-Type", "text/plain");
            res.End("ok"u8);
        });
        // The same head again and again on one connection: its Date must change within a few seconds all the same.
        (DateTimeOffset First, DateTimeOffset Last) dates = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            DateTimeOffset? first = null;
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (true)
            {
                await socket.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
                string raw = await RawClient.ReadUntilAsync(socket, t => t.EndsWith("ok", StringComparison.Ordinal));
                string line = raw.Split("\r\n").Single(l => l.StartsWith("Date: ", StringComparison.Ordinal));
                var date = DateTimeOffset.Parse(line["Date: ".Length..], System.Globalization.CultureInfo.InvariantCulture);
                first ??= date;
                if (date != first || DateTime.UtcNow > deadline)
                    return (first.Value, date);
            }
        });
        Assert.True(dates.Last > dates.First, $"Date stayed {dates.First:r}");
    }
}

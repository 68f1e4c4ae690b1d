using Uvnet.Http.Http2;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;
using static Uvnet.Http.Tests.Http2.Http2Wire;
using Code = Uvnet.Http.Http2.Http2ErrorCode;
using F = Uvnet.Http.Http2.Http2FrameFlags;
using T = Uvnet.Http.Http2.Http2FrameType;

namespace Uvnet.Http.Tests.Http2;

/// <summary>A second review of the HTTP/2 server, as an attacker: destroys inside handlers, request targets that HTTP/1.1 refuses.</summary>
public class Http2AttackTests
{
    [Fact]
    public void Request_destroyed_in_its_handler_raises_no_End_and_the_next_stream_is_served()
    {
        var events = new List<string>();
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url != "/destroy")
            {
                res.End("next");
                return;
            }
            req.End += _ => events.Add("end");
            req.Error += (_, _) => events.Add("error");
            req.Close += _ => events.Add("close");
            req.Destroy();
        });
        string next = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get("/destroy")));
            Assert.Equal(((Code?)Code.Cancel, false), await wire.ReadErrorAsync(1));
            await wire.SendAsync(Headers(3, true, Get("/next")));
            return (await wire.ReadResponseAsync(3)).Text;
        });
        Assert.Equal("next", next);
        Assert.DoesNotContain("end", events);
        Assert.Equal("close", events[^1]);
    }

    [Fact]
    public void Request_destroyed_in_its_Data_handler_on_the_last_DATA_raises_no_End()
    {
        var events = new List<string>();
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url != "/destroy")
            {
                res.End("next");
                return;
            }
            req.Data += (r, _) => r.Destroy();
            req.End += _ => events.Add("end");
            req.Close += _ => events.Add("close");
        });
        string next = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync([.. Headers(1, false, Post("/destroy")), .. Data(1, new byte[10], true)]);
            Assert.Equal(((Code?)Code.Cancel, false), await wire.ReadErrorAsync(1));
            await wire.SendAsync(Headers(3, true, Get("/next")));
            return (await wire.ReadResponseAsync(3)).Text;
        });
        Assert.Equal("next", next);
        Assert.Equal(["close"], events);
    }

    [Fact]
    public void Path_of_an_asterisk_is_malformed_but_for_OPTIONS()
    {
        // RFC 9113 §8.3.1: "*" is the :path of an OPTIONS request only (nghttp2, and so Node, refuse it otherwise).
        using var fixture = ServerFixture.Start((req, res) => res.End($"{req.Method} {req.Url}"));
        var (error, options) = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get("*")));
            var error = await wire.ReadErrorAsync(1);
            await wire.SendAsync(Headers(3, true, (":method", "OPTIONS"), (":scheme", "http"), (":path", "*"), (":authority", "localhost")));
            return (error, (await wire.ReadResponseAsync(3)).Text);
        });
        Assert.Equal(((Code?)Code.ProtocolError, false), error);
        Assert.Equal("OPTIONS *", options);
    }

    /// <summary>Sends <paramref name="fields"/> on stream 1, then a GET on stream 3: the first must be reset PROTOCOL_ERROR unseen, the second served.</summary>
    private static void AssertMalformed((string, string)[] fields)
    {
        int handled = 0;
        using var fixture = ServerFixture.Start((_, res) =>
        {
            handled++;
            res.End();
        });
        var (error, next) = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, fields));
            var error = await wire.ReadErrorAsync(1);
            await wire.SendAsync(Headers(3, true, Get("/next")));
            return (error, (await wire.ReadResponseAsync(3)).Status);
        });
        Assert.Equal(((Code?)Code.ProtocolError, false), error);
        Assert.Equal("200", next);
        Assert.Equal(1, handled); // the next one only
    }

    [Theory]
    [InlineData("/a b")]
    [InlineData("/a\tb")]
    [InlineData("/a\u0001b")]
    [InlineData("/a\u007f")]
    public void Path_with_whitespace_or_a_control_character_is_malformed(string path)
    {
        // No HTTP/1.1 request line can carry such a target (the HTTP/1.1 parser refuses it); nghttp2 (Node) refuses
        // it in :path too. Let through, it reaches req.Url, and any code that writes it into a request line.
        AssertMalformed(Get(path));
    }

    [Theory]
    [InlineData(":authority", "evil.example/x")]
    [InlineData(":authority", "a b")]
    [InlineData(":authority", "user@localhost")]
    [InlineData("host", "evil.example/x")]
    [InlineData("host", "a b")]
    public void Authority_or_Host_outside_the_host_grammar_is_malformed(string name, string value)
    {
        // The HTTP/1.1 server answers such a Host 400 (RFC 9112 §3.2); over HTTP/2 it would reach req.Headers["host"]
        // (links and caches keyed on it). RFC 9113 §8.3.1: no userinfo in :authority; nghttp2 (Node) checks both.
        AssertMalformed([(":method", "GET"), (":scheme", "http"), (":path", "/"), (name, value)]);
    }

    [Fact]
    public void Requests_from_a_client_that_does_not_read_wait_while_its_responses_back_up() => AssertBackedUpRequestsWait(endSending: false);

    [Fact]
    public void Requests_held_back_when_the_client_ends_its_side_are_still_answered() => AssertBackedUpRequestsWait(endSending: true);

    private static void AssertBackedUpRequestsWait(bool endSending)
    {
        // A client opens every window and sends request after request without reading: each response finishes at
        // once (so MAX_CONCURRENT_STREAMS never binds) and nothing but the socket's buffer held them, without bound.
        // As HTTP/1.1 stops parsing pipelined requests while responses back up (and Node's http2 refuses streams past
        // maxSessionMemory), new streams wait until the client reads.
        const int Requests = 32;
        byte[] body = new byte[1 << 20];
        long maxBacklog = 0;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            Http2Connection h2 = req.Stream!.Owner;
            maxBacklog = Math.Max(maxBacklog, h2.Output.Length + h2.Socket.WritableLength);
            res.End(body);
        });
        int answered = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port, settings: Setting(Http2SettingId.InitialWindowSize, int.MaxValue));
            var requests = new List<byte>(WindowUpdate(0, int.MaxValue - 65_535));
            for (int i = 0; i < Requests; i++)
                requests.AddRange(Headers(1 + (2 * i), true, Get("/big")));
            await wire.SendAsync([.. requests]);
            if (endSending)
                wire.EndSending(); // as a client that writes its requests, then its FIN, then reads
            int answered = 0;
            for (int i = 0; i < Requests; i++)
                answered += (await wire.ReadResponseAsync(1 + (2 * i))).Body.Count == body.Length ? 1 : 0;
            return answered;
        });
        Assert.Equal(Requests, answered);
        Assert.True(maxBacklog < 4 << 20, $"{maxBacklog} bytes of responses were queued for a client that did not read");
    }

    [Fact]
    public void Cookie_crumbs_are_joined_with_a_semicolon()
    {
        // RFC 9113 §8.2.3: clients (browsers) send each cookie as its own field for HPACK; joined with ", " they
        // would read as one cookie "a" worth "1, b=2". Node joins them with "; ".
        using var fixture = ServerFixture.Start((req, res) => res.End(req.Headers["cookie"] ?? "none"));
        string text = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get("/", ("cookie", "a=1"), ("cookie", "b=2"))));
            return (await wire.ReadResponseAsync(1)).Text;
        });
        Assert.Equal("a=1; b=2", text);
    }
}

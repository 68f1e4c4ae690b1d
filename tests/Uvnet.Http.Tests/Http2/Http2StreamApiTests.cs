using System.Buffers.Binary;
using Uvnet.Http.Http2;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;
using static Uvnet.Http.Tests.Http2.Http2Wire;
using Code = Uvnet.Http.Http2.Http2ErrorCode;
using T = Uvnet.Http.Http2.Http2FrameType;

namespace Uvnet.Http.Tests.Http2;

/// <summary>
/// The stream-level API (Node's http2 core API: the server's 'stream' event, ServerHttp2Stream, its session), ported
/// from Node's test/parallel/test-http2-* tests named on each test, and driven by raw frames.
/// </summary>
public class Http2StreamApiTests
{
    /// <summary>A server with no request handler: the stream API alone answers.</summary>
    private static ServerFixture StartStreams(Http2StreamHandler handler)
    {
        var fixture = ServerFixture.Start((Action<IncomingMessage, ServerResponse>)null!);
        fixture.Server.Stream += handler;
        return fixture;
    }

    private static TaskCompletionSource Signal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    // test-http2-server-stream-session-destroy.js / doc/api/http2.md "Event: 'stream'": the stream, its headers and flags.
    [Fact]
    public void Stream_event_gives_the_stream_its_request_headers_and_the_HEADERS_flags()
    {
        var seen = new List<string>();
        using var fixture = StartStreams((stream, headers, flags) =>
        {
            seen.Add($"{stream.Id} {stream.Method} {stream.Path} {stream.Authority} {stream.Scheme} {headers["x-a"]} {flags} {stream.EndAfterHeaders}");
            stream.Respond();
            stream.End();
        });
        fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get("/get?q", ("x-a", "1"))));
            await wire.ReadResponseAsync(1);
            await wire.SendAsync([.. Headers(3, false, Post("/post", ("x-a", "2"))), .. Data(3, [], true)]);
            await wire.ReadResponseAsync(3);
        });
        Assert.Equal(
        [
            "1 GET /get?q localhost http 1 EndStream, EndHeaders True",
            "3 POST /post localhost http 2 EndHeaders False",
        ], seen);
    }

    // test-http2-respond-*.js: respond(headers) then end(data): :status and fields in HEADERS, the body in DATA, then 'close'.
    [Fact]
    public void Respond_then_End_sends_the_status_fields_and_body_and_Closed_follows_once()
    {
        ServerHttp2Stream? kept = null;
        int closes = 0;
        using var fixture = StartStreams((stream, _, _) =>
        {
            kept = stream;
            stream.Closed += _ => closes++;
            stream.Respond([new(":status", "201"), new("content-type", "text/plain"), new("X-Mixed", "v")]);
            Assert.True(stream.HeadersSent);
            stream.End("hello");
        });
        var response = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get()));
            return await wire.ReadResponseAsync(1);
        });
        LoopDriver.RunUntil(fixture.Loop, () => closes > 0);
        Assert.Equal("201", response.Status);
        Assert.Equal("text/plain", response.Field("content-type"));
        Assert.Equal("v", response.Field("x-mixed"));
        Assert.NotNull(response.Field("date"));
        Assert.Null(response.Field("content-length")); // Node's respond() computes none
        Assert.Equal("hello", response.Text);
        Assert.Equal(1, closes);
        Assert.True(kept!.IsClosed);
        Assert.True(kept.Destroyed);
        Assert.False(kept.IsAborted);
        Assert.Equal(Code.NoError, kept.RstCode);
        Assert.Equal(Http2StreamStateKind.Closed, kept.State.State);
    }

    // test-http2-server-stream-session-destroy.js / ServerHttp2Stream's kProceed: a write before respond() responds 200.
    [Fact]
    public void Write_before_Respond_sends_a_200_head_first()
    {
        using var fixture = StartStreams((stream, _, _) =>
        {
            Assert.True(stream.Write("a"));
            stream.End("b");
        });
        var response = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get()));
            return await wire.ReadResponseAsync(1);
        });
        Assert.Equal("200", response.Status);
        Assert.Equal("ab", response.Text);
    }

    // test-http2-respond-errors.js, test-http2-respond-nghttperrors.js: respond() refuses before sending anything.
    [Fact]
    public void Respond_refuses_a_second_call_bad_status_pseudo_and_connection_headers_with_nothing_sent()
    {
        var errors = new List<string>();
        using var fixture = StartStreams((stream, _, _) =>
        {
            void Expect<TException>(Action call) where TException : Exception
            {
                var e = Assert.ThrowsAny<TException>(call);
                errors.Add(e.Message[(e.Message.IndexOf("(ERR_", StringComparison.Ordinal) + 1)..e.Message.IndexOf(')', e.Message.IndexOf("(ERR_", StringComparison.Ordinal))]);
            }
            Expect<ArgumentOutOfRangeException>(() => stream.Respond([new(":status", "101")]));
            Expect<ArgumentOutOfRangeException>(() => stream.Respond([new(":status", "600")]));
            Expect<ArgumentOutOfRangeException>(() => stream.Respond([new(":status", "abc")]));
            Expect<ArgumentException>(() => stream.Respond([new(":path", "/")]));
            Expect<ArgumentException>(() => stream.Respond([new("connection", "close")]));
            Expect<ArgumentException>(() => stream.Respond([new("te", "gzip")]));
            Assert.Throws<ArgumentException>(() => stream.Respond([new("bad name", "x")]));
            Assert.False(stream.HeadersSent);
            stream.Respond([new("te", "trailers")]);
            Expect<InvalidOperationException>(() => stream.Respond());
            stream.End();
        });
        var response = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get()));
            return await wire.ReadResponseAsync(1);
        });
        Assert.Equal(
        [
            "ERR_HTTP2_STATUS_INVALID", "ERR_HTTP2_STATUS_INVALID", "ERR_HTTP2_STATUS_INVALID", "ERR_HTTP2_INVALID_PSEUDOHEADER",
            "ERR_HTTP2_INVALID_CONNECTION_HEADERS", "ERR_HTTP2_INVALID_CONNECTION_HEADERS", "ERR_HTTP2_HEADERS_SENT",
        ], errors);
        Assert.Single(response.Blocks);
        Assert.Equal("200", response.Status);
    }

    // test-http2-respond-no-data.js (204, 205, 304 end the stream with their HEADERS) and test-http2-head-request.js.
    [Theory]
    [InlineData("204", "GET")]
    [InlineData("205", "GET")]
    [InlineData("304", "GET")]
    [InlineData("200", "HEAD")]
    public void Respond_ends_the_stream_with_the_HEADERS_for_statuses_without_a_body_and_HEAD(string status, string method)
    {
        bool ended = false;
        using var fixture = StartStreams((stream, _, _) =>
        {
            stream.Respond([new(":status", status)]);
            ended = stream.WritableEnded;
        });
        var (flags, body) = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, [(":method", method), (":scheme", "http"), (":path", "/"), (":authority", "localhost")]));
            var head = await wire.WaitForAsync((h, _) => h.StreamId == 1 && h.Type == T.Headers);
            return (head!.Value.Header.Flags, head.Value.Payload.Length);
        });
        Assert.True(ended);
        Assert.True((flags & Http2FrameFlags.EndStream) != 0);
    }

    // test-http2-trailers.js: the request's trailers reach 'trailers' before 'end'; the response's, through waitForTrailers.
    [Fact]
    public void Request_trailers_come_before_Ended_and_WaitForTrailers_ends_the_response_with_SendTrailers()
    {
        var events = new List<string>();
        using var fixture = StartStreams((stream, _, _) =>
        {
            stream.Data += (_, data) => events.Add($"data {data.Length}");
            stream.Trailers += (_, trailers) => events.Add($"trailers {trailers["test-trailer"]}");
            stream.Ended += _ => events.Add("end");
            stream.WantTrailers += s =>
            {
                events.Add("wantTrailers");
                s.SendTrailers([new("test-trailer", "testing")]);
            };
            stream.Respond([new("content-type", "text/html")], new Http2RespondOptions { WaitForTrailers = true });
            Assert.Throws<InvalidOperationException>(() => stream.SendTrailers([])); // ERR_HTTP2_TRAILERS_NOT_READY
            stream.End("<html/>");
        });
        var response = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync([.. Headers(1, false, Post("/")), .. Data(1, "data"u8.ToArray(), false), .. Headers(1, true, ("test-trailer", "testing"))]);
            return await wire.ReadResponseAsync(1);
        });
        Assert.Equal("<html/>", response.Text);
        Assert.Equal(2, response.Blocks.Count);
        Assert.Equal([("test-trailer", "testing")], response.Blocks[1]);
        Assert.Equal(["wantTrailers", "data 4", "trailers testing", "end"], events);
    }

    // doc/api/http2.md "Event: 'wantTrailers'": without a listener, empty trailers close the stream.
    [Fact]
    public void WaitForTrailers_without_a_WantTrailers_handler_ends_the_stream()
    {
        using var fixture = StartStreams((stream, _, _) =>
        {
            stream.Respond(null, new Http2RespondOptions { WaitForTrailers = true });
            stream.End("x");
        });
        var response = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get()));
            return await wire.ReadResponseAsync(1);
        });
        Assert.Equal("x", response.Text);
    }

    // test-http2-send-trailers-twice? (ERR_HTTP2_TRAILERS_ALREADY_SENT) and ERR_HTTP2_INVALID_PSEUDOHEADER in trailers.
    [Fact]
    public void SendTrailers_twice_or_with_a_pseudo_header_throws()
    {
        var errors = new List<string>();
        using var fixture = StartStreams((stream, _, _) =>
        {
            stream.WantTrailers += s =>
            {
                errors.Add(Assert.Throws<ArgumentException>(() => s.SendTrailers([new(":status", "200")])).Message);
                s.SendTrailers([new("a", "1")]);
                errors.Add(Assert.ThrowsAny<InvalidOperationException>(() => s.SendTrailers([new("a", "2")])).Message);
            };
            stream.Respond(null, new Http2RespondOptions { WaitForTrailers = true, EndStream = true });
        });
        var response = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get()));
            return await wire.ReadResponseAsync(1);
        });
        Assert.Equal([("a", "1")], response.Blocks[^1]);
        Assert.Contains("ERR_HTTP2_INVALID_PSEUDOHEADER", errors[0]);
        Assert.Matches("ERR_HTTP2_(TRAILERS_ALREADY_SENT|INVALID_STREAM)", errors[1]);
    }

    // test-http2-server-rst-stream.js: close(code) sends RST_STREAM with it; 'aborted' (the response was not ended), an
    // ERR_HTTP2_STREAM_ERROR 'error' unless NO_ERROR or CANCEL, then 'close'; rstCode.
    [Theory]
    [InlineData(Code.NoError, false)]
    [InlineData(Code.ProtocolError, true)]
    [InlineData(Code.Cancel, false)]
    [InlineData(Code.RefusedStream, true)]
    [InlineData(Code.InternalError, true)]
    public void Close_sends_RST_STREAM_with_its_code_and_raises_Aborted_Error_and_Closed(Code code, bool error)
    {
        var events = new List<string>();
        ServerHttp2Stream? kept = null;
        using var fixture = StartStreams((stream, _, _) =>
        {
            kept = stream;
            stream.Aborted += _ => events.Add("aborted");
            stream.Error += (_, e) => events.Add($"error {((Uvnet.Net.NetException)e).Code} {e.Message.Replace(" (ERR_HTTP2_STREAM_ERROR)", "")}");
            stream.Closed += _ => events.Add("close");
            stream.Respond();
            stream.Write("test");
            stream.Close(code, _ => events.Add("callback"));
            stream.Close(Code.InternalError); // closed already: nothing
        });
        var reset = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, false, Post("/")));
            return await wire.ReadErrorAsync(1);
        });
        Assert.Equal((code, false), reset);
        var expected = new List<string> { "aborted" };
        if (error)
            expected.Add($"error ERR_HTTP2_STREAM_ERROR Stream closed with error code {ServerHttp2Stream.ErrorName(code)}");
        expected.AddRange(["close", "callback"]);
        Assert.Equal(expected, events);
        Assert.Equal(code, kept!.RstCode);
        Assert.True(kept.IsAborted);
        Assert.Throws<InvalidOperationException>(() => kept.Respond()); // ERR_HTTP2_INVALID_STREAM
        Assert.False(kept.Write("late"));
    }

    // test-http2-client-rststream-before-connect.js (the server's side): the client's RST_STREAM closes the stream with its code.
    [Fact]
    public void A_client_RST_STREAM_aborts_the_stream_with_the_clients_code()
    {
        var events = new List<string>();
        ServerHttp2Stream? kept = null;
        var opened = Signal();
        using var fixture = StartStreams((stream, _, _) =>
        {
            kept = stream;
            stream.Aborted += _ => events.Add("aborted");
            stream.Error += (_, e) => events.Add($"error {((Uvnet.Net.NetException)e).Code}");
            stream.Closed += _ => events.Add("close");
            stream.Respond();
            opened.SetResult();
        });
        fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, false, Post("/")));
            await opened.Task;
            await wire.SendAsync(RstStream(1, Code.ProtocolError));
            await wire.SendAsync(Frame(T.Ping, 0, 0, new byte[8]));
            await wire.WaitForAsync((h, _) => h.Type == T.Ping);
        });
        LoopDriver.RunUntil(fixture.Loop, () => events.Contains("close"));
        Assert.Equal(["aborted", "error ERR_HTTP2_STREAM_ERROR", "close"], events);
        Assert.Equal(Code.ProtocolError, kept!.RstCode);
    }

    // test-http2-server-stream-session-destroy.js (the session destroyed under an open stream): the stream is aborted and closed.
    [Fact]
    public void A_lost_connection_aborts_and_closes_the_open_streams()
    {
        var events = new List<string>();
        var opened = Signal();
        using var fixture = StartStreams((stream, _, _) =>
        {
            stream.Aborted += _ => events.Add("aborted");
            stream.Error += (_, _) => events.Add("error");
            stream.Closed += _ => events.Add("close");
            opened.SetResult();
        });
        fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, false, Post("/")));
            await opened.Task;
            wire.Reset();
        });
        LoopDriver.RunUntil(fixture.Loop, () => events.Contains("close"));
        Assert.Equal(["aborted", "close"], events);
    }

    // doc/api/http2.md: write() returns false past the high-water mark and 'drain' follows when the window opens; a
    // stream waiting for its window holds only itself (the other stream on the connection is answered meanwhile).
    [Fact]
    public void Write_returns_false_while_the_window_is_shut_Drain_follows_WINDOW_UPDATE_and_other_streams_go_on()
    {
        var results = new List<bool>();
        bool drained = false;
        using var fixture = StartStreams((stream, _, _) =>
        {
            if (stream.Path == "/other")
            {
                stream.End("other");
                return;
            }
            stream.Drain += s =>
            {
                drained = true;
                s.End();
            };
            stream.Respond();
            results.Add(stream.Write(new byte[Http2Connection.StreamHighWaterMark + 1]));
        });
        var (other, body) = fixture.Run(async () =>
        {
            // SETTINGS_INITIAL_WINDOW_SIZE 0: no DATA leaves before our WINDOW_UPDATE.
            using var wire = await OpenAsync(fixture.Port, settings: Setting(Http2SettingId.InitialWindowSize, 0));
            await wire.SendAsync(Headers(1, true, Get("/slow")));
            await wire.WaitForAsync((h, _) => h.StreamId == 1 && h.Type == T.Headers);
            await wire.SendAsync([.. Headers(3, true, Get("/other")), .. WindowUpdate(3, 100)]);
            var other = await wire.ReadResponseAsync(3);
            await wire.SendAsync(WindowUpdate(1, 1 << 20));
            var rest = await wire.ReadResponseAsync(1);
            return (other.Text, rest.Body.Count);
        });
        Assert.Equal([false], results);
        Assert.True(drained);
        Assert.Equal("other", other);
        Assert.Equal(Http2Connection.StreamHighWaterMark + 1, body);
    }

    // test-http2-misbehaving-flow-control-paused.js / test-http2-compat-serverrequest-pause.js: a paused stream raises no
    // 'data' and gives no window back (no WINDOW_UPDATE); resume() hands over what was held, in order, then the window.
    [Fact]
    public void Pause_withholds_Data_and_WINDOW_UPDATE_Resume_delivers_the_bytes_held_then_the_window()
    {
        ServerHttp2Stream? kept = null;
        long received = 0;
        bool ended = false;
        var opened = Signal();
        using var fixture = StartStreams((stream, _, _) =>
        {
            kept = stream;
            stream.Data += (_, data) => received += data.Length;
            stream.Ended += s => { ended = true; s.End("done"); };
            stream.Pause();
            opened.SetResult();
        });
        var (updatesWhilePaused, updateAfter, body) = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, false, Post("/")));
            await opened.Task;
            for (int i = 0; i < 3; i++)
                await wire.SendAsync(Data(1, new byte[16_000], false));
            // PING as a barrier: whatever the DATA made the server write precedes its ACK.
            await wire.SendAsync(Frame(T.Ping, 0, 0, new byte[8]));
            int updates = 0;
            while (await wire.ReadFrameAsync() is { } frame && frame.Header.Type != T.Ping)
            {
                if (frame.Header.Type == T.WindowUpdate && frame.Header.StreamId == 1)
                    updates++;
            }
            fixture.Loop.Post(() => kept!.Resume());
            var update = await wire.WaitForAsync((h, _) => h.Type == T.WindowUpdate && h.StreamId == 1);
            await wire.SendAsync(Data(1, new byte[10], true));
            var response = await wire.ReadResponseAsync(1);
            return (updates, BinaryPrimitives.ReadUInt32BigEndian(update!.Value.Payload), response.Text);
        });
        Assert.Equal(0, updatesWhilePaused);
        Assert.Equal(48_000u, updateAfter);
        Assert.Equal(48_010, received);
        Assert.True(ended);
        Assert.Equal("done", body);
    }

    // test-http2-compat-*.js: the compatibility 'request' is one more listener of 'stream' (Node's onServerStream); both
    // see an HTTP/2 request, compat first; HTTP/1.1 requests reach 'request' only.
    [Fact]
    public void With_Request_and_Stream_handlers_both_hear_an_HTTP2_request_and_HTTP11_reaches_Request_only()
    {
        var order = new List<string>();
        using var fixture = ServerFixture.Start((req, res) =>
        {
            order.Add($"request {req.HttpVersion}");
            res.End("compat");
        });
        fixture.Server.Stream += (stream, _, _) => order.Add($"stream {stream.HeadersSent}");
        var body = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get()));
            return (await wire.ReadResponseAsync(1)).Text;
        });
        string http1 = fixture.Exchange("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        Assert.Equal("compat", body);
        Assert.EndsWith("compat", http1);
        Assert.Equal(["request 2.0", "stream True", "request 1.1"], order);
    }

    // The stale-reference guard: a stream object is never reused; once closed it refuses, and the next stream (which may
    // reuse the pooled internals) is not reached through it.
    [Fact]
    public void A_stream_kept_past_its_close_refuses_and_never_reaches_the_next_stream()
    {
        ServerHttp2Stream? first = null;
        var refusals = new List<string>();
        using var fixture = StartStreams((stream, _, _) =>
        {
            if (first is null)
            {
                first = stream;
                stream.End("one");
                return;
            }
            Assert.NotSame(first, stream);
            Assert.False(first.Write("stale"));
            first.End("stale");
            first.Close(Code.InternalError);
            first.Pause();
            refusals.Add(Assert.Throws<InvalidOperationException>(() => first.Respond()).Message);
            refusals.Add(Assert.Throws<InvalidOperationException>(() => first.SendTrailers([])).Message);
            Assert.Null(first.Session);
            stream.End("two");
        });
        var bodies = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get()));
            string one = (await wire.ReadResponseAsync(1)).Text;
            // The first stream's Close is raised once its last write completes: a PING round trip later it has.
            await wire.SendAsync(Frame(T.Ping, 0, 0, new byte[8]));
            await wire.WaitForAsync((h, _) => h.Type == T.Ping);
            await wire.SendAsync(Headers(3, true, Get()));
            return one + " " + (await wire.ReadResponseAsync(3)).Text;
        });
        Assert.Equal("one two", bodies);
        Assert.All(refusals, m => Assert.Contains("ERR_HTTP2_INVALID_STREAM", m));
        Assert.True(first!.Destroyed);
    }

    // test-http2-ping.js: session.ping(payload, cb) gets the round trip and the payload back on the ACK.
    [Fact]
    public void Session_Ping_calls_back_with_the_payload_on_the_ACK()
    {
        byte[] payload = [1, 2, 3, 4, 5, 6, 7, 8];
        byte[]? echoed = null;
        bool sent = false;
        using var fixture = StartStreams((stream, _, _) =>
        {
            Assert.Throws<ArgumentException>(() => stream.Session!.Ping(new byte[3], (_, _, _) => { })); // ERR_HTTP2_PING_LENGTH
            sent = stream.Session!.Ping(payload, (error, duration, data) =>
            {
                Assert.Null(error);
                Assert.True(duration >= TimeSpan.Zero);
                echoed = data.ToArray();
                stream.End();
            });
        });
        fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get()));
            var ping = await wire.WaitForAsync((h, _) => h.Type == T.Ping);
            Assert.False(ping!.Value.Header.Has(Http2FrameFlags.Ack));
            await wire.SendAsync(Frame(T.Ping, Http2FrameFlags.Ack, 0, ping.Value.Payload));
            await wire.ReadResponseAsync(1);
        });
        Assert.True(sent);
        Assert.Equal(payload, echoed);
    }

    // test-http2-ping.js (maxOutstandingPings) and a ping cancelled by the connection's close.
    [Fact]
    public void Session_Ping_refuses_past_ten_outstanding_and_cancels_them_when_the_connection_closes()
    {
        var results = new List<bool>();
        var errors = new List<string?>();
        var opened = Signal();
        using var fixture = StartStreams((stream, _, _) =>
        {
            for (int i = 0; i < 11; i++)
                results.Add(stream.Session!.Ping((e, _, _) => errors.Add(e?.Code)));
            opened.SetResult();
        });
        fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get()));
            await opened.Task;
        });
        LoopDriver.RunUntil(fixture.Loop, () => errors.Count == 10);
        Assert.Equal([.. Enumerable.Repeat(true, 10), false], results);
        Assert.All(errors, code => Assert.Equal("ERR_HTTP2_PING_CANCEL", code));
    }

    // test-http2-session-settings.js: localSettings are what the server sent, remoteSettings what the client sent.
    [Fact]
    public void Session_settings_are_the_servers_and_the_clients()
    {
        Http2SessionSettings? local = null, remote = null;
        using var fixture = StartStreams((stream, _, _) =>
        {
            local = stream.Session!.LocalSettings;
            remote = stream.Session.RemoteSettings;
            stream.End();
        });
        fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port, settings: Setting(Http2SettingId.InitialWindowSize, 1000));
            await wire.SendAsync(Headers(1, true, Get()));
            await wire.ReadResponseAsync(1);
        });
        Assert.Equal(100u, local!.MaxConcurrentStreams);
        Assert.False(local.EnablePush);
        Assert.Equal(65_535u, local.InitialWindowSize);
        Assert.Equal(1000u, remote!.InitialWindowSize);
        Assert.True(remote.EnablePush);
    }

    // test-http2-server-goaway? / session.goaway(code): GOAWAY with the code and the last stream id; the stream is finished.
    [Fact]
    public void Session_Goaway_sends_GOAWAY_with_its_code_and_lets_the_stream_finish()
    {
        using var fixture = StartStreams((stream, _, _) =>
        {
            stream.Session!.Goaway(Code.EnhanceYourCalm);
            Assert.True(stream.Session.Closed);
            stream.End("last");
        });
        var (last, code, body) = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get()));
            var goAway = await wire.WaitForAsync((h, _) => h.Type == T.GoAway);
            string body = "";
            while (await wire.ReadFrameAsync() is { } frame)
            {
                if (frame.Header.Type == T.Data)
                    body += System.Text.Encoding.ASCII.GetString(frame.Payload);
            }
            return (BinaryPrimitives.ReadInt32BigEndian(goAway!.Value.Payload), (Code)BinaryPrimitives.ReadUInt32BigEndian(goAway.Value.Payload.AsSpan(4)), body);
        });
        Assert.Equal(1, last);
        Assert.Equal(Code.EnhanceYourCalm, code);
        Assert.Equal("last", body);
    }

    // A throwing 'stream' handler is contained as a throwing request handler is: reported, and 500 when nothing was sent.
    [Fact]
    public void A_throwing_Stream_handler_is_reported_and_the_stream_answered_500()
    {
        Exception? reported = null;
        using var fixture = StartStreams((_, _, _) => throw new InvalidOperationException("boom"));
        fixture.Server.HandlerError += (e, _) => reported = e;
        var response = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get()));
            return await wire.ReadResponseAsync(1);
        });
        Assert.Equal("500", response.Status);
        Assert.Equal("boom", reported?.Message);
    }

    // Destroy in every callback: Close inside Data, WantTrailers, Drain-free Aborted and Closed handlers never raise twice.
    [Theory]
    [InlineData("data")]
    [InlineData("wantTrailers")]
    [InlineData("aborted")]
    [InlineData("closed")]
    [InlineData("ended")]
    [InlineData("stream")]
    public void Close_inside_a_handler_closes_once(string where)
    {
        int closes = 0, aborts = 0;
        using var fixture = StartStreams((stream, _, _) =>
        {
            stream.Closed += s => { closes++; if (where == "closed") s.Close(Code.Cancel); };
            stream.Aborted += s => { aborts++; if (where == "aborted") s.Close(Code.InternalError); };
            stream.Data += (s, _) => { if (where == "data") s.Close(Code.Cancel); };
            stream.WantTrailers += s => { if (where == "wantTrailers") s.Close(Code.Cancel); };
            stream.Ended += s => { if (where == "ended") s.Close(Code.Cancel); };
            if (where == "stream")
            {
                stream.Close(Code.Cancel);
                return;
            }
            stream.Respond(null, new Http2RespondOptions { WaitForTrailers = true });
            if (where is "aborted" or "closed")
                stream.Close(Code.Cancel);
            else if (where == "wantTrailers")
                stream.End("x");
        });
        var code = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync([.. Headers(1, false, Post("/")), .. Data(1, [1], where == "ended")]);
            return (await wire.ReadErrorAsync(1)).Code;
        });
        LoopDriver.RunUntil(fixture.Loop, () => closes > 0);
        Assert.Equal(Code.Cancel, code);
        Assert.Equal(1, closes);
        Assert.Equal(where == "wantTrailers" ? 0 : 1, aborts); // Node: 'aborted' only while the response is not ended
    }

    // Members belong to the loop: called from another thread they refuse, as the request's and response's do.
    [Fact]
    public void Stream_members_refuse_calls_from_another_thread()
    {
        ServerHttp2Stream? kept = null;
        var opened = Signal();
        using var fixture = StartStreams((stream, _, _) =>
        {
            kept = stream;
            opened.SetResult();
        });
        var refused = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get()));
            await opened.Task;
            var errors = new List<Exception?>
            {
                Record.Exception(() => kept!.Respond()),
                Record.Exception(() => kept!.Write("x")),
                Record.Exception(() => kept!.Close()),
                Record.Exception(() => kept!.Pause()),
                Record.Exception(() => kept!.Data += (_, _) => { }),
                Record.Exception(() => _ = kept!.Session),
            };
            fixture.Loop.Post(() => kept!.End("ok"));
            await wire.ReadResponseAsync(1);
            return errors;
        });
        Assert.All(refused, e => Assert.IsType<InvalidOperationException>(e));
    }

    // doc/api/http2.md http2stream.destroy(error): RST_STREAM INTERNAL_ERROR, the error given raised as 'error', then 'close'.
    [Fact]
    public void Destroy_with_an_error_resets_INTERNAL_ERROR_and_raises_that_error()
    {
        var events = new List<string>();
        using var fixture = StartStreams((stream, _, _) =>
        {
            stream.Error += (_, e) => events.Add($"error {e.Message}");
            stream.Closed += s => events.Add($"close {s.RstCode}");
            stream.Respond();
            stream.Destroy(new TimeoutException("mine"));
            stream.Destroy(); // destroyed already: nothing
        });
        var reset = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get()));
            return await wire.ReadErrorAsync(1);
        });
        Assert.Equal((Code.InternalError, false), reset);
        Assert.Equal(["error mine", "close InternalError"], events);
    }

    // kMaybeDestroy's case in Node's core.js: a response ended while nobody reads the request body closes the stream
    // (RST_STREAM NO_ERROR), and the stream is closed, not left waiting for a body nobody takes.
    [Fact]
    public void A_response_ended_before_an_unread_body_resets_NO_ERROR_and_the_stream_closes()
    {
        ServerHttp2Stream? kept = null;
        int closes = 0;
        using var fixture = StartStreams((stream, _, _) =>
        {
            kept = stream;
            stream.Closed += _ => closes++;
            stream.End("early");
        });
        var (body, code) = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, false, Post("/")));
            var response = await wire.ReadResponseAsync(1);
            return (response.Text, (await wire.ReadErrorAsync(1)).Code);
        });
        LoopDriver.RunUntil(fixture.Loop, () => closes > 0);
        Assert.Equal("early", body);
        Assert.Equal(Code.NoError, code);
        Assert.Equal(1, closes);
        Assert.False(kept!.IsAborted);
    }

    // onStreamClose in Node's core.js: a stream reset while paused with its end held drops what it held and closes now.
    [Fact]
    public void A_paused_stream_reset_with_its_end_held_still_closes()
    {
        var events = new List<string>();
        var ended = Signal();
        ServerHttp2Stream? kept = null;
        using var fixture = StartStreams((stream, _, _) =>
        {
            kept = stream;
            stream.Data += (_, _) => events.Add("data");
            stream.Ended += _ => events.Add("end");
            stream.Closed += _ => events.Add("close");
            stream.Pause();
            stream.Respond();
        });
        fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync([.. Headers(1, false, Post("/")), .. Data(1, [1, 2], true)]);
            await wire.WaitForAsync((h, _) => h.Type == T.Headers && h.StreamId == 1);
            await wire.SendAsync(RstStream(1, Code.Cancel));
            await wire.SendAsync(Frame(T.Ping, 0, 0, new byte[8]));
            await wire.WaitForAsync((h, _) => h.Type == T.Ping);
        });
        LoopDriver.RunUntil(fixture.Loop, () => events.Contains("close"));
        Assert.Equal(["close"], events);
        Assert.Equal(Code.Cancel, kept!.RstCode);
    }

    // A throwing 'wantTrailers' handler: its response has ended, so the stream is reset rather than left open forever.
    [Fact]
    public void A_throwing_WantTrailers_handler_resets_the_stream()
    {
        using var fixture = StartStreams((stream, _, _) =>
        {
            stream.WantTrailers += _ => throw new InvalidOperationException("boom");
            stream.Respond(null, new Http2RespondOptions { WaitForTrailers = true });
            stream.End("x");
        });
        fixture.Server.HandlerError += (_, _) => { };
        var code = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get()));
            return (await wire.ReadErrorAsync(1)).Code;
        });
        Assert.Equal(Code.InternalError, code);
    }

    // test-http2-info-headers.js: additionalHeaders sends 1xx blocks before the response; 101, non-1xx and after respond() refused.
    [Fact]
    public void AdditionalHeaders_sends_an_interim_block_first_and_refuses_101_non_1xx_and_after_Respond()
    {
        var errors = new List<string>();
        using var fixture = StartStreams((stream, _, _) =>
        {
            errors.Add(Assert.Throws<ArgumentException>(() => stream.AdditionalHeaders([new(":status", "101")])).Message);
            errors.Add(Assert.Throws<ArgumentOutOfRangeException>(() => stream.AdditionalHeaders([new(":status", "200")])).Message);
            errors.Add(Assert.Throws<ArgumentOutOfRangeException>(() => stream.AdditionalHeaders([new("a", "b")])).Message);
            stream.AdditionalHeaders([new(":status", "103"), new("link", "</a.css>; rel=preload")]);
            stream.Respond();
            errors.Add(Assert.Throws<InvalidOperationException>(() => stream.AdditionalHeaders([new(":status", "100")])).Message);
            stream.End();
        });
        var blocks = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get()));
            var first = await wire.WaitForAsync((h, _) => h.Type == T.Headers && h.StreamId == 1);
            var fields = HpackFields.Create();
            new HpackDecoder().Decode(first!.Value.Payload, ref fields);
            await wire.WaitForAsync((h, _) => h.Type == T.Headers && h.StreamId == 1 && h.Has(Http2FrameFlags.EndStream));
            return fields.Fields.Select(f => (f.Name, f.Value)).ToList();
        });
        Assert.Equal([(":status", "103"), ("link", "</a.css>; rel=preload")], blocks);
        Assert.Collection(errors,
            e => Assert.Contains("ERR_HTTP2_STATUS_101", e),
            e => Assert.Contains("ERR_HTTP2_INVALID_INFO_STATUS", e),
            e => Assert.Contains("ERR_HTTP2_INVALID_INFO_STATUS", e),
            e => Assert.Contains("ERR_HTTP2_HEADERS_AFTER_RESPOND", e));
    }

    // test-http2-trailers.js end to end with Node's own http2 client: its body and trailers reach Data/Trailers/Ended, and
    // the response's trailers (waitForTrailers) reach its 'trailers'.
    [Fact]
    public void Node_http2_client_talks_to_the_stream_API_with_trailers_both_ways()
    {
        const string script = """
            const http2 = require('http2');
            const session = http2.connect('http://127.0.0.1:' + process.argv[1]);
            session.on('error', e => { console.error(e); process.exit(2); });
            const req = session.request({ ':path': '/up', ':method': 'POST' }, { waitForTrailers: true });
            req.on('wantTrailers', () => req.sendTrailers({ 'x-sent': 'abc' }));
            let out = '';
            req.on('response', h => out += h[':status'] + ' ');
            req.setEncoding('utf8');
            req.on('data', d => out += d);
            req.on('trailers', t => out += ' ' + t['x-got']);
            req.on('end', () => { console.log(out); session.close(); });
            req.end('z'.repeat(100000));
            """;
        using var fixture = StartStreams((stream, headers, _) =>
        {
            long length = 0;
            string? trailer = null;
            stream.Data += (_, data) => length += data.Length;
            stream.Trailers += (_, t) => trailer = t["x-sent"];
            stream.WantTrailers += s => s.SendTrailers([new("x-got", $"{length} {trailer}")]);
            stream.Ended += s =>
            {
                s.Respond([new(":status", "202")], new Http2RespondOptions { WaitForTrailers = true });
                s.End("ok");
            };
        });
        string? output = fixture.Run(() => Http2ClientInteropTests.RunTool("node", "-e", script, fixture.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        if (output is null)
            return; // no node
        Assert.Equal("202 ok 100000 abc", output.TrimEnd('\n'));
    }

    // Review: a stream whose response finished while its ended body waits for Resume keeps no hold on the pooled internal
    // stream, which the next stream on the connection takes: resuming it later must not reach that stream (here, its
    // WantTrailers, which the stale one would silence).
    [Fact]
    public void A_finished_stream_waiting_for_Resume_does_not_reach_the_next_stream_through_the_pooled_internals()
    {
        ServerHttp2Stream? first = null, second = null;
        var events = new List<string>();
        var opened = Signal();
        using var fixture = StartStreams((stream, _, _) =>
        {
            if (first is null)
            {
                first = stream;
                stream.Data += (_, data) => events.Add($"data {data.Length}");
                stream.Ended += _ => events.Add("end");
                stream.Closed += _ => events.Add("close 1");
                stream.Pause();
                return;
            }
            second = stream;
            stream.WantTrailers += s => { events.Add("want 3"); s.SendTrailers([new("x-t", "1")]); };
            stream.Respond(null, new Http2RespondOptions { WaitForTrailers = true });
            opened.SetResult();
        });
        var bodies = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync([.. Headers(1, false, Post("/")), .. Data(1, [1, 2], true)]);
            await wire.SendAsync(Frame(T.Ping, 0, 0, new byte[8]));
            await wire.WaitForAsync((h, _) => h.Type == T.Ping);
            fixture.Loop.Post(() => first!.End("one"));
            string one = (await wire.ReadResponseAsync(1)).Text;
            await wire.SendAsync(Frame(T.Ping, 0, 0, new byte[8]));
            await wire.WaitForAsync((h, _) => h.Type == T.Ping);
            await wire.SendAsync(Headers(3, true, Get()));
            await opened.Task;
            fixture.Loop.Post(() =>
            {
                first!.Resume();
                second!.End("three");
            });
            return one + " " + (await wire.ReadResponseAsync(3)).Text;
        });
        Assert.Equal("one three", bodies);
        Assert.Equal(["data 2", "end", "close 1", "want 3"], events);
    }

    // Node's session.destroy() destroys every stream, and stream.destroy() one: a stream whose both sides ended while
    // its body waits for Resume is closed by either (what it held dropped), not left open for good.
    [Theory]
    [InlineData("destroy")]
    [InlineData("connection lost")]
    public void A_finished_stream_waiting_for_Resume_closes_when_destroyed_or_its_connection_is_lost(string how)
    {
        ServerHttp2Stream? kept = null;
        var events = new List<string>();
        using var fixture = StartStreams((stream, _, _) =>
        {
            kept = stream;
            stream.Data += (_, _) => events.Add("data");
            stream.Ended += _ => events.Add("end");
            stream.Aborted += _ => events.Add("aborted");
            stream.Closed += _ => events.Add("close");
            stream.Pause();
        });
        fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync([.. Headers(1, false, Post("/")), .. Data(1, [1, 2], true)]);
            await wire.SendAsync(Frame(T.Ping, 0, 0, new byte[8]));
            await wire.WaitForAsync((h, _) => h.Type == T.Ping);
            fixture.Loop.Post(() => kept!.End("one"));
            await wire.ReadResponseAsync(1);
            await wire.SendAsync(Frame(T.Ping, 0, 0, new byte[8]));
            await wire.WaitForAsync((h, _) => h.Type == T.Ping);
            if (how == "destroy")
                fixture.Loop.Post(() => kept!.Destroy());
            else
                wire.Reset();
        });
        LoopDriver.RunUntil(fixture.Loop, () => events.Contains("close"));
        Assert.Equal(["close"], events);
        Assert.True(kept!.Destroyed);
        Assert.Equal(Code.NoError, kept.RstCode);
    }

    // Node's destroy() inside a 'data' listener: no 'data' follows it, even for bytes held while paused.
    [Fact]
    public void Destroy_inside_Data_while_resuming_held_bytes_raises_no_Data_after_Closed()
    {
        ServerHttp2Stream? kept = null;
        var events = new List<string>();
        using var fixture = StartStreams((stream, _, _) =>
        {
            kept = stream;
            stream.Data += (s, _) => { events.Add("data"); s.Destroy(); };
            stream.Closed += _ => events.Add("close");
            stream.Pause();
        });
        fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync([.. Headers(1, false, Post("/")), .. Data(1, [1], false), .. Data(1, [2], false)]);
            await wire.SendAsync(Frame(T.Ping, 0, 0, new byte[8]));
            await wire.WaitForAsync((h, _) => h.Type == T.Ping);
            fixture.Loop.Post(() => kept!.Resume());
            await wire.ReadErrorAsync(1);
        });
        LoopDriver.RunUntil(fixture.Loop, () => events.Contains("close"));
        Assert.Equal(["data", "close"], events);
    }

    // Node's 'stream' hands each stream its own headers object: one kept past the stream's close still reads that
    // stream's fields, never those of the next stream that reuses the pooled request.
    [Fact]
    public void Headers_kept_past_the_streams_close_keep_its_fields_not_the_next_streams()
    {
        HttpHeaders? kept = null;
        var seen = new List<string?>();
        using var fixture = StartStreams((stream, headers, _) =>
        {
            seen.Add(headers["x-a"]);
            if (kept is null)
                kept = headers;
            else
                seen.Add(kept["x-a"]);
            stream.End();
        });
        fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get("/", ("x-a", "1"))));
            await wire.ReadResponseAsync(1);
            await wire.SendAsync(Frame(T.Ping, 0, 0, new byte[8]));
            await wire.WaitForAsync((h, _) => h.Type == T.Ping);
            await wire.SendAsync(Headers(3, true, Get("/", ("x-a", "2"))));
            await wire.ReadResponseAsync(3);
        });
        Assert.Equal(["1", "2", "1"], seen);
    }

    // As the headers: request trailers kept past the stream's close keep its fields, not the next stream's.
    [Fact]
    public void Trailers_kept_past_the_streams_close_keep_its_fields_not_the_next_streams()
    {
        HttpHeaders? kept = null;
        var seen = new List<string?>();
        using var fixture = StartStreams((stream, _, _) =>
        {
            stream.Trailers += (_, trailers) =>
            {
                seen.Add(trailers["x-t"]);
                if (kept is null)
                    kept = trailers;
                else
                    seen.Add(kept["x-t"]);
            };
            stream.Ended += s => s.End();
        });
        fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync([.. Headers(1, false, Post("/")), .. Headers(1, true, ("x-t", "1"))]);
            await wire.ReadResponseAsync(1);
            await wire.SendAsync(Frame(T.Ping, 0, 0, new byte[8]));
            await wire.WaitForAsync((h, _) => h.Type == T.Ping);
            await wire.SendAsync([.. Headers(3, false, Post("/")), .. Headers(3, true, ("x-t", "2"))]);
            await wire.ReadResponseAsync(3);
        });
        Assert.Equal(["1", "2", "1"], seen);
    }

    // Node's resume() inside a 'data' listener that paused: the bytes still held come before 'end', in order.
    [Fact]
    public void Pause_and_Resume_inside_Data_while_resuming_keeps_the_held_bytes_before_Ended()
    {
        ServerHttp2Stream? kept = null;
        var events = new List<string>();
        using var fixture = StartStreams((stream, _, _) =>
        {
            kept = stream;
            stream.Data += (s, data) =>
            {
                events.Add($"data {data[0]}");
                s.Pause();
                s.Resume();
            };
            stream.Ended += s => { events.Add("end"); s.End(); };
            stream.Pause();
        });
        fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync([.. Headers(1, false, Post("/")), .. Data(1, [1], false), .. Data(1, [2], false), .. Data(1, [3], true)]);
            await wire.SendAsync(Frame(T.Ping, 0, 0, new byte[8]));
            await wire.WaitForAsync((h, _) => h.Type == T.Ping);
            fixture.Loop.Post(() => kept!.Resume());
            await wire.ReadResponseAsync(1);
        });
        Assert.Equal(["data 1", "data 2", "data 3", "end"], events);
    }

    // Node's respond() ends a HEAD stream with its HEADERS; a write() after it is a write after end on the stream
    // ('error' ERR_STREAM_WRITE_AFTER_END), not a failure of the handler.
    [Fact]
    public void Write_to_a_HEAD_stream_is_a_write_after_end_raised_on_the_stream()
    {
        var errors = new List<string>();
        var reported = new List<Exception>();
        bool? written = null;
        using var fixture = StartStreams((stream, _, _) =>
        {
            stream.Error += (_, e) => errors.Add(((Uvnet.Net.NetException)e).Code);
            written = stream.Write("body");
        });
        fixture.Server.HandlerError += (e, _) => reported.Add(e);
        var response = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, [(":method", "HEAD"), (":scheme", "http"), (":path", "/"), (":authority", "localhost")]));
            return await wire.ReadResponseAsync(1);
        });
        Assert.Equal("200", response.Status);
        Assert.Equal("", response.Text);
        Assert.False(written);
        Assert.Equal(["ERR_STREAM_WRITE_AFTER_END"], errors);
        Assert.Empty(reported);
    }

    // Node's destroy() inside a 'trailers' listener: the stream closes and no 'end' follows its 'close'.
    [Fact]
    public void Destroy_inside_Trailers_raises_no_Ended_after_Closed()
    {
        var events = new List<string>();
        using var fixture = StartStreams((stream, _, _) =>
        {
            stream.Trailers += (s, _) => { events.Add("trailers"); s.Destroy(); };
            stream.Ended += _ => events.Add("end");
            stream.Closed += _ => events.Add("close");
        });
        fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync([.. Headers(1, false, Post("/")), .. Data(1, [1], false), .. Headers(1, true, ("x-t", "1"))]);
            await wire.ReadErrorAsync(1);
        });
        LoopDriver.RunUntil(fixture.Loop, () => events.Contains("close"));
        Assert.Equal(["trailers", "close"], events);
    }

    // Node's compatibility handler is a 'stream' listener before the user's: when it destroys the request, the next
    // listener still gets the stream and hears its 'close' (emitted after, on the next tick), once.
    [Fact]
    public void A_stream_destroyed_by_the_Request_handler_still_raises_Closed_to_the_Stream_handler()
    {
        var events = new List<string>();
        using var fixture = ServerFixture.Start((req, _) => req.Destroy());
        fixture.Server.Stream += (stream, _, _) =>
        {
            events.Add($"stream {stream.IsClosed}");
            stream.Closed += _ => events.Add("close");
        };
        fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get()));
            await wire.ReadErrorAsync(1);
            await wire.SendAsync(Frame(T.Ping, 0, 0, new byte[8]));
            await wire.WaitForAsync((h, _) => h.Type == T.Ping);
        });
        LoopDriver.RunUntil(fixture.Loop, () => events.Contains("close"));
        Assert.Equal(["stream True", "close"], events);
    }
}

using System.Buffers.Binary;
using Uvnet.Http.Http2;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;
using static Uvnet.Http.Tests.Http2.Http2Wire;
using Code = Uvnet.Http.Http2.Http2ErrorCode;
using F = Uvnet.Http.Http2.Http2FrameFlags;
using T = Uvnet.Http.Http2.Http2FrameType;

namespace Uvnet.Http.Tests.Http2;

/// <summary>
/// Every case of h2spec 2.6 (summerwind/h2spec: the generic, http2 and hpack groups, 146 cases) as the frames it
/// sends and the outcome it expects, each test named by its group, section and number (h2spec's own numbering:
/// <c>http2/5.1/3</c> is <c>Http2_5_1_3</c>). A stream error is RST_STREAM on the stream; a connection error is GOAWAY
/// (then the close). h2spec also accepts a bare close for most errors; these tests ask for the exact frame and code.
/// </summary>
public class Http2ConformanceTests
{
    private static readonly byte[] PingData = "h2spec\0\0"u8.ToArray();

    /// <summary>Answers "hello" at the end of the request; "/hold" is never answered (its stream stays open).</summary>
    private static void Hello(IncomingMessage req, ServerResponse res)
    {
        if (req.Url == "/hold")
            return;
        req.End += _ => res.End("hello");
    }

    private static T Exchange<T>(Func<Http2Wire, Task<T>> client, HttpServerOptions? options = null)
    {
        using var fixture = ServerFixture.Start(Hello, options);
        return fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            return await client(wire);
        });
    }

    private static byte[] Join(byte[][] frames) => frames.SelectMany(f => f).ToArray();

    private static (Code? Code, bool Connection) Outcome(int stream, params byte[][] frames) => Outcome(null, stream, frames);

    private static (Code? Code, bool Connection) Outcome(HttpServerOptions? options, int stream, params byte[][] frames) =>
        Exchange(async wire =>
        {
            await wire.SendAsync(Join(frames));
            return await wire.ReadErrorAsync(stream);
        }, options);

    private static void ConnectionError(Code expected, params byte[][] frames) =>
        Assert.Equal(((Code?)expected, true), Outcome(0, frames));

    private static void StreamError(Code expected, int stream, params byte[][] frames) =>
        Assert.Equal(((Code?)expected, false), Outcome(stream, frames));

    /// <summary>h2spec's VerifyHeadersFrame: the server answers stream 1 with HEADERS.</summary>
    private static void Answered(params byte[][] frames) => Assert.True(Exchange(async wire =>
    {
        await wire.SendAsync(Join(frames));
        return await wire.WaitForAsync((h, _) => h.Type == T.Headers && h.StreamId == 1) is not null;
    }));

    /// <summary>h2spec's VerifyPingFrameWithAck: after the frames, a PING is answered with its data (the connection lives on).</summary>
    private static void PingAnswered(params byte[][] frames) => Assert.True(Exchange(async wire =>
    {
        await wire.SendAsync([.. Join(frames), .. Frame(T.Ping, 0, 0, PingData)]);
        return await wire.WaitForAsync((h, p) => h.Type == T.Ping && h.Has(F.Ack) && p.SequenceEqual(PingData)) is not null;
    }));

    /// <summary>Sends SETTINGS and waits for its ACK (h2spec's WriteSettings then VerifySettingsFrameWithAck).</summary>
    private static async Task SettleAsync(Http2Wire wire, byte[] settings)
    {
        await wire.SendAsync(settings);
        Assert.NotNull(await wire.WaitForAsync((h, _) => h.Type == T.Settings && h.Has(F.Ack)));
    }

    private static async Task<int> NextDataLengthAsync(Http2Wire wire) =>
        (await wire.WaitForAsync((h, _) => h.Type == T.Data && h.StreamId == 1))?.Header.Length ?? -1;

    private static byte[] Hold(int stream) => Headers(stream, false, Get("/hold"));

    private static byte[] Open(int stream) => Headers(stream, false, Get());

    private static byte[] Request(int stream) => Headers(stream, true, Get());

    private static byte[] Priority(int stream, int dependency, byte weight, bool exclusive = false) =>
        Frame(T.Priority, 0, stream, [.. U32((uint)dependency | (exclusive ? 0x8000_0000u : 0)), weight]);

    private static byte[] Ping(F flags = 0, int stream = 0) => Frame(T.Ping, flags, stream, PingData);

    private static byte[] Settings(params (Http2SettingId Id, uint Value)[] settings)
    {
        var payload = new byte[6 * settings.Length];
        for (int i = 0; i < settings.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(6 * i), (ushort)settings[i].Id);
            BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(6 * i + 2), settings[i].Value);
        }
        return Frame(T.Settings, 0, 0, payload);
    }

    /// <summary>h2spec's DummyHeaders(c, n): x-dummyN fields of 4,000 'x' (its default max header length).</summary>
    private static (string, string)[] Dummy(int count) =>
        Enumerable.Range(0, count).Select(i => ($"x-dummy{i}", new string('x', 4000))).ToArray();

    private static byte[] Continuation(int stream, bool endHeaders, byte[] fragment) =>
        Frame(T.Continuation, endHeaders ? F.EndHeaders : 0, stream, fragment);

    private static byte[] HeadersOf(int stream, F flags, byte[] block) => Frame(T.Headers, flags, stream, block);

    // ---- generic/1: starting HTTP/2 ----

    [Fact]
    public void Generic_1_1_client_preface_is_answered_with_settings() =>
        Assert.True(Exchange(wire => Task.FromResult(wire.ServerSettings.MaxConcurrentStreams == 100)));

    // ---- generic/2: streams and multiplexing ----

    [Fact]
    public void Generic_2_1_priority_on_idle_stream() => PingAnswered(Priority(1, 0, 255));

    [Fact]
    public void Generic_2_2_window_update_on_half_closed_remote_stream() => Assert.True(Exchange(async wire =>
    {
        await SettleAsync(wire, Settings((Http2SettingId.InitialWindowSize, 0)));
        await wire.SendAsync([.. Request(1), .. WindowUpdate(1, 1)]);
        return await NextDataLengthAsync(wire) == 1;
    }));

    [Fact]
    public void Generic_2_3_priority_on_half_closed_remote_stream() => Assert.True(Exchange(async wire =>
    {
        await SettleAsync(wire, Settings((Http2SettingId.InitialWindowSize, 0)));
        await wire.SendAsync([.. Request(1), .. Priority(1, 0, 255), .. WindowUpdate(1, 1)]);
        return await NextDataLengthAsync(wire) == 1;
    }));

    [Fact]
    public void Generic_2_4_rst_stream_on_half_closed_remote_stream() => PingAnswered(Request(1), RstStream(1, Code.Cancel));

    [Fact]
    public void Generic_2_5_priority_on_closed_stream() => Assert.True(Exchange(async wire =>
    {
        await wire.SendAsync(Request(1));
        Assert.NotNull(await wire.WaitForAsync((h, _) => h.StreamId == 1 && h.Has(F.EndStream)));
        await wire.SendAsync([.. Priority(1, 0, 255), .. Ping()]);
        return await wire.WaitForAsync((h, _) => h.Type == T.Ping && h.Has(F.Ack)) is not null;
    }));

    // ---- generic/3: frame definitions ----

    [Fact]
    public void Generic_3_1_1_data() => Answered(Open(1), Data(1, "test"u8.ToArray(), true));

    [Fact]
    public void Generic_3_1_2_multiple_data() => Answered(Open(1), Data(1, "test"u8.ToArray(), false), Data(1, "test"u8.ToArray(), true));

    [Fact]
    public void Generic_3_1_3_data_with_padding() =>
        Answered(Open(1), Frame(T.Data, F.EndStream | F.Padded, 1, [5, .. "test"u8.ToArray(), 0, 0, 0, 0, 0]));

    [Fact]
    public void Generic_3_2_1_headers() => Answered(Request(1));

    [Fact]
    public void Generic_3_2_2_headers_with_padding() =>
        Answered(HeadersOf(1, F.EndHeaders | F.EndStream | F.Padded, [8, .. Block(Get()), .. new byte[8]]));

    [Fact]
    public void Generic_3_2_3_headers_with_priority() =>
        Answered(HeadersOf(1, F.EndHeaders | F.EndStream | F.Priority, [0, 0, 0, 0, 255, .. Block(Get())]));

    [Fact]
    public void Generic_3_3_1_priority_weight_1() => Answered(Priority(1, 0, 0), Request(1));

    [Fact]
    public void Generic_3_3_2_priority_weight_256() => Answered(Priority(1, 0, 255), Request(1));

    [Fact]
    public void Generic_3_3_3_priority_with_dependency() => Answered(Priority(3, 1, 0), Request(1));

    [Fact]
    public void Generic_3_3_4_priority_exclusive() => Answered(Priority(1, 0, 0, exclusive: true), Request(1));

    [Fact]
    public void Generic_3_3_5_priority_for_idle_stream_then_headers_on_lower_id() => Answered(Priority(3, 0, 255), Request(1));

    [Fact]
    public void Generic_3_4_1_rst_stream() => PingAnswered(Open(1), RstStream(1, Code.Cancel));

    [Fact]
    public void Generic_3_5_1_settings_is_acknowledged() =>
        Exchange(async wire => { await SettleAsync(wire, Settings((Http2SettingId.EnablePush, 0))); return true; });

    [Fact]
    public void Generic_3_7_1_ping() => PingAnswered();

    [Fact]
    public void Generic_3_8_1_goaway_from_the_client_leaves_the_connection_usable_for_a_ping() =>
        PingAnswered(Frame(T.GoAway, 0, 0, [.. U32(0), .. U32(0), .. "h2spec"u8.ToArray()]));

    [Fact]
    public void Generic_3_9_1_window_update_on_the_connection() => PingAnswered(WindowUpdate(0, 1));

    [Fact]
    public void Generic_3_9_2_window_update_on_a_stream() => Answered(Request(1), WindowUpdate(1, 1));

    [Fact]
    public void Generic_3_10_1_continuation()
    {
        byte[] block = Block(Get());
        Answered(HeadersOf(1, F.EndStream, block[..5]), Continuation(1, true, block[5..]));
    }

    [Fact]
    public void Generic_3_10_2_multiple_continuations()
    {
        byte[] block = Block(Get());
        Answered(HeadersOf(1, F.EndStream, block[..5]), Continuation(1, false, block[5..10]), Continuation(1, true, block[10..]));
    }

    // ---- generic/4: HTTP message exchanges ----

    [Fact]
    public void Generic_4_1_get() => Answered(Request(1));

    [Fact]
    public void Generic_4_2_head() =>
        Answered(Headers(1, true, (":method", "HEAD"), (":scheme", "http"), (":path", "/"), (":authority", "localhost")));

    [Fact]
    public void Generic_4_3_post() =>
        Answered(Headers(1, false, (":method", "POST"), (":scheme", "http"), (":path", "/"), (":authority", "localhost")),
            Data(1, "test"u8.ToArray(), true));

    [Fact]
    public void Generic_4_4_post_with_trailers() =>
        Answered(Headers(1, false, (":method", "POST"), (":scheme", "http"), (":path", "/"), (":authority", "localhost"), ("trailer", "x-test")),
            Data(1, "test"u8.ToArray(), false), Headers(1, true, ("x-test", "ok")));

    // ---- generic/5: HPACK (each representation appended to the request's block) ----

    [Theory]
    [InlineData("5/1 indexed", "ba")]
    [InlineData("5/2 incremental, indexed name", "4087b505b161cc5a93849c48aca4")]
    [InlineData("5/3 incremental, indexed name, Huffman", "400a757365722d6167656e74066832737065 63")]
    [InlineData("5/4 incremental, new name", "4006782d74657374066832737065 63")]
    [InlineData("5/5 incremental, new name, Huffman", "4085f2b24a84ff849c48aca4")]
    [InlineData("5/6 without indexing, indexed name", "000a757365722d6167656e74066832737065 63")]
    [InlineData("5/7 without indexing, indexed name, Huffman", "0087b505b161cc5a93849c48aca4")]
    [InlineData("5/8 without indexing, new name", "0006782d74657374066832737065 63")]
    [InlineData("5/9 without indexing, new name, Huffman", "0085f2b24a84ff849c48aca4")]
    [InlineData("5/10 never indexed, indexed name", "100a757365722d6167656e74066832737065 63")]
    [InlineData("5/11 never indexed, indexed name, Huffman", "1087b505b161cc5a93849c48aca4")]
    [InlineData("5/12 never indexed, new name", "1085f2b24a84ff849c48aca4")]
    [InlineData("5/13 never indexed, new name, Huffman", "1085f2b24a84ff849c48aca4")]
    public void Generic_5_hpack_representation_is_accepted(string which, string hex)
    {
        _ = which;
        Answered(HeadersOf(1, F.EndHeaders | F.EndStream, [.. Block(Get()), .. Convert.FromHexString(hex.Replace(" ", ""))]));
    }

    [Fact]
    public void Generic_5_14_dynamic_table_size_update() =>
        Answered(HeadersOf(1, F.EndHeaders | F.EndStream, [0x3F, 0x61, .. Block(Get())])); // size 128

    [Fact]
    public void Generic_5_15_multiple_dynamic_table_size_updates() =>
        Answered(HeadersOf(1, F.EndHeaders | F.EndStream, [0x3F, 0x61, 0x3F, 0xE1, 0x1F, .. Block(Get())])); // 128, then 4096

    // ---- http2/3.5: connection preface ----

    [Fact]
    public void Http2_3_5_1_client_preface_is_answered_with_settings() => Generic_1_1_client_preface_is_answered_with_settings();

    [Fact]
    public void Http2_3_5_2_invalid_preface_closes_the_connection()
    {
        // On plaintext the first bytes are not the preface, so the connection is HTTP/1.1, whose parser refuses
        // them (400) and closes: what h2spec accepts ("connection closed"). Over TLS with h2 chosen by ALPN the
        // same bytes are a GOAWAY PROTOCOL_ERROR (Http2TlsTests).
        using var fixture = ServerFixture.Start(Hello);
        string answer = fixture.Exchange("INVALID CONNECTION PREFACE\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400", answer);
    }

    [Fact]
    public void Http2_3_5_2_preface_that_diverges_after_http2_was_chosen_is_a_protocol_error()
    {
        using var fixture = ServerFixture.Start(Hello);
        var outcome = fixture.Run(async () =>
        {
            using var wire = await ConnectAsync(fixture.Port);
            await wire.SendAsync("PRI * HTTP/2.0\r\n"u8.ToArray());
            // The server's SETTINGS: the first bytes chose HTTP/2 (a preface diverging within them is HTTP/1.1's 400).
            Assert.NotNull(await wire.WaitForAsync((h, _) => h.Type == T.Settings));
            await wire.SendAsync("\r\nXX\r\n\r\n"u8.ToArray());
            return await wire.ReadErrorAsync();
        });
        Assert.Equal(((Code?)Code.ProtocolError, true), outcome);
    }

    // ---- http2/4: HTTP frames ----

    [Fact]
    public void Http2_4_1_1_unknown_frame_type_is_ignored() => PingAnswered(Frame((T)0x16, 0, 0, new byte[8]));

    [Fact]
    public void Http2_4_1_2_undefined_flags_are_ignored() => Assert.True(Exchange(async wire =>
    {
        await wire.SendAsync(Frame(T.Ping, (F)0x16, 0, PingData));
        return await wire.WaitForAsync((h, _) => h.Type == T.Ping) is { } ping && ping.Header.Flags == F.Ack;
    }));

    [Fact]
    public void Http2_4_1_3_reserved_bit_is_ignored() => Assert.True(Exchange(async wire =>
    {
        byte[] ping = Frame(T.Ping, (F)0x16, 0, PingData);
        ping[5] |= 0x80;
        await wire.SendAsync(ping);
        return await wire.WaitForAsync((h, _) => h.Type == T.Ping) is not null;
    }));

    [Fact]
    public void Http2_4_2_1_data_of_max_frame_size() => Answered(Open(1), Data(1, new byte[16_384], true));

    [Fact]
    public void Http2_4_2_2_data_larger_than_max_frame_size() =>
        ConnectionError(Code.FrameSizeError, Open(1), Data(1, new byte[16_385], true));

    [Fact]
    public void Http2_4_2_3_headers_larger_than_max_frame_size() =>
        ConnectionError(Code.FrameSizeError, Headers(1, true, [.. Get(), .. Dummy(5)]));

    [Fact]
    public void Http2_4_3_1_invalid_header_block_fragment() =>
        ConnectionError(Code.CompressionError, Frame(T.Headers, F.EndHeaders | F.EndStream, 1, [0x40]));

    [Fact]
    public void Http2_4_3_2_priority_inside_a_header_block() =>
        ConnectionError(Code.ProtocolError, HeadersOf(1, 0, Block(Get())), Priority(1, 0, 255), Continuation(1, true, Block(Dummy(1))));

    [Fact]
    public void Http2_4_3_3_headers_on_another_stream_inside_a_header_block() =>
        ConnectionError(Code.ProtocolError, HeadersOf(1, 0, Block(Get())), Request(3), Continuation(1, true, Block(Dummy(1))));

    // ---- http2/5.1: stream states ----

    [Fact]
    public void Http2_5_1_1_idle_data() => ConnectionError(Code.ProtocolError, Data(1, "test"u8.ToArray(), true));

    [Fact]
    public void Http2_5_1_2_idle_rst_stream() => ConnectionError(Code.ProtocolError, RstStream(1, Code.Cancel));

    [Fact]
    public void Http2_5_1_3_idle_window_update() => ConnectionError(Code.ProtocolError, WindowUpdate(1, 100));

    [Fact]
    public void Http2_5_1_4_idle_continuation() => ConnectionError(Code.ProtocolError, Continuation(1, true, Block(Get())));

    [Fact]
    public void Http2_5_1_5_half_closed_remote_data() =>
        StreamError(Code.StreamClosed, 1, Headers(1, true, Get("/hold")), Data(1, "test"u8.ToArray(), true));

    [Fact]
    public void Http2_5_1_6_half_closed_remote_headers() =>
        StreamError(Code.StreamClosed, 1, Headers(1, true, Get("/hold")), Headers(1, true, Get("/hold")));

    [Fact]
    public void Http2_5_1_7_half_closed_remote_continuation() =>
        ConnectionError(Code.ProtocolError, Headers(1, true, Get("/hold")), Continuation(1, true, Block(Get("/hold"))));

    [Fact]
    public void Http2_5_1_8_closed_data_after_rst_stream() =>
        StreamError(Code.StreamClosed, 1, Hold(1), RstStream(1, Code.Cancel), Data(1, "test"u8.ToArray(), true));

    [Fact]
    public void Http2_5_1_9_closed_headers_after_rst_stream() =>
        ConnectionError(Code.StreamClosed, Hold(1), RstStream(1, Code.Cancel), Headers(1, true, Get()));

    [Fact]
    public void Http2_5_1_10_closed_continuation_after_rst_stream() =>
        ConnectionError(Code.ProtocolError, Hold(1), RstStream(1, Code.Cancel), Continuation(1, true, Block(Dummy(1))));

    [Fact]
    public void Http2_5_1_11_closed_data() => Assert.Equal(((Code?)Code.StreamClosed, false), Exchange(async wire =>
    {
        await wire.SendAsync(Request(1));
        Assert.NotNull(await wire.WaitForAsync((h, _) => h.StreamId == 1 && h.Has(F.EndStream)));
        await wire.SendAsync(Data(1, "test"u8.ToArray(), true));
        return await wire.ReadErrorAsync(1);
    }));

    [Fact]
    public void Http2_5_1_12_closed_headers() => Assert.Equal(((Code?)Code.StreamClosed, true), Exchange(async wire =>
    {
        await wire.SendAsync(Request(1));
        Assert.NotNull(await wire.WaitForAsync((h, _) => h.StreamId == 1 && h.Has(F.EndStream)));
        await wire.SendAsync(Request(1));
        return await wire.ReadErrorAsync();
    }));

    [Fact]
    public void Http2_5_1_13_closed_continuation() => Assert.Equal(((Code?)Code.ProtocolError, true), Exchange(async wire =>
    {
        await wire.SendAsync(Request(1));
        Assert.NotNull(await wire.WaitForAsync((h, _) => h.StreamId == 1 && h.Has(F.EndStream)));
        await wire.SendAsync(Continuation(1, true, Block(Dummy(1))));
        return await wire.ReadErrorAsync();
    }));

    [Fact]
    public void Http2_5_1_1_1_even_stream_identifier() => ConnectionError(Code.ProtocolError, Request(2));

    [Fact]
    public void Http2_5_1_1_2_stream_identifier_smaller_than_before() =>
        ConnectionError(Code.ProtocolError, Request(5), Request(3));

    [Fact]
    public void Http2_5_1_2_1_streams_past_max_concurrent_streams_are_refused() => Assert.Equal(((Code?)Code.RefusedStream, false), Exchange(async wire =>
    {
        // As h2spec: a zero window keeps every answered stream open, then one stream more than advertised.
        await SettleAsync(wire, Settings((Http2SettingId.InitialWindowSize, 0)));
        await wire.SendAsync(Enumerable.Range(0, 101).SelectMany(i => Request(1 + 2 * i)).ToArray());
        return await wire.ReadErrorAsync(201);
    }));

    [Fact]
    public void Http2_5_3_1_1_headers_depending_on_itself() =>
        StreamError(Code.ProtocolError, 1, HeadersOf(1, F.EndHeaders | F.EndStream | F.Priority, [0, 0, 0, 1, 255, .. Block(Get())]));

    [Fact]
    public void Http2_5_3_1_2_priority_depending_on_itself() => StreamError(Code.ProtocolError, 1, Priority(1, 1, 255));

    [Fact]
    public void Http2_5_4_1_1_invalid_ping_closes_the_connection() => Assert.Null(Exchange(async wire =>
    {
        await wire.SendAsync(Ping(stream: 3));
        while (await wire.ReadFrameAsync() is { } frame)
        {
            if (frame.Header.Type is not (T.GoAway or T.Settings or T.WindowUpdate))
                return frame.Header.Type.ToString();
        }
        return null; // closed
    }));

    [Fact]
    public void Http2_5_4_1_2_invalid_ping_gets_goaway() => ConnectionError(Code.ProtocolError, Ping(stream: 3));

    [Fact]
    public void Http2_5_5_1_unknown_extension_frame_is_ignored() => PingAnswered(Frame((T)0x16, 0, 0, new byte[8]));

    [Fact]
    public void Http2_5_5_2_unknown_extension_frame_inside_a_header_block() =>
        ConnectionError(Code.ProtocolError, HeadersOf(1, F.EndStream, Block(Get())), Frame((T)0x16, 0, 0, new byte[8]));

    // ---- http2/6: frame definitions ----

    [Fact]
    public void Http2_6_1_1_data_on_stream_0() => ConnectionError(Code.ProtocolError, Data(0, "test"u8.ToArray(), true));

    [Fact]
    public void Http2_6_1_2_data_on_a_stream_not_open() =>
        StreamError(Code.StreamClosed, 1, Headers(1, true, Get("/hold")), Data(1, "test"u8.ToArray(), true));

    [Fact]
    public void Http2_6_1_3_data_with_invalid_pad_length() =>
        ConnectionError(Code.ProtocolError, Open(1), Frame(T.Data, F.EndStream | F.Padded, 1, [6, .. "test"u8.ToArray()]));

    [Fact]
    public void Http2_6_2_1_headers_without_end_headers_then_priority() => Http2_4_3_2_priority_inside_a_header_block();

    [Fact]
    public void Http2_6_2_2_headers_to_another_stream_inside_a_header_block() => Http2_4_3_3_headers_on_another_stream_inside_a_header_block();

    [Fact]
    public void Http2_6_2_3_headers_on_stream_0() => ConnectionError(Code.ProtocolError, Request(0));

    [Fact]
    public void Http2_6_2_4_headers_with_invalid_pad_length()
    {
        byte[] block = Block(Get());
        ConnectionError(Code.ProtocolError, HeadersOf(1, F.EndHeaders | F.EndStream | F.Padded, [(byte)(block.Length + 2), .. block]));
    }

    [Fact]
    public void Http2_6_3_1_priority_on_stream_0() => ConnectionError(Code.ProtocolError, Priority(0, 1, 255));

    [Fact]
    public void Http2_6_3_2_priority_of_wrong_length() =>
        StreamError(Code.FrameSizeError, 1, Frame(T.Priority, 0, 1, [0, 0, 0, 3]));

    [Fact]
    public void Http2_6_4_1_rst_stream_on_stream_0() => ConnectionError(Code.ProtocolError, RstStream(0, Code.Cancel));

    [Fact]
    public void Http2_6_4_2_rst_stream_on_idle_stream() => ConnectionError(Code.ProtocolError, RstStream(1, Code.Cancel));

    [Fact]
    public void Http2_6_4_3_rst_stream_of_wrong_length() =>
        ConnectionError(Code.FrameSizeError, Hold(1), Frame(T.RstStream, 0, 1, [0, 0, 0, 8, 0]));

    [Fact]
    public void Http2_6_5_1_settings_ack_with_payload() =>
        ConnectionError(Code.FrameSizeError, Setting(Http2SettingId.EnablePush, 0, F.Ack));

    [Fact]
    public void Http2_6_5_2_settings_on_a_stream() =>
        ConnectionError(Code.ProtocolError, Frame(T.Settings, 0, 1, [0, 2, 0, 0, 0, 0]));

    [Fact]
    public void Http2_6_5_3_settings_of_wrong_length() =>
        ConnectionError(Code.FrameSizeError, Frame(T.Settings, 0, 0, [0, 2, 0, 0, 0]));

    [Fact]
    public void Http2_6_5_2_1_enable_push_other_than_0_or_1() => ConnectionError(Code.ProtocolError, Setting(Http2SettingId.EnablePush, 2));

    [Fact]
    public void Http2_6_5_2_2_initial_window_size_too_large() =>
        ConnectionError(Code.FlowControlError, Setting(Http2SettingId.InitialWindowSize, 1u << 31));

    [Fact]
    public void Http2_6_5_2_3_max_frame_size_too_small() => ConnectionError(Code.ProtocolError, Setting(Http2SettingId.MaxFrameSize, 16383));

    [Fact]
    public void Http2_6_5_2_4_max_frame_size_too_large() => ConnectionError(Code.ProtocolError, Setting(Http2SettingId.MaxFrameSize, 1 << 24));

    [Fact]
    public void Http2_6_5_2_5_unknown_setting_is_ignored_and_acknowledged() =>
        Exchange(async wire => { await SettleAsync(wire, Setting((Http2SettingId)0xFF, 1)); return true; });

    [Fact]
    public void Http2_6_5_3_1_last_of_repeated_initial_window_sizes_applies() => Assert.True(Exchange(async wire =>
    {
        await SettleAsync(wire, Settings((Http2SettingId.InitialWindowSize, 100), (Http2SettingId.InitialWindowSize, 1)));
        await wire.SendAsync(Request(1));
        return await NextDataLengthAsync(wire) == 1;
    }));

    [Fact]
    public void Http2_6_5_3_2_settings_is_acknowledged() => Generic_3_5_1_settings_is_acknowledged();

    [Fact]
    public void Http2_6_7_1_ping_is_acknowledged_with_its_data() => PingAnswered();

    [Fact]
    public void Http2_6_7_2_ping_ack_is_not_answered() => Assert.True(Exchange(async wire =>
    {
        await wire.SendAsync([.. Frame(T.Ping, F.Ack, 0, "invalid\0"u8.ToArray()), .. Ping()]);
        var ping = await wire.WaitForAsync((h, _) => h.Type == T.Ping);
        return ping is { } p && p.Header.Has(F.Ack) && p.Payload.SequenceEqual(PingData);
    }));

    [Fact]
    public void Http2_6_7_3_ping_on_a_stream() => ConnectionError(Code.ProtocolError, Ping(stream: 1));

    [Fact]
    public void Http2_6_7_4_ping_of_wrong_length() => ConnectionError(Code.FrameSizeError, Frame(T.Ping, 0, 0, new byte[6]));

    [Fact]
    public void Http2_6_8_1_goaway_on_a_stream() => ConnectionError(Code.ProtocolError, Frame(T.GoAway, 0, 1, new byte[8]));

    [Fact]
    public void Http2_6_9_1_window_update_of_0_on_the_connection() => ConnectionError(Code.ProtocolError, WindowUpdate(0, 0));

    [Fact]
    public void Http2_6_9_2_window_update_of_0_on_a_stream() => StreamError(Code.ProtocolError, 1, Hold(1), WindowUpdate(1, 0));

    [Fact]
    public void Http2_6_9_3_window_update_of_wrong_length() => ConnectionError(Code.FrameSizeError, Frame(T.WindowUpdate, 0, 0, [0, 0, 1]));

    [Fact]
    public void Http2_6_9_1_1_initial_window_of_1_sends_one_byte() => Assert.True(Exchange(async wire =>
    {
        await SettleAsync(wire, Settings((Http2SettingId.InitialWindowSize, 1)));
        await wire.SendAsync(Request(1));
        return await NextDataLengthAsync(wire) == 1;
    }));

    [Fact]
    public void Http2_6_9_1_2_connection_window_past_2_31_minus_1() =>
        ConnectionError(Code.FlowControlError, WindowUpdate(0, int.MaxValue), WindowUpdate(0, int.MaxValue));

    [Fact]
    public void Http2_6_9_1_3_stream_window_past_2_31_minus_1() =>
        StreamError(Code.FlowControlError, 1, Open(1), WindowUpdate(1, int.MaxValue), WindowUpdate(1, int.MaxValue));

    [Fact]
    public void Http2_6_9_2_1_initial_window_size_change_applies_to_open_streams() => Assert.True(Exchange(async wire =>
    {
        await SettleAsync(wire, Settings((Http2SettingId.InitialWindowSize, 0)));
        await wire.SendAsync([.. Request(1), .. Settings((Http2SettingId.InitialWindowSize, 1))]);
        return await NextDataLengthAsync(wire) == 1;
    }));

    [Fact]
    public void Http2_6_9_2_2_negative_window_is_tracked() => Assert.True(Exchange(async wire =>
    {
        await SettleAsync(wire, Settings((Http2SettingId.InitialWindowSize, 3)));
        await wire.SendAsync(Request(1));
        Assert.Equal(3, await NextDataLengthAsync(wire));
        await SettleAsync(wire, Settings((Http2SettingId.InitialWindowSize, 2))); // the window is now -1
        await wire.SendAsync(WindowUpdate(1, 2));
        return await NextDataLengthAsync(wire) == 1;
    }));

    [Fact]
    public void Http2_6_9_2_3_initial_window_size_above_the_maximum() =>
        ConnectionError(Code.FlowControlError, Setting(Http2SettingId.InitialWindowSize, 2147483648));

    [Fact]
    public void Http2_6_9_2_initial_window_size_change_overflowing_an_open_stream() =>
        ConnectionError(Code.FlowControlError, Hold(1), WindowUpdate(1, int.MaxValue - 65_535), Setting(Http2SettingId.InitialWindowSize, int.MaxValue));

    [Fact]
    public void Http2_6_10_1_multiple_continuations() =>
        Answered(HeadersOf(1, F.EndStream, Block(Get())), Continuation(1, false, Block(Dummy(1))), Continuation(1, true, Block(("x-dummy1", new string('x', 4000)))));

    [Fact]
    public void Http2_6_10_2_continuation_followed_by_another_frame() =>
        ConnectionError(Code.ProtocolError, HeadersOf(1, 0, Block(Get())), Continuation(1, false, Block(Dummy(1))), Data(1, "test"u8.ToArray(), true));

    [Fact]
    public void Http2_6_10_3_continuation_on_stream_0() =>
        ConnectionError(Code.ProtocolError, HeadersOf(1, F.EndStream, Block(Get())), Continuation(0, true, Block(Dummy(1))));

    [Fact]
    public void Http2_6_10_4_continuation_after_end_headers() =>
        ConnectionError(Code.ProtocolError, Request(1), Continuation(1, true, Block(Dummy(1))));

    [Fact]
    public void Http2_6_10_5_continuation_after_a_continuation_with_end_headers() =>
        ConnectionError(Code.ProtocolError, HeadersOf(1, F.EndStream, Block(Get())), Continuation(1, true, Block(Dummy(1))),
            Continuation(1, true, Block(Dummy(1))));

    [Fact]
    public void Http2_6_10_6_continuation_after_data() =>
        ConnectionError(Code.ProtocolError, Open(1), Data(1, "test"u8.ToArray(), true), Continuation(1, false, Block(Dummy(1))),
            Continuation(0, true, Block(Dummy(1))));

    // ---- http2/7: error codes ----

    [Fact]
    public void Http2_7_1_goaway_with_unknown_error_code() => PingAnswered(Frame(T.GoAway, 0, 0, [.. U32(0), .. U32(0xFF)]));

    [Fact]
    public void Http2_7_2_rst_stream_with_unknown_error_code() => PingAnswered(Hold(1), RstStream(1, (Code)0xFF));

    // ---- http2/8: HTTP message exchanges ----

    [Fact]
    public void Http2_8_1_1_second_headers_without_end_stream() =>
        StreamError(Code.ProtocolError, 1, Hold(1), Headers(1, false, Get("/hold")));

    [Theory]
    [InlineData("8.1.2/1 uppercase field name", "X-Test", "ok")]
    [InlineData("8.1.2.1/1 unknown pseudo-header", ":test", "ok")]
    [InlineData("8.1.2.1/2 response pseudo-header in a request", ":status", "200")]
    [InlineData("8.1.2.2/1 connection-specific field", "connection", "keep-alive")]
    [InlineData("8.1.2.2/2 TE other than trailers", "te", "trailers, deflate")]
    [InlineData("RFC 9113 8.2.2 keep-alive", "keep-alive", "timeout=5")]
    [InlineData("RFC 9113 8.2.2 proxy-connection", "proxy-connection", "close")]
    [InlineData("RFC 9113 8.2.2 transfer-encoding", "transfer-encoding", "chunked")]
    [InlineData("RFC 9113 8.2.2 upgrade", "upgrade", "h2c")]
    [InlineData("RFC 9113 8.2.1 CR LF in a value (smuggling through an HTTP/1.1 hop)", "x-a", "1\r\nx-b: 2")]
    [InlineData("RFC 9113 8.2.1 NUL in a value", "x-a", "1\u0000")]
    [InlineData("RFC 9113 8.2.1 leading whitespace", "x-a", " 1")]
    [InlineData("RFC 9113 8.2.1 trailing whitespace", "x-a", "1\t")]
    [InlineData("RFC 9113 8.3.1 Host other than :authority", "host", "evil.example")]
    [InlineData("RFC 9113 8.1.1 content-length with no DATA", "content-length", "5")]
    public void Http2_8_1_2_malformed_field_is_a_stream_protocol_error(string because, string name, string value)
    {
        _ = because;
        StreamError(Code.ProtocolError, 1, Headers(1, true, Get("/", (name, value))));
    }

    [Fact]
    public void Http2_8_1_2_1_3_pseudo_header_in_trailers() =>
        StreamError(Code.ProtocolError, 1, Open(1), Data(1, "test"u8.ToArray(), false), Headers(1, true, (":method", "POST")));

    [Theory]
    [InlineData("8.1.2.1/4 pseudo-header after a regular field")]
    [InlineData("8.1.2.3/1 empty :path")]
    [InlineData("8.1.2.3/2 no :method")]
    [InlineData("8.1.2.3/3 no :scheme")]
    [InlineData("8.1.2.3/4 no :path")]
    [InlineData("8.1.2.3/5 :method twice")]
    [InlineData("8.1.2.3/6 :scheme twice")]
    [InlineData("8.1.2.3/7 :path twice")]
    public void Http2_8_1_2_3_pseudo_header_rules(string which)
    {
        (string, string)[] fields = which[..9] switch
        {
            "8.1.2.1/4" => [(":method", "GET"), (":scheme", "http"), (":path", "/"), ("x-test", "ok"), (":authority", "localhost")],
            "8.1.2.3/1" => [(":method", "GET"), (":scheme", "http"), (":path", ""), (":authority", "localhost")],
            "8.1.2.3/2" => [(":scheme", "http"), (":path", "/"), (":authority", "localhost")],
            "8.1.2.3/3" => [(":method", "GET"), (":path", "/"), (":authority", "localhost")],
            "8.1.2.3/4" => [(":method", "GET"), (":scheme", "http"), (":authority", "localhost")],
            "8.1.2.3/5" => [(":method", "GET"), (":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "localhost")],
            "8.1.2.3/6" => [(":method", "GET"), (":scheme", "http"), (":scheme", "http"), (":path", "/"), (":authority", "localhost")],
            _ => [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":path", "/"), (":authority", "localhost")],
        };
        StreamError(Code.ProtocolError, 1, Headers(1, true, fields));
    }

    [Fact]
    public void Http2_8_1_2_6_1_content_length_other_than_the_data() =>
        StreamError(Code.ProtocolError, 1, Headers(1, false, [.. Get(), ("content-length", "1")]), Data(1, "test"u8.ToArray(), true));

    [Fact]
    public void Http2_8_1_2_6_2_content_length_other_than_the_sum_of_the_data() =>
        StreamError(Code.ProtocolError, 1, Headers(1, false, [.. Get(), ("content-length", "1")]),
            Data(1, "test"u8.ToArray(), false), Data(1, "test"u8.ToArray(), true));

    [Fact]
    public void Http2_8_2_1_push_promise_from_a_client() =>
        ConnectionError(Code.ProtocolError, Frame(T.PushPromise, F.EndHeaders, 1, [0, 0, 0, 2, .. Block(Get())]));

    // ---- hpack ----

    [Fact]
    public void Hpack_2_3_3_1_indexed_field_past_the_tables() =>
        ConnectionError(Code.CompressionError, HeadersOf(1, F.EndHeaders | F.EndStream, [.. Block(Get()), 0xC6]));

    [Fact]
    public void Hpack_2_3_3_2_literal_with_a_name_index_past_the_tables() =>
        ConnectionError(Code.CompressionError, HeadersOf(1, F.EndHeaders | F.EndStream, [.. Block(Get()), 0x7F, 0x07, 0x00]));

    [Fact]
    public void Hpack_4_2_1_table_size_update_at_the_end_of_a_block() =>
        ConnectionError(Code.CompressionError, HeadersOf(1, F.EndHeaders | F.EndStream, [.. Block(Get()), 0x21]));

    [Theory]
    [InlineData("5.2/1 padding longer than 7 bits", "0085f2b24a84ff84 49509fff")]
    [InlineData("5.2/2 padded by zeros", "0085f2b24a84ff83 495090")]
    [InlineData("5.2/3 the EOS symbol", "0085f2b24a84ff87 4951fffffffa7f")]
    public void Hpack_5_2_bad_huffman_string_is_a_compression_error(string which, string hex)
    {
        _ = which;
        ConnectionError(Code.CompressionError, HeadersOf(1, F.EndHeaders | F.EndStream, [.. Block(Get()), .. Convert.FromHexString(hex.Replace(" ", ""))]));
    }

    [Fact]
    public void Hpack_6_1_1_index_0() =>
        ConnectionError(Code.CompressionError, HeadersOf(1, F.EndHeaders | F.EndStream, [.. Block(Get()), 0x80]));

    [Fact]
    public void Hpack_6_3_1_table_size_update_above_the_setting() =>
        ConnectionError(Code.CompressionError, HeadersOf(1, F.EndHeaders | F.EndStream, [0x3F, 0xE2, 0x1F, .. Block(Get())])); // 4097

    // ---- beyond h2spec ----

    [Fact]
    public void A_table_entry_that_replaced_an_evicted_one_is_checked_by_its_own_bytes()
    {
        // The server remembers what a dynamic table entry's field is once checked, so that later references skip
        // the checks: x-a: 1 enters the table (index 62) on stream 1 and is referred to on stream 3. Stream 5's
        // block empties the table (size 0, then 4096 again) and inserts x-a: "1 " (trailing whitespace, malformed)
        // as the new index 62; stream 7 refers to it, and must be refused as stream 5 was.
        byte[] literalIndexed(string value) => [0x40, 3, .. "x-a"u8, (byte)value.Length, .. System.Text.Encoding.Latin1.GetBytes(value)];
        const F Flags = F.EndHeaders | F.EndStream;
        var outcomes = Exchange(async wire =>
        {
            await wire.SendAsync(HeadersOf(1, Flags, [.. Block(Get()), .. literalIndexed("1")]));
            string? first = (await wire.ReadResponseAsync(1)).Status;
            await wire.SendAsync(HeadersOf(3, Flags, [.. Block(Get()), 0xBE]));
            string? second = (await wire.ReadResponseAsync(3)).Status;
            await wire.SendAsync(HeadersOf(5, Flags, [0x20, 0x3F, 0xE1, 0x1F, .. Block(Get()), .. literalIndexed("1 ")]));
            var third = await wire.ReadErrorAsync(5);
            await wire.SendAsync(HeadersOf(7, Flags, [.. Block(Get()), 0xBE]));
            return (first, second, third, await wire.ReadErrorAsync(7));
        });
        Assert.Equal(("200", "200", ((Code?)Code.ProtocolError, false), ((Code?)Code.ProtocolError, false)), outcomes);
    }

    [Fact]
    public void A_malformed_literal_path_sent_again_in_the_same_octets_is_refused_again()
    {
        // The decoder keeps the last literal not indexed with a static name (nghttp2's :path), and the handler's memo
        // with it: a :path that failed its checks must leave no memo behind, so the same octets are refused again;
        // then a good path in another literal is served.
        byte[] block(string path) => [0x82, 0x86, 0x04, (byte)path.Length, .. System.Text.Encoding.Latin1.GetBytes(path)];
        const F Flags = F.EndHeaders | F.EndStream;
        var outcomes = Exchange(async wire =>
        {
            await wire.SendAsync(HeadersOf(1, Flags, block("/a b")));
            var first = await wire.ReadErrorAsync(1);
            await wire.SendAsync(HeadersOf(3, Flags, block("/a b")));
            var second = await wire.ReadErrorAsync(3);
            await wire.SendAsync(HeadersOf(5, Flags, block("/")));
            return (first, second, (await wire.ReadResponseAsync(5)).Status);
        });
        Assert.Equal((((Code?)Code.ProtocolError, false), ((Code?)Code.ProtocolError, false), "200"), outcomes);
    }

    [Fact]
    public void Malformed_stream_is_reset_and_the_next_stream_on_the_connection_is_served()
    {
        var (error, response) = Exchange(async wire =>
        {
            await wire.SendAsync([.. Headers(1, true, Get("/", ("X-Upper", "v"))), .. Headers(3, true, Get("/ok"))]);
            var error = await wire.ReadErrorAsync(1);
            return (error, await wire.ReadResponseAsync(3));
        });
        Assert.Equal(((Code?)Code.ProtocolError, false), error);
        Assert.Equal("200", response.Status);
        Assert.Equal("hello", response.Text);
    }
}

using Uvnet.Http.Http2;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;
using static Uvnet.Http.Tests.Http2.Http2Wire;
using F = Uvnet.Http.Http2.Http2FrameFlags;
using T = Uvnet.Http.Http2.Http2FrameType;

namespace Uvnet.Http.Tests.Http2;

/// <summary>Response heads indexed in the connection's HPACK dynamic table, as the client's decoder sees them.</summary>
public class Http2HpackIndexingTests
{
    private const string LongValue = "a-value-long-enough-to-show-in-the-block-length";

    private static void AnswerWithLongField(IncomingMessage request, ServerResponse response)
    {
        response.SetHeader("X-App", LongValue);
        response.End("ok");
    }

    private static Task<(Http2FrameHeader Header, byte[] Payload)?> NextHeadersAsync(Http2Wire wire, int streamId) =>
        wire.WaitForAsync((h, _) => h.Type == T.Headers && h.StreamId == streamId);

    [Fact]
    public void A_second_response_on_a_connection_sends_its_repeated_fields_as_dynamic_table_indexes()
    {
        using var fixture = ServerFixture.Start(AnswerWithLongField);
        var (first, second, secondResponse) = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get()));
            var first = (await wire.ReadResponseAsync(1)).Head;
            await wire.SendAsync(Headers(3, true, Get()));
            var response = await wire.ReadResponseAsync(3);
            return (first, response.Head, response);
        });
        Assert.Equal(LongValue, secondResponse.Field("x-app"));
        Assert.Equal(first.Where(f => f.Name != "date"), second.Where(f => f.Name != "date"));
    }

    [Fact]
    public void The_second_head_is_shorter_by_the_fields_the_first_indexed()
    {
        using var fixture = ServerFixture.Start(AnswerWithLongField);
        var (first, second) = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get()));
            var first = await NextHeadersAsync(wire, 1);
            await wire.SendAsync(Headers(3, true, Get()));
            var second = await NextHeadersAsync(wire, 3);
            return (first!.Value.Payload.Length, second!.Value.Payload.Length);
        });
        // x-app's literal alone takes more than its value's Huffman code; indexed it is one octet.
        Assert.True(second < first - LongValue.Length / 2, $"first head {first} octets, second {second}");
    }

    [Fact]
    public void A_client_with_SETTINGS_HEADER_TABLE_SIZE_0_gets_a_size_update_and_nothing_indexed()
    {
        using var fixture = ServerFixture.Start(AnswerWithLongField);
        var (firstByte, fields) = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port, settings: Setting(Http2SettingId.HeaderTableSize, 0));
            await wire.SendAsync(Headers(1, true, Get()));
            var head = await NextHeadersAsync(wire, 1);
            var decoder = new HpackDecoder(headerTableSize: 0);
            var fields = HpackFields.Create();
            Assert.Equal(HpackError.None, decoder.Decode(head!.Value.Payload, ref fields));
            return (head.Value.Payload[0], fields.Fields);
        });
        Assert.Equal(0x20, firstByte);
        Assert.Contains(("x-app", LongValue, false), fields);
    }

    [Fact]
    public void A_head_written_after_the_client_reset_its_stream_is_not_encoded_and_later_heads_decode()
    {
        // The encoder's table follows the client's only through blocks that are sent: a head for a reset stream
        // must not index anything, or the next response would name entries the client never saw.
        ServerResponse? held = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.SetHeader("X-App", req.Url == "/held" ? "held-" + LongValue : LongValue);
            if (req.Url == "/held")
                held = res;
            else
                res.End("ok");
        });
        var response = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get("/held")));
            await wire.SendAsync(RstStream(1, Http2ErrorCode.Cancel));
            await wire.SendAsync(Frame(T.Ping, 0, 0, new byte[8]));
            await wire.WaitForAsync((h, _) => h.Type == T.Ping && h.Has(F.Ack));
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            fixture.Loop.Post(() =>
            {
                held!.WriteHead(200);
                done.SetResult();
            });
            await done.Task;
            await wire.SendAsync(Headers(3, true, Get()));
            return await wire.ReadResponseAsync(3);
        });
        Assert.Equal(LongValue, response.Field("x-app"));
        Assert.Equal("ok", response.Text);
    }

    [Fact]
    public void A_server_header_longer_than_the_encode_scratch_is_sent_not_dropped()
    {
        // The block's size estimate counted the handler's fields only: the Server, Date and Content-Length the server
        // adds had a fixed 128 octets, so a long ServerHeader found no room and went out as nothing (HTTP/1.1 sends it).
        string serverName = "uvnet/" + new string('s', 10_000);
        using var fixture = ServerFixture.Start((req, res) => res.End("ok"), new HttpServerOptions { ServerHeader = serverName });
        var response = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get()));
            return await wire.ReadResponseAsync(1);
        });
        Assert.Equal(serverName, response.Field("server"));
        Assert.Equal("2", response.Field("content-length"));
        Assert.NotNull(response.Field("date"));
    }
}

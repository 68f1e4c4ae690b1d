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
/// The known HTTP/2 attacks, each against one connection while another (the bystander, opened first) stays served:
/// the offender gets the error named and the close, the bystander its response after it.
/// </summary>
public class Http2DefenceTests
{
    private int _handled;

    /// <summary>Answers "hello" at the end of the request; "/hold" is never answered.</summary>
    private void Hello(IncomingMessage req, ServerResponse res)
    {
        _handled++;
        if (req.Url == "/hold")
            return;
        req.End += _ => res.End("hello");
    }

    /// <summary>
    /// Opens the bystander, runs <paramref name="attack"/> on a second connection, then has the bystander served;
    /// returns what the attack read back. The keep-alive timeout is off: the bystander has no stream while the attack
    /// runs, and a long attack on a loaded machine (hundreds of round trips) outlasts the default 5 s, whose GOAWAY
    /// would leave the bystander unserved.
    /// </summary>
    private T Attack<T>(Func<Http2Wire, Task<T>> attack, HttpServerOptions? options = null)
    {
        using var fixture = ServerFixture.Start(Hello, (options ?? new HttpServerOptions()) with { KeepAliveTimeout = 0 });
        var (outcome, served) = fixture.Run(async () =>
        {
            using var bystander = await OpenAsync(fixture.Port);
            T outcome;
            using (var offender = await OpenAsync(fixture.Port))
                outcome = await attack(offender);
            await bystander.SendAsync(Headers(1, true, Get("/after")));
            return (outcome, (await bystander.ReadResponseAsync(1)).Text);
        });
        Assert.Equal("hello", served);
        return outcome;
    }

    private (Code? Code, bool Connection) ConnectionErrorAfter(byte[] frames, HttpServerOptions? options = null) =>
        Attack(async wire =>
        {
            await wire.SendAsync(frames);
            return await wire.ReadErrorAsync();
        }, options);

    [Fact]
    public void Rapid_reset_CVE_2023_44487_is_goaway_enhance_your_calm_and_bounds_the_handler_calls()
    {
        // Each stream opened and cancelled at once: the server starts work the client never waits for.
        var frames = Enumerable.Range(0, 2 * Http2Connection.MaxResetsPerWindow)
            .SelectMany(i => (byte[])[.. Headers(1 + 2 * i, false, Get("/hold")), .. RstStream(1 + 2 * i, Code.Cancel)]).ToArray();
        Assert.Equal(((Code?)Code.EnhanceYourCalm, true), ConnectionErrorAfter(frames));
        Assert.InRange(_handled, Http2Connection.MaxResetsPerWindow, Http2Connection.MaxResetsPerWindow + 2); // +1 bystander
    }

    [Fact]
    public void Resets_of_finished_streams_do_not_count_as_rapid_reset() => Assert.Equal("hello", Attack(async wire =>
    {
        // A browser cancelling what it already has is not an attack: 3x the bound of answered streams, each reset.
        for (int i = 0; i < 3 * Http2Connection.MaxResetsPerWindow; i++)
        {
            int id = 1 + 2 * i;
            await wire.SendAsync(Headers(id, true, Get()));
            Assert.Equal("hello", (await wire.ReadResponseAsync(id)).Text);
            await wire.SendAsync(RstStream(id, Code.Cancel));
        }
        await wire.SendAsync(Headers(6001, true, Get()));
        return (await wire.ReadResponseAsync(6001)).Text;
    }));

    [Fact]
    public void Continuation_flood_CVE_2024_27316_of_empty_frames_is_enhance_your_calm()
    {
        var frames = Frame(T.Headers, F.EndStream, 1, Block(Get()))
            .Concat(Enumerable.Range(0, 10_000).SelectMany(_ => Frame(T.Continuation, 0, 1, []))).ToArray();
        Assert.Equal(((Code?)Code.EnhanceYourCalm, true), ConnectionErrorAfter(frames));
    }

    [Fact]
    public void Continuation_flood_past_the_field_block_bound_is_enhance_your_calm()
    {
        // Under the frame-count bound, over the bytes: nothing of the block is decoded before it is whole.
        var frames = Frame(T.Headers, F.EndStream, 1, Block(Get()))
            .Concat(Enumerable.Range(0, 5).SelectMany(_ => Frame(T.Continuation, 0, 1, new byte[16_000]))).ToArray();
        Assert.Equal(((Code?)Code.EnhanceYourCalm, true), ConnectionErrorAfter(frames));
    }

    [Fact]
    public void Hpack_bomb_of_one_large_entry_indexed_many_times_gets_431_and_the_connection_serves_on()
    {
        var (status, next) = Attack(async wire =>
        {
            // 4,000 octets into the dynamic table once (literal with incremental indexing, a new name), then 1-octet
            // references to it (index 62) that would decode to 400 KB: stopped at the header list bound.
            byte[] insert = [0x40, .. Block(("x-bomb", new string('b', 4000)))[1..]];
            byte[] block = [.. Block(Get()), .. insert, .. Enumerable.Repeat((byte)0xBE, 100)];
            await wire.SendAsync(Frame(T.Headers, F.EndHeaders | F.EndStream, 1, block));
            string status = (await wire.ReadResponseAsync(1)).Status;
            // The table stayed in step: the entry is still index 62, and a request using it once is served.
            await wire.SendAsync(Frame(T.Headers, F.EndHeaders | F.EndStream, 3, [.. Block(Get()), 0xBE]));
            return (status, (await wire.ReadResponseAsync(3)).Text);
        });
        Assert.Equal("431", status);
        Assert.Equal("hello", next);
    }

    [Fact]
    public void Settings_flood_is_enhance_your_calm() =>
        Assert.Equal(((Code?)Code.EnhanceYourCalm, true),
            ConnectionErrorAfter(Enumerable.Range(0, Http2Connection.MaxControlFramesPerWindow + 1).SelectMany(_ => Frame(T.Settings, 0, 0, [])).ToArray()));

    [Fact]
    public void Ping_flood_is_enhance_your_calm() =>
        Assert.Equal(((Code?)Code.EnhanceYourCalm, true),
            ConnectionErrorAfter(Enumerable.Range(0, Http2Connection.MaxControlFramesPerWindow + 1).SelectMany(_ => Frame(T.Ping, 0, 0, new byte[8])).ToArray()));

    [Fact]
    public void Zero_window_stall_resets_the_stream_after_the_send_timeout_and_counts_it()
    {
        var options = new HttpServerOptions { SendTimeout = 200, ConnectionsCheckingInterval = 50 };
        using var fixture = ServerFixture.Start(Hello, options);
        var (error, next) = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port, settings: Setting(Http2SettingId.InitialWindowSize, 0));
            await wire.SendAsync(Headers(1, true, Get()));
            var error = await wire.ReadErrorAsync(1);
            // The connection goes on: a stream opened with window is served.
            await wire.SendAsync([.. Setting(Http2SettingId.InitialWindowSize, 65_535), .. Headers(3, true, Get())]);
            return (error, (await wire.ReadResponseAsync(3)).Text);
        });
        Assert.Equal(((Code?)Code.Cancel, false), error);
        Assert.Equal("hello", next);
        Assert.Equal(1, fixture.Server.SendTimeouts);
    }

    [Fact]
    public void Stream_id_exhaustion_serves_the_last_id_then_goaway_no_error()
    {
        var (body, lastStreamId, code) = Attack(async wire =>
        {
            await wire.SendAsync(Headers(int.MaxValue, true, Get()));
            string body = "";
            int lastStreamId = -1;
            Code? code = null;
            while (await wire.ReadFrameAsync() is { } frame)
            {
                if (frame.Header.Type == T.Data && frame.Header.StreamId == int.MaxValue)
                    body += System.Text.Encoding.ASCII.GetString(frame.Payload);
                if (frame.Header.Type == T.GoAway)
                {
                    lastStreamId = BinaryPrimitives.ReadInt32BigEndian(frame.Payload);
                    code = (Code)BinaryPrimitives.ReadUInt32BigEndian(frame.Payload.AsSpan(4));
                }
            }
            return (body, lastStreamId, code);
        });
        Assert.Equal("hello", body);
        Assert.Equal(int.MaxValue, lastStreamId);
        Assert.Equal(Code.NoError, code);
    }
}

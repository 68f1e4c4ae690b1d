using Uvnet.Http.Http2;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;
using static Uvnet.Http.Tests.Http2.Http2Wire;
using Code = Uvnet.Http.Http2.Http2ErrorCode;
using F = Uvnet.Http.Http2.Http2FrameFlags;
using T = Uvnet.Http.Http2.Http2FrameType;

namespace Uvnet.Http.Tests.Http2;

/// <summary>What a review of the HTTP/2 server found: frames in flight after our resets, calls after a reset, calls from other threads.</summary>
public class Http2ReviewTests
{
    private static readonly byte[] PingData = [1, 2, 3, 4, 5, 6, 7, 8];

    /// <summary>The frames read up to the PING's ACK (RFC 9113 §5.1: after our RST_STREAM, frames in flight on the stream are ignored).</summary>
    private static async Task<List<(Http2FrameHeader Header, byte[] Payload)>> UntilPingAckAsync(Http2Wire wire)
    {
        await wire.SendAsync(Frame(T.Ping, 0, 0, PingData));
        var frames = new List<(Http2FrameHeader, byte[])>();
        while (await wire.ReadFrameAsync() is { } frame)
        {
            if (frame.Header.Type == T.Ping && frame.Header.Has(F.Ack))
                return frames;
            frames.Add(frame);
        }
        throw new InvalidOperationException("closed");
    }

    [Fact]
    public void Data_in_flight_after_our_RST_STREAM_is_ignored_not_reset_again()
    {
        using var fixture = ServerFixture.Start((_, res) => res.End("unused"));
        var frames = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, false, Post("/", ("X-Upper", "v")))); // malformed: reset PROTOCOL_ERROR
            Assert.Equal(((Code?)Code.ProtocolError, false), await wire.ReadErrorAsync(1));
            await wire.SendAsync([.. Data(1, new byte[100], false), .. Data(1, new byte[100], true)]);
            return await UntilPingAckAsync(wire);
        });
        Assert.DoesNotContain(frames, f => f.Header.Type is T.RstStream or T.GoAway);
    }

    [Fact]
    public void Body_and_trailers_in_flight_after_an_early_answer_do_not_end_the_connection()
    {
        // gRPC-like: the handler answers without reading; the server resets the unread body (NO_ERROR) while the
        // client's DATA and trailers are on their way. They are ignored, and the connection serves on.
        using var fixture = ServerFixture.Start((req, res) => res.End(req.Url));
        var (frames, next) = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, false, Post("/early")));
            Assert.Equal("/early", (await wire.ReadResponseAsync(1)).Text);
            await wire.SendAsync([.. Data(1, new byte[1000], false), .. Headers(1, true, ("grpc-status", "0"))]);
            var frames = await UntilPingAckAsync(wire);
            await wire.SendAsync(Headers(3, true, Get("/next")));
            return (frames, (await wire.ReadResponseAsync(3)).Text);
        });
        Assert.DoesNotContain(frames, f => f.Header.Type == T.GoAway || (f.Header.Type == T.RstStream && f.Header.StreamId == 1 && f.Payload[3] != 0));
        Assert.Equal("/next", next);
    }

    [Fact]
    public void Handler_calls_after_the_client_reset_its_stream_send_nothing_and_the_next_stream_is_served()
    {
        ServerResponse? held = null;
        bool closed = false, finished = false;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url != "/held")
            {
                res.End("next");
                return;
            }
            held = res;
            res.Close += _ => closed = true;
            res.Finish += _ => finished = true;
            res.Write("part");
        });
        var (frames, next) = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get("/held")));
            Assert.NotNull(await wire.WaitForAsync((h, _) => h.Type == T.Data && h.StreamId == 1));
            await wire.SendAsync(RstStream(1, Code.Cancel));
            await UntilPingAckAsync(wire); // the reset was read
            var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            fixture.Loop.Post(() =>
            {
                held!.Write("more");
                held.AddTrailers([new("x-t", "1")]);
                held.End("end");
                ended.SetResult();
            });
            await ended.Task;
            var frames = await UntilPingAckAsync(wire);
            await wire.SendAsync(Headers(3, true, Get("/next")));
            return (frames, (await wire.ReadResponseAsync(3)).Text);
        });
        Assert.DoesNotContain(frames, f => f.Header.StreamId == 1);
        Assert.Equal("next", next);
        Assert.True(closed);
        Assert.False(finished);
    }

    [Fact]
    public void Response_members_called_from_another_thread_throw_and_EndAsync_is_posted()
    {
        Exception? offLoop = null;
        using var fixture = ServerFixture.Start(async (req, res) =>
        {
            await Task.Yield();
            await Task.Run(() => { }).ConfigureAwait(false); // off the loop from here on
            try
            {
                res.Write("x");
            }
            catch (InvalidOperationException e)
            {
                offLoop = e;
            }
            await res.EndAsync("from the pool"u8.ToArray());
        });
        var response = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get()));
            return await wire.ReadResponseAsync(1);
        });
        Assert.NotNull(offLoop);
        Assert.Equal("from the pool", response.Text);
    }

    [Fact]
    public void A_finished_stream_reused_for_the_next_request_is_not_touched_by_its_old_request()
    {
        // The first handler returns before ending its response (so its pair is never reused) and its request is kept;
        // once the stream object serves another request, destroying the old request must not reset the new stream.
        IncomingMessage? old = null;
        ServerResponse? first = null, second = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/first")
                (old, first) = (req, res);
            else
                second = res; // answered below, after the old request's Destroy
        });
        var (firstText, secondText, frames) = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get("/first")));
            await UntilPingAckAsync(wire);
            fixture.Loop.Post(() => first!.End("first"));
            string firstText = (await wire.ReadResponseAsync(1)).Text;
            await UntilPingAckAsync(wire);
            await wire.SendAsync(Headers(3, true, Get("/second")));
            await UntilPingAckAsync(wire);
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            fixture.Loop.Post(() =>
            {
                old!.Destroy();
                second!.End("second");
                done.SetResult();
            });
            await done.Task;
            var response = await wire.ReadResponseAsync(3);
            return (firstText, response.Text, await UntilPingAckAsync(wire));
        });
        Assert.Equal("first", firstText);
        Assert.Equal("second", secondText);
        Assert.DoesNotContain(frames, f => f.Header.Type == T.RstStream);
    }

    [Fact]
    public void Data_past_the_stream_window_is_a_stream_flow_control_error_and_other_streams_flow_on()
    {
        // Nobody reads /hold's body: once 64 KiB of it are held, its window is no longer given back, so the client
        // must stop a window later; the connection's window is given back (another stream's body flows on).
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/hold")
                return;
            long length = 0;
            req.Data += (_, data) => length += data.Length;
            req.End += _ => res.End($"read {length}");
        });
        var (error, other) = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, false, Post("/hold")));
            for (int i = 0; i < 4; i++)
                await wire.SendAsync(Data(1, new byte[16_000], false)); // 64,000: within the window
            await wire.SendAsync([.. Headers(3, false, Post("/read")), .. Data(3, new byte[16_000], false), .. Data(3, new byte[16_000], true)]);
            string other = (await wire.ReadResponseAsync(3)).Text;
            for (int i = 0; i < 12; i++)
                await wire.SendAsync(Data(1, new byte[16_000], false)); // 256,000 in all, ignoring WINDOW_UPDATE: past it
            return (await wire.ReadErrorAsync(1), other);
        });
        Assert.Equal("read 32000", other);
        Assert.Equal(((Code?)Code.FlowControlError, false), error);
    }
}

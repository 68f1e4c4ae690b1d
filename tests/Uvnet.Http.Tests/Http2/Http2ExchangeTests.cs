using System.Buffers.Binary;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;
using static Uvnet.Http.Tests.Http2.Http2Wire;
using Code = Uvnet.Http.Http2.Http2ErrorCode;
using T = Uvnet.Http.Http2.Http2FrameType;

namespace Uvnet.Http.Tests.Http2;

/// <summary>Request and response features over HTTP/2: trailers both ways, 100-continue, and the graceful GOAWAY of a closing server.</summary>
public class Http2ExchangeTests
{
    [Fact]
    public void Request_trailers_arrive_in_req_Trailers_not_in_its_headers()
    {
        string? seen = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            req.Data += (_, _) => { };
            req.End += r => { seen = $"{r.Trailers["x-sum"]} {r.Headers["x-sum"] ?? "none"}"; res.End(); };
        });
        fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync([.. Headers(1, false, Post("/", ("trailer", "x-sum"))), .. Data(1, "abc"u8.ToArray(), false), .. Headers(1, true, ("x-sum", "42"))]);
            await wire.ReadResponseAsync(1);
        });
        Assert.Equal("42 none", seen);
    }

    [Fact]
    public void Response_trailers_follow_the_body_in_a_HEADERS_frame_that_ends_the_stream()
    {
        using var fixture = ServerFixture.Start((_, res) =>
        {
            res.SetHeader("Trailer", "x-checksum");
            res.Write("body");
            res.AddTrailers([new("x-checksum", "abc")]);
            res.End();
        });
        var response = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get()));
            return await wire.ReadResponseAsync(1);
        });
        Assert.Equal("body", response.Text);
        Assert.Equal(2, response.Blocks.Count);
        Assert.Equal([("x-checksum", "abc")], response.Blocks[1]);
    }

    [Fact]
    public void Expect_100_continue_gets_an_interim_100_before_the_final_response()
    {
        using var fixture = ServerFixture.Start((req, res) =>
        {
            long length = 0;
            req.Data += (_, data) => length += data.Length;
            req.End += _ => res.End($"got {length}");
        });
        var response = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, false, Post("/", ("expect", "100-continue"))));
            var interim = await wire.WaitForAsync((h, _) => h.Type == T.Headers && h.StreamId == 1);
            await wire.SendAsync(Data(1, new byte[10], true));
            var rest = await wire.ReadResponseAsync(1);
            return (interim, rest);
        });
        Assert.NotNull(response.interim);
        Assert.Equal("got 10", response.rest.Text);
        // The interim block is :status 100 (its first octet: indexed or literal ":status" with value "100").
        var fields = HpackFields.Create();
        Assert.Equal(Uvnet.Http.Http2.HpackError.None, new Uvnet.Http.Http2.HpackDecoder().Decode(response.interim.Value.Payload, ref fields));
        Assert.Equal([(":status", "100")], fields.Fields.Select(f => (f.Name, f.Value)));
    }

    [Fact]
    public void CheckContinue_handler_decides_instead_of_the_automatic_100()
    {
        using var fixture = ServerFixture.Start((_, res) => res.End("unused"));
        fixture.Server.CheckContinue += (_, res) => { res.StatusCode = 417; res.End(); };
        var response = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, false, Post("/", ("expect", "100-continue"))));
            return await wire.ReadResponseAsync(1);
        });
        Assert.Equal("417", response.Status);
        Assert.Single(response.Blocks);
    }

    [Fact]
    public void Server_Close_sends_goaway_no_error_finishes_the_streams_received_then_ends()
    {
        ServerResponse? held = null;
        var requested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url != "/slow")
            {
                res.End("fast");
                return;
            }
            held = res;
            requested.SetResult();
        });
        var (lastStreamId, code, body, ignored) = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get("/slow")));
            await requested.Task;
            fixture.Loop.Post(() => fixture.Server.Close());
            var goAway = await wire.WaitForAsync((h, _) => h.Type == T.GoAway);
            // A stream the client opens after the GOAWAY is ignored (it retries elsewhere); the one before is answered.
            await wire.SendAsync(Headers(3, true, Get("/fast")));
            fixture.Loop.Post(() => held!.End("slow"));
            string body = "";
            bool ignored = true;
            while (await wire.ReadFrameAsync() is { } frame)
            {
                if (frame.Header.StreamId == 3)
                    ignored = false;
                if (frame.Header.Type == T.Data && frame.Header.StreamId == 1)
                    body += System.Text.Encoding.ASCII.GetString(frame.Payload);
            }
            return (BinaryPrimitives.ReadInt32BigEndian(goAway!.Value.Payload), (Code)BinaryPrimitives.ReadUInt32BigEndian(goAway.Value.Payload.AsSpan(4)), body, ignored);
        });
        Assert.Equal(1, lastStreamId);
        Assert.Equal(Code.NoError, code);
        Assert.Equal("slow", body);
        Assert.True(ignored);
    }
}

using System.Text;
using Uvnet.Http.Http2;
using Uvnet.Http.Tests.Server;
using static Uvnet.Http.Tests.Http2.Http2Wire;

namespace Uvnet.Http.Tests.Http2;

/// <summary>
/// How many request/response pairs the streams of one read take from the server's pools: as with pipelined HTTP/1.1,
/// a response nobody can tell the finish of goes back at once, so the streams take turns with one pair; a response
/// someone watches keeps its pair until the write that carries its end completes.
/// </summary>
public class Http2PairPoolTests
{
    private const int Streams = 16;

    [Fact]
    public void Sixteen_streams_of_one_read_whose_responses_nobody_watches_take_turns_with_one_pair()
    {
        var (requests, responses) = PairsMadeFor(watch: false);
        Assert.Equal(1, requests);
        Assert.Equal(1, responses);
    }

    [Fact]
    public void Streams_whose_responses_are_watched_keep_their_pairs_until_finish()
    {
        // Each pair is held until its response's write completes (after the read that started them all, unless TCP
        // split the streams over several reads): more than one pair, and every Finish raised.
        var (requests, responses) = PairsMadeFor(watch: true);
        Assert.True(requests > 1, $"{requests} requests made");
        Assert.True(responses > 1, $"{responses} responses made");
    }

    [Fact]
    public void Responses_ended_in_their_handlers_but_held_by_a_zero_window_keep_their_pairs_and_each_stream_gets_its_own_body()
    {
        // Ended in its handler, but its body waits for a window the peer has not opened: the response has not finished,
        // so its pair is not given back when the handler returns, and the next stream of the read takes another.
        using var fixture = ServerFixture.Start((req, res) => res.End(Encoding.ASCII.GetBytes("body of " + req.Url)));
        var bodies = new Dictionary<int, StringBuilder>();
        fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port, settings: Setting(Http2SettingId.InitialWindowSize, 0));
            var frames = new List<byte>();
            for (int s = 0; s < Streams; s++)
                frames.AddRange(Headers(1 + (2 * s), true, Get("/" + s)));
            await wire.SendAsync([.. frames]);
            // The windows open after every HEADERS (so after every handler returned), the last stream's first.
            var opened = new List<byte>();
            for (int s = Streams - 1; s >= 0; s--)
                opened.AddRange(WindowUpdate(1 + (2 * s), 1000));
            await wire.SendAsync([.. opened]);
            int ended = 0;
            while (ended < Streams && await wire.ReadFrameAsync() is { } frame)
            {
                var (header, payload) = frame;
                Assert.NotEqual(Http2FrameType.RstStream, header.Type);
                if (header.Type == Http2FrameType.Data)
                {
                    if (!bodies.TryGetValue(header.StreamId, out StringBuilder? body))
                        bodies[header.StreamId] = body = new StringBuilder();
                    body.Append(Encoding.ASCII.GetString(payload));
                }
                if (header.Has(Http2FrameFlags.EndStream) && header.Type is Http2FrameType.Data or Http2FrameType.Headers)
                    ended++;
            }
            Assert.Equal(Streams, ended);
        });
        for (int s = 0; s < Streams; s++)
            Assert.Equal("body of /" + s, bodies[1 + (2 * s)].ToString());
    }

    /// <summary>Sends <see cref="Streams"/> GETs in one write and reads every response; returns the pairs the pools then hold.</summary>
    private static (int Requests, int Responses) PairsMadeFor(bool watch)
    {
        int finished = 0;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (watch)
                res.Finish += _ => finished++;
            res.End("hello"u8);
        });
        fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            var frames = new List<byte>();
            for (int s = 0; s < Streams; s++)
                frames.AddRange(Headers(1 + (2 * s), true, Get("/")));
            await wire.SendAsync([.. frames]);
            for (int s = 0; s < Streams; s++)
                Assert.Equal("hello", (await wire.ReadResponseAsync(1 + (2 * s))).Text);
        });
        LoopDriver.RunUntil(fixture.Loop, () => !watch || finished == Streams);
        return (fixture.Server.FreeRequests.Count, fixture.Server.FreeResponses.Count);
    }
}

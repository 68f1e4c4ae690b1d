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

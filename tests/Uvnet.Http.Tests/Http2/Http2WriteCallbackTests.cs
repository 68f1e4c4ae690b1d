using System.Text;
using Uvnet.Http.Http2;
using Uvnet.Http.Tests.Server;
using static Uvnet.Http.Tests.Http2.Http2Wire;

namespace Uvnet.Http.Tests.Http2;

/// <summary>Write callbacks on HTTP/2 responses: completed writes look for them only while one waits.</summary>
public class Http2WriteCallbackTests
{
    [Fact]
    public void A_write_callback_runs_once_its_bytes_are_written_while_the_stream_stays_open()
    {
        // Node's test-http2-compat-serverresponse-write: res.write(chunk, cb) calls cb once the chunk is flushed.
        // The callback ends the response: if it never ran, the stream would never end.
        using var fixture = ServerFixture.Start((_, res) =>
            res.Write("first", error => res.Write(error is null ? " second" : " failed", _ => res.End(" end"))));
        var response = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync(Headers(1, true, Get()));
            return await wire.ReadResponseAsync(1);
        });
        Assert.Equal("first second end", response.Text);
    }

    [Fact]
    public void Write_callbacks_on_two_streams_of_one_connection_each_run()
    {
        using var fixture = ServerFixture.Start((req, res) => res.Write(req.Url!, _ => res.End(" done")));
        var (first, second) = fixture.Run(async () =>
        {
            using var wire = await OpenAsync(fixture.Port);
            await wire.SendAsync([.. Headers(1, true, Get("/a")), .. Headers(3, true, Get("/b"))]);
            var bodies = new Dictionary<int, string> { [1] = "", [3] = "" };
            int ended = 0;
            while (ended < 2 && await wire.ReadFrameAsync() is { } frame)
            {
                if (frame.Header.Type != Http2FrameType.Data)
                    continue;
                bodies[frame.Header.StreamId] += Encoding.ASCII.GetString(frame.Payload);
                if (frame.Header.Has(Http2FrameFlags.EndStream))
                    ended++;
            }
            return (bodies[1], bodies[3]);
        });
        Assert.Equal("/a done", first);
        Assert.Equal("/b done", second);
    }
}

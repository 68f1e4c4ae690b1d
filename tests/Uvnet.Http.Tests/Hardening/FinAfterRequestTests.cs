using System.Net.Sockets;
using System.Text;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Hardening;

/// <summary>A client may end its side right after its request (RFC 9112 §9.6): the whole response still arrives.</summary>
public class FinAfterRequestTests
{
    [Fact]
    public void A_client_that_ends_after_its_request_gets_a_whole_large_streamed_chunked_body() =>
        AssertWholeBodyArrives(answerAfterTheFin: false);

    [Fact]
    public void A_response_started_after_the_client_ended_still_arrives_whole() =>
        AssertWholeBodyArrives(answerAfterTheFin: true);

    [Fact]
    public void A_pipeline_longer_than_the_server_takes_at_once_then_a_fin_gets_every_answer_in_order()
    {
        // More requests than MaxPipelinedRequests, answered late: the server holds the rest of the pipeline, and
        // the FIN behind it, until responses drain; the FIN must not cut the held requests off.
        const int Requests = 40;
        var pending = new Queue<ServerResponse>();
        using var fixture = ServerFixture.Start((req, res) => pending.Enqueue(res), new HttpServerOptions { MaxPipelinedRequests = 4 });
        using var socket = fixture.Run(async () =>
        {
            var s = await RawClient.ConnectAsync(fixture.Port);
            await s.SendAsync(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, Requests).Select(i => $"GET /{i} HTTP/1.1\r\nHost: x\r\n\r\n"))));
            s.Shutdown(SocketShutdown.Send);
            return s;
        });
        for (int answered = 0; answered < Requests; answered++)
        {
            LoopDriver.RunUntil(fixture.Loop, () => pending.Count > 0);
            pending.Dequeue().End($"<{answered}>");
        }
        string raw = fixture.Run(() => RawClient.ReadToCloseAsync(socket));
        Assert.Equal(Requests, RawClient.Count(raw, "HTTP/1.1 200 OK"));
        Assert.Equal(string.Concat(Enumerable.Range(0, Requests).Select(i => $"<{i}>")),
            string.Concat(System.Text.RegularExpressions.Regex.Matches(raw, "<[0-9]+>").Select(m => m.Value)));
        Assert.EndsWith("<39>", raw);
        LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.ConnectionCount == 0);
    }

    private static void AssertWholeBodyArrives(bool answerAfterTheFin)
    {
        const long Size = 8 * 1024 * 1024;
        Streaming? streaming = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (answerAfterTheFin)
                req.Socket.Ended += _ => streaming = Streaming.Start(res, Size);
            else
                streaming = Streaming.Start(res, Size);
        });
        var (received, complete) = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes("GET /big HTTP/1.1\r\nHost: x\r\n\r\n"));
            await using var stream = new NetworkStream(socket);
            socket.Shutdown(SocketShutdown.Send);
            return await ReadChunkedAsync(stream);
        });
        Assert.True(complete, "the chunked body ended with its last chunk");
        Assert.Equal(Size, received);
        Assert.True(streaming!.Ended);
        LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.ConnectionCount == 0);
    }

    /// <summary>Reads a chunked response until the peer closes; the body bytes and whether the last chunk came.</summary>
    private static async Task<(long Body, bool Complete)> ReadChunkedAsync(Stream stream)
    {
        var reader = new BufferedStream(stream, 64 * 1024);
        string head = ReadLine(reader);
        Assert.StartsWith("HTTP/1.1 200 OK", head);
        bool chunked = false;
        for (string line = ReadLine(reader); line.Length > 0; line = ReadLine(reader))
            chunked |= line.Equals("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase);
        Assert.True(chunked);
        long body = 0;
        var skip = new byte[64 * 1024];
        while (true)
        {
            string size = ReadLine(reader);
            if (size.Length == 0)
                return (body, false); // closed early
            long n = Convert.ToInt64(size, 16);
            if (n == 0)
                return (body, ReadLine(reader) == "");
            for (long left = n; left > 0;)
            {
                int got = await reader.ReadAsync(skip.AsMemory(0, (int)Math.Min(skip.Length, left)));
                if (got == 0)
                    return (body, false);
                left -= got;
                body += got;
            }
            ReadLine(reader);
        }
    }

    private static string ReadLine(Stream stream)
    {
        var line = new StringBuilder();
        for (int b = stream.ReadByte(); b >= 0 && b != '\n'; b = stream.ReadByte())
        {
            if (b != '\r')
                line.Append((char)b);
        }
        return line.ToString();
    }
}

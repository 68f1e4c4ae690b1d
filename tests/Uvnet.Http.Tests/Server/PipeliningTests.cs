using System.Text;
using Uvnet.Http.Server;
using Uvnet.Net;

namespace Uvnet.Http.Tests.Server;

/// <summary>Node's pipelining model: responses leave in request order, batched, and a flood is bounded.</summary>
public class PipeliningTests
{
    private static string Requests(int count, string path = "/", string last = "") =>
        string.Concat(Enumerable.Range(0, count).Select(i => $"GET {path}{i} HTTP/1.1\r\nHost: x\r\n{(i == count - 1 ? last : "")}\r\n"));

    [Fact]
    public void Handlers_finishing_in_reverse_order_still_answer_in_request_order()
    {
        var pending = new List<(IncomingMessage Req, ServerResponse Res)>();
        using var fixture = ServerFixture.Start((req, res) =>
        {
            pending.Add((req, res));
            if (pending.Count == 3)
            {
                // Finish the last first.
                for (int i = 2; i >= 0; i--)
                    pending[i].Res.End($"answer to {pending[i].Req.Url}");
            }
        });
        string raw = fixture.Exchange(Requests(3, last: "Connection: close\r\n"));
        int a = raw.IndexOf("answer to /0", StringComparison.Ordinal);
        int b = raw.IndexOf("answer to /1", StringComparison.Ordinal);
        int c = raw.IndexOf("answer to /2", StringComparison.Ordinal);
        Assert.True(a >= 0 && a < b && b < c, raw);
        Assert.Equal(3, RawClient.Count(raw, "HTTP/1.1 200 OK"));
    }

    [Fact]
    public void A_pipelined_batch_of_sixteen_is_answered_in_one_write()
    {
        using var fixture = ServerFixture.Start((req, res) => res.End("Hello, World!"));
        long writesBefore = -1, writesAfter = -1;
        fixture.Server.Connection += socket => writesBefore = socket.BytesWritten;
        string raw = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes(Requests(16)));
            return await RawClient.ReadUntilAsync(socket, t => RawClient.Count(t, "Hello, World!") == 16);
        });
        Assert.Equal(16, RawClient.Count(raw, "HTTP/1.1 200 OK"));
        writesAfter = fixture.Server.WritesIssued;
        Assert.Equal(1, writesAfter);
        Assert.Equal(0, writesBefore);
    }

    [Fact]
    public void A_flood_of_100000_pipelined_requests_keeps_the_server_bounded_and_all_are_answered_in_order()
    {
        const int Count = 100_000;
        using var fixture = ServerFixture.Start((req, res) => res.End(req.UrlBytes[1..]));
        Socket? serverSide = null;
        fixture.Server.Connection += s => serverSide = s;
        var client = fixture.Run(() => RawClient.ConnectAsync(fixture.Port));
        byte[] batch = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 1000).Select(i => $"GET /{i % 10} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: flood/1.0 (a client that never reads)\r\nAccept: text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7\r\nAccept-Language: en-US,en;q=0.5\r\nConnection: keep-alive\r\n\r\n")));
        // 100,000 requests of 240 bytes: 24 MB. Write them all before reading anything.
        var writing = Task.Run(async () =>
        {
            for (int i = 0; i < Count / 1000; i++)
                await client.SendAsync(batch);
        });

        // While the client reads nothing, watch what the server holds after every loop iteration.
        long maxQueued = 0;
        int maxWaiting = 0;
        var watch = new CheckHandle(fixture.Loop);
        watch.Start(_ =>
        {
            maxQueued = Math.Max(maxQueued, serverSide?.WritableLength ?? 0);
            maxWaiting = Math.Max(maxWaiting, fixture.Server.WaitingResponses);
        });
        LoopDriver.RunUntil(fixture.Loop, () => serverSide is { IsPaused: true });
        // The kernel's buffers fill while the server keeps answering what it has read; then it stops reading.
        LoopDriver.RunFor(fixture.Loop, 500);
        watch.Close();
        // What the server held: its queued writes (one read's worth of responses past the 16 KiB mark) and no
        // parsed-ahead responses; the rest of the flood waited in the kernel, throttled by TCP.
        Assert.InRange(maxQueued, 1, 256 * 1024);
        Assert.InRange(maxWaiting, 0, 1);

        int answered = fixture.Run(async () =>
        {
            int seen = 0;
            var buffer = new byte[256 * 1024];
            var pendingText = new StringBuilder();
            while (seen < Count)
            {
                int n = await client.ReceiveAsync(buffer);
                Assert.NotEqual(0, n);
                pendingText.Append(Encoding.ASCII.GetString(buffer, 0, n));
                string text = pendingText.ToString();
                int start = 0, end;
                while ((end = text.IndexOf("\r\n\r\n", start, StringComparison.Ordinal)) >= 0 && end + 5 <= text.Length)
                {
                    // Each response's one-byte body is its request's digit: they come back in order.
                    Assert.Equal((char)('0' + seen % 10), text[end + 4]);
                    seen++;
                    start = end + 5;
                }
                pendingText.Remove(0, start);
            }
            await writing;
            return seen;
        });
        Assert.Equal(Count, answered);
        client.Dispose();
    }

    [Fact]
    public void Past_max_pipelined_requests_the_server_stops_parsing_until_responses_finish()
    {
        var held = new List<ServerResponse>();
        using var fixture = ServerFixture.Start((req, res) => held.Add(res), new HttpServerOptions { MaxPipelinedRequests = 8 });
        var client = fixture.Run(async () =>
        {
            var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes(Requests(50)));
            return socket;
        });
        LoopDriver.RunUntil(fixture.Loop, () => held.Count == 8);
        LoopDriver.RunFor(fixture.Loop, 50);
        Assert.Equal(8, held.Count);
        Assert.Equal(8, fixture.Server.WaitingResponses);

        // Answer as they come: the rest are parsed as room frees up.
        int answered = 0;
        void AnswerHeld()
        {
            while (answered < held.Count)
                held[answered++].End("ok");
        }
        AnswerHeld();
        LoopDriver.RunUntil(fixture.Loop, () => { AnswerHeld(); return answered == 50; });
        string raw = fixture.Run(() => RawClient.ReadUntilAsync(client, t => RawClient.Count(t, "HTTP/1.1 200") == 50));
        Assert.Equal(50, RawClient.Count(raw, "HTTP/1.1 200"));
        client.Dispose();
    }

    [Fact]
    public void A_connection_close_response_behind_a_queued_write_ends_the_connection_once_it_is_sent()
    {
        // The first response is larger than the kernel takes at once (the client's receive buffer is small), so the
        // second, which closes the connection, leaves the queue while the socket still has bytes queued. The server
        // must still end its side after them: a client reading to the close gets both, and the keep-alive timeout
        // (long here) must not be what closes the connection (under TLS its destroy sends no close_notify).
        const int Big = 8 << 20;
        long queuedAtClose = -1;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/big")
            {
                res.End(new string('b', Big));
                return;
            }
            // Ended after the read that brought both requests, once the first response's write was handed over.
            req.Socket.Loop.Post(() =>
            {
                queuedAtClose = req.Socket.WritableLength;
                res.SetHeader("Connection", "close");
                res.End("last");
            });
        }, new HttpServerOptions { KeepAliveTimeout = 600_000 });
        string raw = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port, receiveBuffer: 16 * 1024);
            await socket.SendAsync(Encoding.ASCII.GetBytes("GET /big HTTP/1.1\r\nHost: x\r\n\r\nGET /last HTTP/1.1\r\nHost: x\r\n\r\n"));
            return await RawClient.ReadToCloseAsync(socket);
        }, TimeSpan.FromSeconds(20));
        Assert.True(queuedAtClose > 0, "the first response was still queued: " + queuedAtClose);
        int body = raw.IndexOf(new string('b', Big), StringComparison.Ordinal);
        Assert.True(body > 0, "the first body, whole: " + raw.Length);
        Assert.EndsWith("Connection: close\r\n\r\nlast", raw);
        Assert.Equal(2, RawClient.Count(raw, "HTTP/1.1 200 OK"));
    }
}

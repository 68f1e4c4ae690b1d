using System.Net.Sockets;
using System.Text;
using Uvnet.Http.Server;
using Uvnet.Tests;

namespace Uvnet.Http.Tests.Server;

/// <summary>
/// An idle keep-alive connection holds only what idleness needs: the request, the response and the parser are the
/// server's, lent to a connection while a request arrives and is answered, and given back when it goes idle.
/// </summary>
public class IdleConnectionTests
{
    private static readonly byte[] s_request = Encoding.ASCII.GetBytes("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");

    [Fact]
    public void Idle_keep_alive_connections_hold_no_request_response_or_parser()
    {
        using var fixture = ServerFixture.Start((req, res) => res.End("Hello, World!"u8));
        var clients = new List<Socket>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                clients.Add(fixture.Run(() => RawClient.ConnectAsync(fixture.Port)));
                Assert.Contains("Hello, World!", Exchange(fixture, clients[^1], s_request));
                // Once the response has gone, everything the request used is back in the server's pools.
                LoopDriver.RunUntil(fixture.Loop, () => Pooled(fixture) == (1, 1, 1));
            }
            // Three open keep-alive connections, each served once, one at a time: one request, one response and one
            // parser served them all (a connection keeping its own would have made three of each).
            Assert.Equal(3, fixture.Server.ConnectionCount);
            Assert.Equal((1, 1, 1), Pooled(fixture));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public void A_request_split_across_reads_keeps_its_parser_while_other_connections_are_served()
    {
        using var fixture = ServerFixture.Start((req, res) => res.End($"answer to {req.Url}"));
        using Socket idle = fixture.Run(() => RawClient.ConnectAsync(fixture.Port));
        using Socket split = fixture.Run(() => RawClient.ConnectAsync(fixture.Port));
        Assert.Contains("answer to /plaintext", Exchange(fixture, idle, s_request));
        LoopDriver.RunUntil(fixture.Loop, () => Pooled(fixture).Parsers == 1);

        // Half a head: the connection takes the pooled parser and keeps it between its reads.
        fixture.Run(async () => await split.SendAsync(Encoding.ASCII.GetBytes("GET /split HTTP/1.1\r\nHo")));
        LoopDriver.RunUntil(fixture.Loop, () => Pooled(fixture).Parsers == 0);

        // Another connection's request meanwhile gets a parser of its own and gives it back.
        Assert.Contains("answer to /plaintext", Exchange(fixture, idle, s_request));
        LoopDriver.RunUntil(fixture.Loop, () => Pooled(fixture).Parsers == 1);

        // The rest of the head: parsed where the first half left off.
        Assert.Contains("answer to /split", Exchange(fixture, split, Encoding.ASCII.GetBytes("st: x\r\n\r\n")));
        LoopDriver.RunUntil(fixture.Loop, () => Pooled(fixture).Parsers == 2);
    }

    [Fact]
    public void A_connection_closed_inside_a_request_gives_its_parser_back_as_new()
    {
        using var fixture = ServerFixture.Start((req, res) => res.End($"answer to {req.Url}"));
        using (Socket cut = fixture.Run(() => RawClient.ConnectAsync(fixture.Port)))
        {
            fixture.Run(async () => await cut.SendAsync(Encoding.ASCII.GetBytes("POST /cut HTTP/1.1\r\nHost: x\r\nContent-Le")));
            LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.ConnectionCount == 1 && Pooled(fixture).Parsers == 0
                && fixture.Server.FreeRequests.Count == 0);
        }
        LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.ConnectionCount == 0);
        Assert.Equal(1, Pooled(fixture).Parsers);

        // The next connection parses with it from the start: nothing of the cut request is left in it.
        using Socket next = fixture.Run(() => RawClient.ConnectAsync(fixture.Port));
        string answer = Exchange(fixture, next, s_request);
        Assert.StartsWith("HTTP/1.1 200 OK", answer);
        Assert.Contains("answer to /plaintext", answer);
    }

    [Fact]
    public void A_pair_its_handler_still_holds_is_never_lent_to_another_connection()
    {
        var seen = new List<(IncomingMessage Req, ServerResponse Res)>();
        using var fixture = ServerFixture.Start((req, res) =>
        {
            seen.Add((req, res));
            if (req.Url != "/later")
                res.End($"answer to {req.Url}");
        });
        using Socket first = fixture.Run(() => RawClient.ConnectAsync(fixture.Port));
        using Socket second = fixture.Run(() => RawClient.ConnectAsync(fixture.Port));
        fixture.Run(async () => await first.SendAsync(Encoding.ASCII.GetBytes("GET /later HTTP/1.1\r\nHost: x\r\n\r\n")));
        LoopDriver.RunUntil(fixture.Loop, () => seen.Count == 1);

        // The first handler returned without ending its response: the pair stays its own while another connection is served.
        Assert.Contains("answer to /other", Exchange(fixture, second, Encoding.ASCII.GetBytes("GET /other HTTP/1.1\r\nHost: x\r\n\r\n")));
        Assert.NotSame(seen[0].Req, seen[1].Req);
        Assert.NotSame(seen[0].Res, seen[1].Res);
        Assert.Equal("/later", seen[0].Req.Url);

        // Answered later, from the loop: on its own connection, with its own request.
        fixture.Loop.Post(() => seen[0].Res.End($"late answer to {seen[0].Req.Url}"));
        Assert.Contains("late answer to /later", fixture.Run(() => RawClient.ReadUntilAsync(first, HasWholeBody)));
    }

    [Fact]
    public void Events_subscribed_for_one_request_are_not_raised_for_the_next_connection_that_borrows_its_pair()
    {
        var seen = new List<(IncomingMessage Req, ServerResponse Res)>();
        int firstFinished = 0, firstEnded = 0;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            seen.Add((req, res));
            if (seen.Count == 1)
            {
                res.Finish += _ => firstFinished++;
                req.End += _ => firstEnded++;
            }
            res.End($"answer to {req.Url}");
        });
        using Socket first = fixture.Run(() => RawClient.ConnectAsync(fixture.Port));
        Assert.Contains("answer to /one", Exchange(fixture, first, Encoding.ASCII.GetBytes("GET /one HTTP/1.1\r\nHost: x\r\n\r\n")));
        LoopDriver.RunUntil(fixture.Loop, () => Pooled(fixture) == (1, 1, 1));
        Assert.Equal((1, 1), (firstFinished, firstEnded));

        using Socket second = fixture.Run(() => RawClient.ConnectAsync(fixture.Port));
        Assert.Contains("answer to /two", Exchange(fixture, second, Encoding.ASCII.GetBytes("GET /two HTTP/1.1\r\nHost: x\r\n\r\n")));
        LoopDriver.RunUntil(fixture.Loop, () => Pooled(fixture) == (1, 1, 1));

        // The same pooled pair served the other connection; the first request's handlers went with its use.
        Assert.Same(seen[0].Req, seen[1].Req);
        Assert.Same(seen[0].Res, seen[1].Res);
        Assert.Equal((1, 1), (firstFinished, firstEnded));
    }

    [Fact]
    public void A_response_still_being_written_keeps_its_connection_busy_and_its_bytes_while_another_connection_borrows_the_pair()
    {
        // Far more than the client's small receive buffer and the server's send buffer hold; a pattern, so that bytes
        // overwritten by another request's use of the pair (or of its buffers) would show.
        byte[] body = new byte[4 << 20];
        for (int i = 0; i < body.Length; i++)
            body[i] = (byte)(i % 251);
        using var fixture = ServerFixture.Start((req, res) => res.End(req.Url == "/big" ? body : "small"u8.ToArray()));
        using Socket slow = fixture.Run(() => RawClient.ConnectAsync(fixture.Port, receiveBuffer: 4096));
        fixture.Run(async () => await slow.SendAsync(Encoding.ASCII.GetBytes("GET /big HTTP/1.1\r\nHost: x\r\n\r\n")));
        LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.WaitingResponses == 0 && fixture.Server.FreeResponses.Count == 1);

        // Its handler ended it (nobody observes it: the pair is back already), but its bytes are still on their way: the
        // connection is not idle, so closing idle connections leaves it, and another connection is served meanwhile.
        fixture.Server.CloseIdleConnections();
        using Socket other = fixture.Run(() => RawClient.ConnectAsync(fixture.Port));
        Assert.Contains("small", Exchange(fixture, other, Encoding.ASCII.GetBytes("GET /small HTTP/1.1\r\nHost: x\r\n\r\n")));
        Assert.Equal(2, fixture.Server.ConnectionCount);

        // The slow client then takes the whole body, intact.
        byte[] received = fixture.Run(async () =>
        {
            var all = new List<byte>();
            var buffer = new byte[64 * 1024];
            int head = -1;
            while (head < 0 || all.Count - head < body.Length)
            {
                int n = await slow.ReceiveAsync(buffer);
                Assert.True(n > 0, "the server closed the connection");
                all.AddRange(buffer.AsSpan(0, n));
                if (head < 0 && Encoding.Latin1.GetString(all.ToArray()).IndexOf("\r\n\r\n", StringComparison.Ordinal) is >= 0 and int end)
                    head = end + 4;
            }
            return all.GetRange(head, all.Count - head).ToArray();
        });
        Assert.True(body.AsSpan().SequenceEqual(received), "the body arrived altered");
        LoopDriver.RunUntil(fixture.Loop, () => Pooled(fixture) == (1, 1, 1));
        Assert.Equal(2, fixture.Server.ConnectionCount);
    }

    [Fact]
    public void Pipelined_requests_held_while_the_parser_is_back_in_the_pool_are_parsed_with_a_fresh_one_in_order()
    {
        var pending = new List<(IncomingMessage Req, ServerResponse Res)>();
        using var fixture = ServerFixture.Start((req, res) => pending.Add((req, res)), new HttpServerOptions { MaxPipelinedRequests = 1 });
        using Socket client = fixture.Run(() => RawClient.ConnectAsync(fixture.Port));
        fixture.Run(async () => await client.SendAsync(Encoding.ASCII.GetBytes(
            "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n")));
        LoopDriver.RunUntil(fixture.Loop, () => pending.Count == 1);

        // One request waits for its answer, the two after it are held unparsed: between messages, the parser is back.
        Assert.Equal(1, Pooled(fixture).Parsers);
        for (int answered = 0; answered < 3; answered++)
        {
            LoopDriver.RunUntil(fixture.Loop, () => pending.Count == answered + 1);
            var (req, res) = pending[answered];
            res.End($"answer to {req.Url};");
        }
        string text = fixture.Run(() => RawClient.ReadUntilAsync(client, t => RawClient.Count(t, ";") == 3));
        int a = text.IndexOf("answer to /a;", StringComparison.Ordinal);
        int b = text.IndexOf("answer to /b;", StringComparison.Ordinal);
        int c = text.IndexOf("answer to /c;", StringComparison.Ordinal);
        Assert.True(a >= 0 && a < b && b < c, text);
        LoopDriver.RunUntil(fixture.Loop, () => Pooled(fixture).Parsers == 1);
    }

    [Fact]
    public void A_response_written_while_the_user_corked_the_socket_leaves_and_finishes_at_the_uncork()
    {
        // The connection's write completion (a WriteCompletion, not a delegate) then travels in the socket's corked
        // batch, beside the user's own write callback: both run, in order, at the uncork.
        var order = new List<string>();
        Net.Socket? corked = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            corked = req.Socket;
            corked.Cork();
            corked.Write(ReadOnlyMemory<byte>.Empty, _ => order.Add("user write")); // no bytes: the client reads HTTP
            res.Finish += _ => order.Add("finish");
            res.End("held by the cork");
        });
        using Socket client = fixture.Run(() => RawClient.ConnectAsync(fixture.Port));
        fixture.Run(async () => await client.SendAsync(s_request));
        LoopDriver.RunUntil(fixture.Loop, () => corked is not null);
        Assert.Empty(order);

        corked!.Uncork();
        Assert.Contains("held by the cork", fixture.Run(() => RawClient.ReadUntilAsync(client, HasWholeBody)));
        LoopDriver.RunUntil(fixture.Loop, () => order.Count == 2);
        Assert.Equal(["user write", "finish"], order);
    }

    private static (int Requests, int Responses, int Parsers) Pooled(ServerFixture fixture) =>
        (fixture.Server.FreeRequests.Count, fixture.Server.FreeResponses.Count, fixture.Server.FreeParsers.Count);

    /// <summary>Sends <paramref name="bytes"/> and reads one response, whole (its Content-Length's worth of body).</summary>
    private static string Exchange(ServerFixture fixture, Socket socket, byte[] bytes) => fixture.Run(async () =>
    {
        await socket.SendAsync(bytes);
        return await RawClient.ReadUntilAsync(socket, HasWholeBody);
    });

    private static bool HasWholeBody(string text)
    {
        int head = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        int at = text.IndexOf("Content-Length: ", StringComparison.OrdinalIgnoreCase);
        if (head < 0 || at < 0)
            return false;
        int end = text.IndexOf('\r', at);
        return text.Length - (head + 4) >= int.Parse(text.AsSpan(at + 16, end - at - 16));
    }
}

using System.Net.Sockets;
using System.Text;
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

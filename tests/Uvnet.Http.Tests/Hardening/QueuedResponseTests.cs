using System.Text;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Hardening;

/// <summary>
/// Responses queued behind a slower one: they get the Drain they wait for when their turn comes, their buffered
/// bytes count toward backpressure, and an Upgrade behind them switches only once they are out.
/// </summary>
public class QueuedResponseTests
{
    private static string Get(string path) => $"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n";

    private const string UpgradeRequest = "GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n";

    private const string SwitchingProtocols = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n";

    [Fact]
    public void A_queued_response_whose_Write_returned_false_gets_Drain_when_its_turn_comes()
    {
        byte[] large = new byte[4 * 1024 * 1024];
        bool secondWaited = false;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/1")
            {
                // Backs the socket up, and ends only once it has drained: the second response is dispatched meanwhile.
                if (res.Write(large))
                    res.End();
                else
                    res.Drain += r => r.End();
                return;
            }
            res.SetHeader("Connection", "close");
            if (res.Write("two"))
            {
                res.End();
                return;
            }
            secondWaited = true;
            res.Drain += r => r.End();
        });
        long body = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes(Get("/1") + Get("/2")));
            return await RawClient.CountBodyToCloseAsync(socket);
        }, TimeSpan.FromSeconds(15));
        Assert.True(secondWaited); // the case under test happened: it waited for a Drain as a queued response
        Assert.True(body > large.Length);
    }

    [Fact]
    public void A_queued_responses_buffered_bytes_count_toward_backpressure()
    {
        var firstMayEnd = new TaskCompletionSource();
        long accepted = 0;
        ServerResponse? first = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/1")
            {
                first = res; // slow: ends later
                return;
            }
            // Streams "while Write returns true" behind the slow response (bounded here, so that main fails rather than
            // filling memory).
            byte[] chunk = new byte[16 * 1024];
            while (accepted < 8 * 1024 * 1024)
            {
                accepted += chunk.Length;
                if (!res.Write(chunk))
                    break;
            }
            res.End();
        });
        fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes(Get("/1") + Get("/2")));
        });
        LoopDriver.RunUntil(fixture.Loop, () => first is not null && accepted > 0);
        // The socket's high-water mark is 16 KiB: a response that has not got the socket may not buffer far past it.
        Assert.True(accepted <= 64 * 1024, $"{accepted} bytes accepted behind a waiting response");
        first!.End();
    }

    /// <summary>
    /// Sends a GET and an Upgrade request together; the GET is answered from the loop after both have arrived, the
    /// Upgrade handler answers 101 and echoes. Returns what the client received up to the echo of its "ping".
    /// </summary>
    private static string UpgradeBehindPendingResponse(HttpServerOptions? options = null)
    {
        var first = new TaskCompletionSource<ServerResponse>();
        using var fixture = ServerFixture.Start((req, res) => first.SetResult(res), options);
        fixture.Server.Upgrade += (req, socket, rest) =>
        {
            socket.Write(SwitchingProtocols);
            socket.Data += (s, data) => s.Write(data.ToArray());
        };
        return fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes(Get("/1") + UpgradeRequest));
            ServerResponse response = await first.Task;
            fixture.Loop.Post(() => response.End("one"));
            string head = await RawClient.ReadUntilAsync(socket, t => t.Contains(SwitchingProtocols, StringComparison.Ordinal));
            await socket.SendAsync("ping"u8.ToArray());
            return head + await RawClient.ReadUntilAsync(socket, t => t.EndsWith("ping", StringComparison.Ordinal));
        }, TimeSpan.FromSeconds(15));
    }

    [Fact]
    public void An_upgrade_behind_a_pending_response_waits_for_it_and_nothing_of_http_follows_the_101()
    {
        string raw = UpgradeBehindPendingResponse();
        int one = raw.IndexOf("one", StringComparison.Ordinal), switched = raw.IndexOf("HTTP/1.1 101", StringComparison.Ordinal);
        Assert.True(one >= 0 && one < switched, raw);
        Assert.EndsWith(SwitchingProtocols + "ping", raw);
    }

    [Fact]
    public void An_upgrade_parsed_from_held_bytes_hands_over_a_reading_socket()
    {
        // One request at a time: the Upgrade waits, unparsed, until the first response has ended.
        string raw = UpgradeBehindPendingResponse(new HttpServerOptions { MaxPipelinedRequests = 1 });
        Assert.EndsWith(SwitchingProtocols + "ping", raw);
    }
}

using System.Net.Sockets;
using System.Text;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Hardening;

/// <summary>A client that goes away while pipelined requests still wait for their handlers.</summary>
public class ClientGoneWithQueuedRequestsTests
{
    private const int Pipelined = 5;

    private static string Requests() =>
        string.Concat(Enumerable.Range(0, Pipelined).Select(i => $"GET /{i} HTTP/1.1\r\nHost: x\r\n\r\n"));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Pending_responses_get_close_later_ends_are_harmless_and_the_server_goes_on(bool reset)
    {
        var pending = new List<ServerResponse>();
        int closes = 0;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/next")
            {
                res.End("next");
                return;
            }
            res.Close += _ => closes++;
            pending.Add(res); // answered later
        });
        var socket = fixture.Run(async () =>
        {
            var s = await RawClient.ConnectAsync(fixture.Port);
            await s.SendAsync(Encoding.ASCII.GetBytes(Requests()));
            return s;
        });
        LoopDriver.RunUntil(fixture.Loop, () => pending.Count == Pipelined);
        if (reset)
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
            LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.ConnectionCount == 0);
            Assert.Equal(Pipelined, closes);
            foreach (ServerResponse res in pending)
                res.End("late"); // harmless: the connection is gone
        }
        else
        {
            socket.Close(); // a FIN: the server answers, the client's kernel resets, the server notices
            foreach (ServerResponse res in pending)
            {
                res.End("late");
                LoopDriver.RunFor(fixture.Loop, 1);
            }
            LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.ConnectionCount == 0);
        }
        Assert.Equal(0, fixture.Server.WaitingResponses);
        string raw = fixture.Exchange("GET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.EndsWith("next", raw);
    }
}

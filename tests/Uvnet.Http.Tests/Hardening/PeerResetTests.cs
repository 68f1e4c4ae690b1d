using System.Net.Sockets;
using System.Text;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Hardening;

/// <summary>A peer that resets (RST) in the middle of a large response: routine for the server, not an error.</summary>
public class PeerResetTests
{
    [Fact]
    public void A_reset_in_the_middle_of_a_streamed_response_closes_it_and_the_server_serves_the_next_client()
    {
        const long Size = 50L * 1024 * 1024;
        Streaming? streaming = null;
        bool closed = false, finished = false;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/big")
            {
                res.Close += _ => closed = true;
                res.Finish += _ => finished = true;
                streaming = Streaming.Start(res, Size);
            }
            else
            {
                res.End("next");
            }
        });
        fixture.Run(async () =>
        {
            var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes("GET /big HTTP/1.1\r\nHost: x\r\n\r\n"));
            var buffer = new byte[64 * 1024];
            for (long got = 0; got < 1024 * 1024;)
                got += await socket.ReceiveAsync(buffer);
            socket.LingerState = new LingerOption(true, 0); // close sends RST, not FIN
            socket.Close();
        });
        LoopDriver.RunUntil(fixture.Loop, () => closed && fixture.Server.ConnectionCount == 0);
        Assert.False(finished);
        Assert.False(streaming!.Ended);
        Assert.True(streaming.Written < Size);
        string raw = fixture.Exchange("GET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK", raw);
        Assert.EndsWith("next", raw);
    }
}

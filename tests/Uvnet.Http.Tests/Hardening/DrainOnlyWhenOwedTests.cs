using System.Text;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Hardening;

/// <summary>Drain goes only to a response whose Write returned false (Node's kNeedDrain), never to one that did not ask.</summary>
public class DrainOnlyWhenOwedTests
{
    [Fact]
    public void A_response_that_never_wrote_gets_no_Drain_when_the_socket_drains_an_earlier_responses_bytes()
    {
        const int Large = 4 * 1024 * 1024;
        bool socketDrained = false;
        int drains = 0;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/1")
            {
                res.SetHeader("Content-Length", Large.ToString());
                res.Write(new byte[Large]); // backs the socket up; the response ends at once
                res.End();
                return;
            }
            // Takes the socket behind /1's bytes, writes nothing, and answers later.
            res.Socket.Drain += _ => socketDrained = true; // after the connection's own Drain handler
            res.SetHeader("Connection", "close");
            res.Drain += _ => drains++;
        });
        fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes(
                "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n"));
            // Reads /1 whole: its head, then its body.
            string head = await RawClient.ReadUntilAsync(socket, s => s.Contains("\r\n\r\n"));
            long left = Large - (head.Length - head.IndexOf("\r\n\r\n", StringComparison.Ordinal) - 4);
            byte[] buffer = new byte[64 * 1024];
            while (left > 0)
            {
                int n = await socket.ReceiveAsync(buffer);
                Assert.True(n > 0);
                left -= n;
            }
        }, TimeSpan.FromSeconds(20));
        LoopDriver.RunUntil(fixture.Loop, () => socketDrained); // the case under test: the socket drained while /2 was the head
        Assert.Equal(0, drains);
    }

    [Fact]
    public void A_response_that_ended_after_its_Write_returned_false_gets_no_Drain_when_its_turn_comes()
    {
        byte[] large = new byte[4 * 1024 * 1024];
        bool secondWaited = false;
        int drainsAfterEnd = 0;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/1")
            {
                // Backs the socket up, and ends only once it has drained: its turn passes to /2 from the loop.
                if (res.Write(large))
                    res.End();
                else
                    res.Drain += r => r.End();
                return;
            }
            res.SetHeader("Connection", "close");
            res.Drain += r => drainsAfterEnd += r.WritableEnded ? 1 : 0;
            secondWaited = !res.Write("two");
            res.End(); // ends at once, without waiting for the Drain its Write asked for
        });
        long body = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes(
                "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n"));
            return await RawClient.CountBodyToCloseAsync(socket);
        }, TimeSpan.FromSeconds(20));
        Assert.True(secondWaited); // the case under test happened: /2 was told to wait, as a queued response
        Assert.True(body > large.Length);
        Assert.Equal(0, drainsAfterEnd);
    }
}

using System.Text;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Hardening;

/// <summary>
/// A head response's Write counted the bytes of the responses queued behind it: when those alone made it return
/// false, the socket had not backed up, so no Drain came, and the queued bytes leave only after the head ends.
/// </summary>
public class HeadResponseBackpressureTests
{
    [Fact]
    public void A_head_response_is_not_told_to_wait_for_the_bytes_queued_behind_it()
    {
        byte[] large = new byte[64 * 1024];
        bool firstWaited = false;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/1")
            {
                // Answers later, once /2 has queued its bytes behind it.
                res.Socket.Loop.Post(() =>
                {
                    firstWaited = !res.Write("one");
                    if (firstWaited)
                        res.Drain += r => r.End();
                    else
                        res.End();
                });
                return;
            }
            res.SetHeader("Connection", "close");
            res.Write(large); // held: /1 has the socket
            res.End();
        });
        long body = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes(
                "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n"));
            return await RawClient.CountBodyToCloseAsync(socket);
        }, TimeSpan.FromSeconds(20));
        Assert.False(firstWaited); // as Node's attached response: the socket's own backpressure
        Assert.True(body > large.Length);
    }
}

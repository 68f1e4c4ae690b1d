using System.Text;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Hardening;

/// <summary>A Finish handler that destroys the socket: the responses behind it were never sent, so they hear Close, not Finish.</summary>
public class DestroyInFinishTests
{
    [Fact]
    public void A_response_queued_behind_one_whose_Finish_handler_destroyed_the_socket_gets_Close_not_Finish()
    {
        bool secondFinished = false, secondClosed = false;
        Task? secondEnd = null;
        ServerResponse? first = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/1")
            {
                res.Finish += r => r.Socket.Destroy();
                first = res; // ends once /2 has ended behind it
                return;
            }
            res.Finish += _ => secondFinished = true;
            res.Close += _ => secondClosed = true;
            secondEnd = res.EndAsync("two");
            first!.End("one"); // both ended: the queue advances past /1, whose Finish destroys the socket, to /2
        });
        fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes(
                "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n"));
            await RawClient.ReadToCloseAsync(socket);
        });
        LoopDriver.RunUntil(fixture.Loop, () => secondFinished || secondClosed);
        Assert.NotNull(secondEnd);
        LoopDriver.RunUntil(fixture.Loop, () => secondEnd!.IsCompleted);
        Assert.False(secondFinished);
        Assert.True(secondClosed);
        Assert.True(secondEnd!.IsFaulted); // never sent: EndAsync must not report success
    }
}

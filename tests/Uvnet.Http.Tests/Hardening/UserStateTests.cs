using System.Text;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Hardening;

/// <summary><c>Socket.UserData</c> is the user's: the server keeps its own state elsewhere, so setting it breaks nothing.</summary>
public class UserStateTests
{
    [Fact]
    public void Connection_handler_that_sets_UserData_is_still_served_and_keeps_its_value()
    {
        object mine = new();
        object? seen = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            seen = req.Socket.UserData;
            res.End("served");
        });
        fixture.Server.Connection += socket => socket.UserData = mine;
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw);
        Assert.EndsWith("served", raw);
        Assert.Same(mine, seen);
    }

    [Fact]
    public void Upgrade_handler_that_sets_UserData_gets_the_socket_s_later_events()
    {
        using var fixture = ServerFixture.Start((_, res) => res.End());
        fixture.Server.Upgrade += (_, socket, _) =>
        {
            socket.UserData = "the handler's own state";
            socket.Write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n");
            socket.Data += (s, data) => s.Write($"{s.UserData}: {Encoding.ASCII.GetString(data)}");
        };
        string raw = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes("GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n"));
            await RawClient.ReadUntilAsync(socket, t => t.EndsWith("\r\n\r\n"));
            await socket.SendAsync("ping"u8.ToArray());
            return await RawClient.ReadUntilAsync(socket, t => t.EndsWith("ping"));
        });
        Assert.Equal("the handler's own state: ping", raw);
    }
}

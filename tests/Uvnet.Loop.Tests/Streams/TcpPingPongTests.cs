using System.Text;

namespace Uvnet.Tests.Streams;

public class TcpPingPongTests
{
    [Fact]
    public void Ping_pong_round_trips_over_loopback()
    {
        var loop = new Loop();
        var server = StreamTestKit.Listen(loop, StreamTestKit.Echo);
        var client = new TcpHandle(loop);
        int pongs = 0;
        byte[] ping = Encoding.ASCII.GetBytes("PING\n");
        var received = new StringBuilder();
        Assert.Equal(0, client.Connect(server.LocalEndPoint!, (req, status) =>
        {
            Assert.Equal(0, status);
            client.ReadStart((s, n, buffer) =>
            {
                Assert.True(n > 0, $"read {n}");
                received.Append(Encoding.ASCII.GetString(buffer.Span[..n]));
                while (received.Length >= 5)
                {
                    Assert.Equal("PING\n", received.ToString(0, 5));
                    received.Remove(0, 5);
                    if (++pongs < 1000)
                        s.Write(ping);
                }
            });
            client.Write(ping);
        }));
        LoopDriver.RunUntil(loop, () => pongs == 1000);
        LoopDriver.CloseLoop(loop);
    }
}

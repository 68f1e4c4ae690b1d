using Uvnet.Net;
using Uvnet.Server.Commands;

namespace Uvnet.Server.Tests;

/// <summary>One loop's echo service, driven on the test's thread.</summary>
public class EchoServiceTests
{
    private static (EchoService Service, int Port) Listening(Loop loop)
    {
        var service = new EchoService(loop);
        int port = 0;
        service.Listen(0, "127.0.0.1", p => port = p, e => Assert.Fail(e.Message));
        LoopDriver.RunUntil(loop, () => port != 0);
        return (service, port);
    }

    [Fact]
    public void A_peer_that_does_not_read_pauses_the_echo_until_it_does()
    {
        var loop = new Loop();
        var (service, port) = Listening(loop);
        var client = new Socket(loop);
        client.Connect(port, "127.0.0.1");
        client.Pause();
        byte[] payload = new byte[16 * 1024 * 1024];
        new Random(3).NextBytes(payload);
        client.Write(payload);
        LoopDriver.RunUntil(loop, () => service.AnyPaused);

        var received = new MemoryStream();
        client.Data += (_, data) => received.Write(data);
        client.Resume();
        // The last echo can reach the client before its write completes on the server: then Drain resumes reading.
        LoopDriver.RunUntil(loop, () => received.Length == payload.Length && !service.AnyPaused);
        Assert.Equal(payload, received.ToArray());

        client.Destroy();
        service.Stop();
        LoopDriver.RunUntil(loop, () => service.ConnectionCount == 0);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Stop_ends_connections_and_refuses_new_ones()
    {
        var loop = new Loop();
        var (service, port) = Listening(loop);
        var client = new Socket(loop);
        bool ended = false;
        client.Ended += _ => ended = true;
        client.Connect(port, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => service.ConnectionCount == 1);
        service.Stop();
        LoopDriver.RunUntil(loop, () => ended && service.ConnectionCount == 0);

        var late = new Socket(loop);
        NetException? refused = null;
        late.Error += (_, e) => refused = e;
        late.Connect(port, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => refused is not null);
        Assert.Equal("ECONNREFUSED", refused!.Code);
        LoopDriver.CloseLoop(loop);
    }
}

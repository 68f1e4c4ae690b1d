namespace Uvnet.Net.Tests;

/// <summary>Pause/resume, backpressure and timeouts, after Node's test-net-pause-resume-connecting, test-net-write-cb-on-destroy and test-net-socket-timeout.</summary>
public class SocketFlowTests
{
    [Fact]
    public void Pause_stops_data_and_resume_restarts_it()
    {
        var loop = new Loop();
        Socket? peer = null;
        var server = NetTestKit.ListeningServer(loop, p => peer = p);
        var client = new Socket(loop);
        int chunks = 0;
        client.Data += (_, _) => chunks++;
        bool connected = false;
        client.Connect(server.Port, "127.0.0.1", () => connected = true);
        LoopDriver.RunUntil(loop, () => connected && peer is not null);

        client.Pause();
        Assert.True(client.IsPaused);
        peer!.Write("while paused");
        LoopDriver.RunFor(loop, 50);
        Assert.Equal(0, chunks);
        client.Resume();
        LoopDriver.RunUntil(loop, () => chunks > 0);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Pause_on_connect_holds_data_until_resume()
    {
        var loop = new Loop();
        Socket? peer = null;
        var server = NetTestKit.ListeningServer(loop, p => peer = p, new ServerOptions { PauseOnConnect = true });
        var client = new Socket(loop);
        bool connected = false;
        client.Connect(server.Port, "127.0.0.1", () => { connected = true; client.Write("hi"); });
        LoopDriver.RunUntil(loop, () => connected && peer is not null);
        var got = NetTestKit.Collect(peer!);
        LoopDriver.RunFor(loop, 50);
        Assert.Equal("", got.ToString());
        peer!.Resume();
        LoopDriver.RunUntil(loop, () => got.ToString() == "hi");
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Write_returns_false_past_the_high_water_mark_and_drain_follows()
    {
        var loop = new Loop();
        Socket? peer = null;
        var server = NetTestKit.ListeningServer(loop, p => { peer = p; p.Pause(); });
        var client = new Socket(loop);
        bool connected = false;
        client.Connect(server.Port, "127.0.0.1", () => connected = true);
        LoopDriver.RunUntil(loop, () => connected && peer is not null);

        // The peer does not read. 64 MiB is more than loopback's socket buffers hold, so writes stay queued.
        var chunk = new byte[64 * 1024];
        bool belowMark = true;
        for (int i = 0; i < 1024; i++)
            belowMark &= client.Write(chunk);
        Assert.False(belowMark);
        Assert.True(client.WritableNeedDrain);
        Assert.True(client.WritableLength >= client.WritableHighWaterMark);
        bool drained = false;
        client.Drain += s =>
        {
            drained = true;
            Assert.Equal(0, s.WritableLength);
        };
        LoopDriver.RunFor(loop, 20);
        Assert.False(drained);
        peer!.Resume();
        LoopDriver.RunUntil(loop, () => drained);
        Assert.False(client.WritableNeedDrain);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Timeout_fires_only_after_idleness_and_traffic_postpones_it()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);

        long timedOutAt = -1;
        client.Timeout += s => timedOutAt = loop.Now;
        client.SetTimeout(200);
        long start = loop.Now;
        // Traffic every 50 ms for 400 ms: no timeout.
        var ticker = new TimerHandle(loop);
        int ticks = 0;
        ticker.Start(t =>
        {
            peer!.Write("tick");
            if (++ticks == 8)
                t.Stop();
        }, 50, 50);
        LoopDriver.RunUntil(loop, () => ticks == 8);
        Assert.Equal(-1, timedOutAt);
        long lastTraffic = loop.Now;
        LoopDriver.RunUntil(loop, () => timedOutAt >= 0);
        Assert.True(timedOutAt - lastTraffic >= 190, $"fired {timedOutAt - lastTraffic} ms after the last traffic");
        Assert.True(timedOutAt - start >= 590);
        Assert.False(client.Destroyed); // a timeout does not close the socket
        ticker.Close();
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }
}

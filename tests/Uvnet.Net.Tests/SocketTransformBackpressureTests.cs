namespace Uvnet.Net.Tests;

/// <summary>
/// Backpressure under a transform that queues more than it is given (TLS's records; here four times the bytes): Node's
/// rule holds on what is queued after the write, expansion included. A write that leaves the queue at the high-water
/// mark returns false, and Drain follows once when it empties; bytes the transform queues on its own (writes it held,
/// its own records) owe Drain the same way. HTTP/2 and HTTP/1.1 wait for that Drain whenever the queue is at the mark.
/// </summary>
public class SocketTransformBackpressureTests
{
    private sealed record Setup(Loop Loop, Server Server, Socket Client, InflatingTransform Transform, Func<long> Received, List<string> Log);

    private static Setup Start()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        long received = 0;
        peer.Data += (_, data) => received += data.Length;
        var transform = new InflatingTransform(client);
        client.SetTransform(transform);
        var log = new List<string>();
        client.Drain += _ => log.Add("drain");
        return new Setup(loop, server, client, transform, () => received, log);
    }

    private static void Stop(Setup s)
    {
        s.Client.Destroy();
        s.Server.Close();
        LoopDriver.CloseLoop(s.Loop);
    }

    [Fact]
    public void A_write_the_transform_brings_to_the_mark_returns_false_and_Drain_follows_once()
    {
        var s = Start();
        int mark = s.Client.WritableHighWaterMark;
        int quarter = mark / InflatingTransform.Factor;
        Assert.True(s.Client.Write(new byte[quarter * 3 / 4], _ => s.Log.Add("first")));
        Assert.Equal(mark * 3 / 4, s.Client.WritableLength);
        Assert.False(s.Client.WritableNeedDrain);
        // Counted before the transform, the queue would be 3/4 of the mark plus a sixteenth: below it. It is at it.
        Assert.False(s.Client.Write(new byte[quarter / 4], _ => s.Log.Add("second")));
        Assert.Equal(mark, s.Client.WritableLength);
        Assert.True(s.Client.WritableNeedDrain);

        s.Transform.Release();
        LoopDriver.RunUntil(s.Loop, () => s.Log.Contains("drain"));
        Assert.Equal(["first", "second", "drain"], s.Log);
        Assert.Equal(mark, s.Received());
        LoopDriver.RunFor(s.Loop, 20);
        Assert.Equal(["first", "second", "drain"], s.Log); // once
        Assert.False(s.Client.WritableNeedDrain);
        Stop(s);
    }

    [Fact]
    public void Writes_an_uncork_sends_through_the_transform_to_the_mark_owe_a_Drain()
    {
        var s = Start();
        int quarter = s.Client.WritableHighWaterMark / InflatingTransform.Factor;
        s.Client.Cork();
        Assert.True(s.Client.Write(new byte[quarter / 2]));
        Assert.True(s.Client.Write(new byte[quarter / 2])); // half the mark held by the cork, as written
        s.Client.Uncork();
        Assert.Equal(s.Client.WritableHighWaterMark, s.Client.WritableLength);
        Assert.True(s.Client.WritableNeedDrain);

        s.Transform.Release();
        LoopDriver.RunUntil(s.Loop, () => s.Log.Contains("drain"));
        LoopDriver.RunFor(s.Loop, 20);
        Assert.Equal(["drain"], s.Log);
        Stop(s);
    }

    [Fact]
    public void Bytes_the_transform_queues_on_its_own_to_the_mark_owe_a_Drain_after_they_are_taken()
    {
        var s = Start();
        int mark = s.Client.WritableHighWaterMark;
        Assert.True(s.Client.Write(new byte[mark / InflatingTransform.Factor / 2], _ => s.Log.Add("write")));
        s.Transform.Release();
        LoopDriver.RunUntil(s.Loop, () => s.Log.Contains("write"));
        Assert.Equal(0, s.Client.WritableLength);

        // Its own bytes (a TLS handshake flight, alert or KeyUpdate answer): no socket write completes with them.
        s.Transform.QueueOwn(mark);
        Assert.True(s.Client.WritableNeedDrain);
        LoopDriver.RunFor(s.Loop, 20);
        Assert.Equal(["write"], s.Log); // not while they wait

        s.Transform.Release();
        LoopDriver.RunUntil(s.Loop, () => s.Log.Contains("drain"));
        LoopDriver.RunFor(s.Loop, 20);
        Assert.Equal(["write", "drain"], s.Log);
        Assert.Equal(mark / 2 + mark, s.Received());
        Stop(s);
    }
}

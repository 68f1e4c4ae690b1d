using Uvnet.Net;

namespace Uvnet.Tls.Tests;

/// <summary>
/// The socket's backpressure under TLS counts the records queued, which are larger than the bytes written: a write
/// whose records bring the queue to the high-water mark returns false, and Drain follows once it empties, as a writer
/// that waits for Drain whenever the queue is at the mark (HTTP/2, HTTP/1.1) needs.
/// </summary>
[Collection(nameof(Sequential))]
public sealed class TlsBackpressureTests
{
    // Small writes, so the kernel, once full, leaves less than one of them queued.
    private const int FillChunk = 1000;

    [Fact]
    public void A_write_whose_records_reach_the_mark_returns_false_and_Drain_follows_once()
    {
        var loop = new Loop();
        Socket? peer = null;
        long received = 0;
        var server = Tls.CreateServer(loop, TlsEchoTests.ServerOptions(), s =>
        {
            peer = s;
            s.Data += (_, data) => received += data.Length;
        });
        server.Listen(0, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => server.Port > 0);
        bool secure = false;
        var client = Tls.Connect(loop, server.Port, "localhost", TlsEchoTests.ClientOptions(), _ => secure = true);
        int drains = 0;
        client.Drain += _ => drains++;
        LoopDriver.RunUntil(loop, () => secure && peer is not null);
        peer!.Pause(); // the peer reads nothing more: the kernel fills, and what is queued stays queued

        var chunk = new byte[FillChunk];
        while (client.WritableLength == 0)
            Assert.True(client.Write(chunk));
        long queued = client.WritableLength;
        Assert.InRange(queued, 1, FillChunk + 100);
        Assert.False(client.WritableNeedDrain);
        // With its bytes the queue is one below the mark; with its record's header and tag, at it or over.
        int size = (int)(client.WritableHighWaterMark - queued - 1);
        Assert.False(client.Write(new byte[size]));
        Assert.True(client.WritableLength >= client.WritableHighWaterMark);
        Assert.True(client.WritableNeedDrain);

        peer.Resume();
        LoopDriver.RunUntil(loop, () => drains == 1);
        Assert.Equal(0, client.WritableLength);
        LoopDriver.RunUntil(loop, () => received == client.BytesWritten);
        LoopDriver.RunFor(loop, 20);
        Assert.Equal(1, drains);
        client.Destroy();
        peer.Destroy();
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
        TlsLeaks.AssertNone();
    }
}

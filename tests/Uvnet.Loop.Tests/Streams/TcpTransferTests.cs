namespace Uvnet.Tests.Streams;

/// <summary>Bulk transfer, after libuv's tcp_writealot: every byte arrives, in order, both ways at once.</summary>
public class TcpTransferTests
{
    private const int Total = 64 * 1024 * 1024;
    private const int Chunk = 256 * 1024;

    private static byte PatternAt(long offset, int seed) => (byte)((offset * 31 + seed + (offset >> 13)) & 0xFF);

    /// <summary>Writes the pattern in chunks, each written from a fresh buffer, then shuts down.</summary>
    private static void SendPattern(StreamHandle stream, int seed)
    {
        for (long offset = 0; offset < Total; offset += Chunk)
        {
            var buffer = new byte[Chunk];
            for (int i = 0; i < Chunk; i++)
                buffer[i] = PatternAt(offset + i, seed);
            Assert.Equal(0, stream.Write(buffer, (_, status) => Assert.Equal(0, status)));
        }
        Assert.Equal(0, stream.Shutdown());
    }

    private sealed class PatternChecker(int seed)
    {
        public long Received;
        public bool Eof;

        public void OnRead(StreamHandle s, int n, Memory<byte> buffer)
        {
            if (n == UvError.EOF)
            {
                Eof = true;
                return;
            }
            Assert.True(n >= 0, UvError.Name(n));
            ReadOnlySpan<byte> data = buffer.Span[..n];
            for (int i = 0; i < data.Length; i++)
            {
                if (data[i] != PatternAt(Received + i, seed))
                    Assert.Fail($"byte {Received + i} differs");
            }
            Received += n;
        }
    }

    [Fact]
    public void Sixty_four_MiB_each_way_arrive_byte_exact()
    {
        var loop = new Loop();
        var atServer = new PatternChecker(seed: 1);
        var atClient = new PatternChecker(seed: 2);
        var server = StreamTestKit.Listen(loop, peer =>
        {
            peer.ReadStart(atServer.OnRead);
            SendPattern(peer, seed: 2);
        });
        var client = new TcpHandle(loop);
        Assert.Equal(0, client.Connect(server.LocalEndPoint!, (_, status) =>
        {
            Assert.Equal(0, status);
            client.ReadStart(atClient.OnRead);
            SendPattern(client, seed: 1);
        }));

        LoopDriver.RunUntil(loop, () => atServer.Eof && atClient.Eof, seconds: 60);
        Assert.Equal(Total, atServer.Received);
        Assert.Equal(Total, atClient.Received);
        LoopDriver.CloseLoop(loop);
    }
}

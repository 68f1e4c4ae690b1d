namespace Uvnet.Tests.Streams;

/// <summary>sendfile(2) through the write queue: file bytes in order with buffered writes, byte-exact.</summary>
public class TcpSendFileTests
{
    [Fact]
    public void File_segment_is_sent_in_order_between_buffered_writes()
    {
        if (!OperatingSystem.IsLinux())
            return; // sendfile is Linux-only: elsewhere SendFile returns ENOTSUP
        string path = Path.GetTempFileName();
        try
        {
            var content = new byte[12 * 1024 * 1024 + 123];
            new Random(3).NextBytes(content);
            File.WriteAllBytes(path, content);
            var (loop, client, received) = ConnectedToReceiver();
            using var file = File.OpenHandle(path);
            var statuses = new List<int>();
            client.Write("head|"u8.ToArray(), (_, s) => statuses.Add(s));
            Assert.Equal(0, client.SendFile(new WriteRequest(), file, 100, content.Length - 100, (_, s) => statuses.Add(s)));
            client.Write("|tail"u8.ToArray(), (_, s) => statuses.Add(s));
            client.Shutdown();
            LoopDriver.RunUntil(loop, () => received.Ended, seconds: 60);

            Assert.Equal([0, 0, 0], statuses);
            byte[] got = received.Bytes.ToArray();
            Assert.Equal(5 + content.Length - 100 + 5, got.Length);
            Assert.Equal("head|"u8.ToArray(), got[..5]);
            Assert.True(content.AsSpan(100).SequenceEqual(got.AsSpan(5, content.Length - 100)));
            Assert.Equal("|tail"u8.ToArray(), got[^5..]);
            LoopDriver.CloseLoop(loop);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void File_shorter_than_announced_fails_the_request_with_EIO()
    {
        if (!OperatingSystem.IsLinux())
            return;
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, new byte[1000]);
            var loop = new Loop();
            var (client, peer) = StreamTestKit.Connected(loop);
            peer.ReadStart((_, _, _) => { });
            using var file = File.OpenHandle(path);
            int status = 1;
            client.SendFile(new WriteRequest(), file, 0, 5000, (_, s) => status = s);
            LoopDriver.RunUntil(loop, () => status != 1);
            Assert.Equal(UvError.EIO, status);
            LoopDriver.CloseLoop(loop);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Nothing_is_sent_after_a_file_shorter_than_announced()
    {
        if (!OperatingSystem.IsLinux())
            return;
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, new byte[1000]);
            var (loop, client, received) = ConnectedToReceiver();
            using var file = File.OpenHandle(path);
            var statuses = new List<int>();
            client.SendFile(new WriteRequest(), file, 0, 5000, (_, s) => statuses.Add(s));
            // Written before the failure is reported: bytes after the gap would be read as the file's missing ones.
            int later = client.Write("later"u8.ToArray(), (_, s) => statuses.Add(s));
            LoopDriver.RunUntil(loop, () => statuses.Count == 1);
            client.Close();
            LoopDriver.RunUntil(loop, () => received.Ended);

            Assert.Equal([UvError.EIO], statuses);
            Assert.Equal(UvError.EPIPE, later);
            Assert.Equal(1000, received.Bytes.Length);
            LoopDriver.CloseLoop(loop);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>What the peer read, and whether it has read the end.</summary>
    private sealed class Received
    {
        internal MemoryStream Bytes { get; } = new();

        internal bool Ended { get; set; }
    }

    /// <summary>A connected pair on a new loop whose peer collects what it reads.</summary>
    private static (Loop Loop, TcpHandle Client, Received Received) ConnectedToReceiver()
    {
        var loop = new Loop();
        var (client, peer) = StreamTestKit.Connected(loop);
        var received = new Received();
        peer.ReadStart((_, n, b) =>
        {
            if (n > 0) received.Bytes.Write(b.Span[..n]);
            else if (n == UvError.EOF) received.Ended = true;
        });
        return (loop, client, received);
    }
}

namespace Uvnet.Tests.Streams;

/// <summary>Many connections on one loop, and no descriptors left behind.</summary>
[Collection(Sequential.Name)]
public class TcpScaleTests
{
    [Fact]
    public void One_thousand_concurrent_echo_clients_on_one_loop()
    {
        var loop = new Loop();
        var server = StreamTestKit.Listen(loop, StreamTestKit.Echo, backlog: 1024);
        int done = 0;
        for (int i = 0; i < 1000; i++)
        {
            byte[] message = BitConverter.GetBytes(i * 7919L);
            var client = new TcpHandle(loop);
            var got = new List<byte>();
            client.Connect(server.LocalEndPoint!, (_, status) =>
            {
                Assert.Equal(0, status);
                client.ReadStart((s, n, b) =>
                {
                    if (n > 0)
                        got.AddRange(b.Span[..n].ToArray());
                    else if (n == UvError.EOF)
                    {
                        Assert.Equal(message, got.ToArray());
                        done++;
                        s.Close();
                    }
                });
                client.Write(message);
                client.Shutdown();
            });
        }
        LoopDriver.RunUntil(loop, () => done == 1000, seconds: 60);
        LoopDriver.CloseLoop(loop);
    }

    /// <summary>
    /// Open socket descriptors, after finalizers have closed what other tests left to the GC. Sockets only: the
    /// runtime and the test host open and close descriptors of their own (pipes, files) at any time.
    /// </summary>
    private static int OpenSockets()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return Directory.GetFiles("/proc/self/fd").Count(fd =>
        {
            try { return new FileInfo(fd).LinkTarget?.StartsWith("socket:", StringComparison.Ordinal) == true; }
            catch (IOException) { return false; } // closed while we looked
        });
    }

    [Fact]
    public void Five_thousand_connect_close_cycles_leave_no_descriptor_behind()
    {
        if (!OperatingSystem.IsLinux())
            return; // counts /proc/self/fd
        var loop = new Loop();
        var server = StreamTestKit.Listen(loop, peer => peer.ReadStart((s, n, _) => { if (n < 0) s.Close(); }), backlog: 1024);
        int cycles = 0, target = 0;
        void Cycle()
        {
            var client = new TcpHandle(loop);
            client.Connect(server.LocalEndPoint!, (_, status) =>
            {
                Assert.Equal(0, status);
                client.Close(_ =>
                {
                    if (++cycles < target)
                        Cycle();
                });
            });
        }
        // Warm up the runtime's own descriptors before counting.
        target = 10;
        Cycle();
        LoopDriver.RunUntil(loop, () => cycles == target && StreamTestKit.OpenStreams(loop) == 1);
        int before = OpenSockets();
        target = 5010;
        Cycle();
        LoopDriver.RunUntil(loop, () => cycles == target, seconds: 60);
        // The server side closes on EOF: give those reads their turn.
        LoopDriver.RunUntil(loop, () => StreamTestKit.OpenStreams(loop) == 1);
        Assert.Equal(before, OpenSockets());
        LoopDriver.CloseLoop(loop);
    }
}

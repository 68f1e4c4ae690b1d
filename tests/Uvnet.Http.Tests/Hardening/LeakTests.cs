using System.Text;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Hardening;

/// <summary>After many connect/request/close cycles the process holds what it held before: descriptors, handles, heap.</summary>
[Collection(Sequential.Name)]
public class LeakTests
{
    private static int OpenSockets() => Directory.GetFiles("/proc/self/fd").Count(fd =>
    {
        try { return new FileInfo(fd).LinkTarget?.StartsWith("socket:", StringComparison.Ordinal) == true; }
        catch (IOException) { return false; } // closed while we looked
    });

    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    [Fact]
    public void Ten_thousand_connect_request_close_cycles_leave_descriptors_handles_and_heap_at_baseline()
    {
        if (!OperatingSystem.IsLinux())
            return; // counts /proc/self/fd
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.SetHeader("Content-Type", "text/plain");
            res.End("Hello, World!");
        });
        byte[] request = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

        void Cycles(int count) => fixture.Run(async () =>
        {
            // Eight clients at a time, each connecting, asking, reading to the server's close, closing.
            await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, _) =>
            {
                using var socket = await RawClient.ConnectAsync(fixture.Port);
                await socket.SendAsync(request);
                string response = await RawClient.ReadToCloseAsync(socket);
                Assert.EndsWith("Hello, World!", response);
            });
        });

        Cycles(1_000); // warm up: pools, JIT, the runtime's own sockets
        LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.ConnectionCount == 0);
        Settle();
        int sockets = OpenSockets();
        int handles = fixture.Loop.HandleCount;
        long heap = GC.GetTotalMemory(forceFullCollection: true);

        Cycles(10_000);
        LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.ConnectionCount == 0);
        // Closed handles finish in the loop's closing phase: give the last ones their turn.
        LoopDriver.RunUntil(fixture.Loop, () => fixture.Loop.HandleCount <= handles);
        Settle();

        Assert.Equal(sockets, OpenSockets());
        Assert.Equal(handles, fixture.Loop.HandleCount);
        // Shared pools (arrays, write requests) may keep a few more buffers than after the warm-up; a leak of even
        // 100 bytes a connection would add about 1 MB.
        long grown = GC.GetTotalMemory(forceFullCollection: true) - heap;
        Assert.True(grown < 512 * 1024, $"the heap grew by {grown} bytes over 10,000 connections");
    }
}

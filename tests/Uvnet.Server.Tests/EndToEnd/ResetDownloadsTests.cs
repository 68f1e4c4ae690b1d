using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Uvnet.Server.Tests.EndToEnd;

/// <summary>
/// Clients that reset their connection in the middle of a sendfile download: uvnet logs no error, closes every
/// socket and every file it opened for them, and goes on serving.
/// </summary>
public class ResetDownloadsTests
{
    private const int Clients = 40;

    /// <summary>The targets of <paramref name="pid"/>'s open descriptors (Linux's /proc).</summary>
    private static List<string> OpenDescriptors(int pid) => Directory.GetFiles($"/proc/{pid}/fd").Select(fd =>
    {
        try { return new FileInfo(fd).LinkTarget ?? ""; }
        catch (IOException) { return ""; } // closed while we looked
    }).ToList();

    private static int Sockets(int pid) => OpenDescriptors(pid).Count(target => target.StartsWith("socket:", StringComparison.Ordinal));

    [Fact]
    public async Task Downloads_reset_midway_leave_no_socket_or_file_open_and_the_server_serves_on()
    {
        if (!OperatingSystem.IsLinux())
            return; // reads /proc/PID/fd
        using var tree = new TempTree();
        string big = Path.Join(tree.Root, "big.bin");
        MarkedSparseFile.Create(big, 16L << 20);
        tree.File("a.txt", "a");
        using var server = await RunningUvnet.StartAsync("serve", tree.Root, "--loops", "1", "--quiet", "--stats", "1");
        Assert.Equal("a", (await RawHttp.GetAsync(server.Port, "/a.txt")).BodyText);
        // Counted once the stats show the first request's connection gone (the server may still hold it a moment).
        string idle = await server.WaitForErrorAsync(line => line.EndsWith(" connections=0", StringComparison.Ordinal), server.Error.Count);
        int socketsBefore = Sockets(server.Id);

        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async _ =>
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(IPAddress.Loopback, server.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes("GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
            var buffer = new byte[64 * 1024];
            for (long received = 0; received < 256 * 1024;)
            {
                int n = await socket.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(RunningUvnet.Bound);
                Assert.True(n > 0, "the server closed a download before it was reset");
                received += n;
            }
            socket.LingerState = new LingerOption(true, 0); // close with a reset, mid-download
        }));

        // The server notices each reset on its next write: once its stats show no connection again, the handles
        // are those it had idle, and every socket and file it opened for the downloads is closed.
        int from = server.Error.Count;
        Assert.Equal(idle, await server.WaitForErrorAsync(line => line.EndsWith(" connections=0", StringComparison.Ordinal), from));
        Assert.Equal(socketsBefore, Sockets(server.Id));
        Assert.DoesNotContain(big, OpenDescriptors(server.Id));

        Assert.Equal("a", (await RawHttp.GetAsync(server.Port, "/a.txt")).BodyText);
        Assert.Equal(0, await server.StopAsync());
        Assert.DoesNotContain(server.Error, line => line.Contains("Exception", StringComparison.Ordinal));
    }
}

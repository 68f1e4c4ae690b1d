using System.Diagnostics;

namespace Uvnet.Server.Tests.EndToEnd;

/// <summary>Files under the served folder that are not regular files must not stall the loop that serves them.</summary>
public class SpecialFilesTests
{
    [Fact]
    public async Task A_fifo_under_the_root_is_answered_empty_without_blocking_the_loop()
    {
        if (!OperatingSystem.IsLinux())
            return; // mkfifo(1)
        using var tree = new TempTree();
        tree.File("a.txt", "a");
        using (var mkfifo = Process.Start("mkfifo", [Path.Join(tree.Root, "pipe")]))
        {
            await mkfifo.WaitForExitAsync().WaitAsync(RunningUvnet.Bound);
            Assert.Equal(0, mkfifo.ExitCode);
        }
        using var server = await RunningUvnet.StartAsync("serve", tree.Root, "--loops", "1", "--quiet");

        // Opening a FIFO for reading blocks until a writer comes: the loop would serve nobody again.
        var pipe = await RawHttp.GetAsync(server.Port, "/pipe");
        Assert.Equal((200, 0), (pipe.Status, pipe.Body.Length));
        Assert.Equal("a", (await RawHttp.GetAsync(server.Port, "/a.txt")).BodyText);
        Assert.Equal(0, await server.StopAsync());
    }
}

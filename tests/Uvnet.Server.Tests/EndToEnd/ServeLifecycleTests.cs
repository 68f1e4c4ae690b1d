using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Uvnet.Server.Tests.EndToEnd;

/// <summary><c>uvnet serve</c>'s process as a service manager sees it: several loops, and SIGTERM.</summary>
public partial class ServeLifecycleTests
{
    [Fact]
    public async Task Loops_2_serves_connections_on_both_loops()
    {
        using var tree = new TempTree();
        tree.File("a.txt", "a");
        using var server = await RunningUvnet.StartAsync("serve", tree.Root, "--loops", "2", "--quiet");
        Assert.Contains("2 loops; Ctrl+C to stop", server.Output);
        // The loops share one listening socket, which wakes the first loop waiting in the order they registered it,
        // and a loop that accepts goes to the back of that order: connections made one at a time, with both loops
        // idle at each, do not all go to the loop that registered first. A loop kept off the CPU by a loaded machine
        // misses its turn, so there are enough connections for both to get some even then (8 were not).
        const int connections = 64;
        for (int i = 0; i < connections; i++)
            Assert.Equal("a", (await RawHttp.GetAsync(server.Port, "/a.txt")).BodyText);

        Assert.Equal(0, await server.StopAsync());
        var served = ServedLine().Match(server.Error[^1]);
        Assert.True(served.Success, $"no per-loop count in: {server.Error[^1]}");
        Assert.Equal(connections, int.Parse(served.Groups[1].Value));
        Assert.True(int.Parse(served.Groups[2].Value) > 0 && int.Parse(served.Groups[3].Value) > 0, served.Value);
    }

    [Fact]
    public async Task Sigterm_during_a_download_lets_it_finish_then_exits_0()
    {
        using var tree = new TempTree();
        // Large enough to be mostly in the server's queue at the signal, small enough for the rest to arrive within
        // the 5 s grace period on a loaded machine (256 MiB did not).
        var big = MarkedSparseFile.Create(Path.Join(tree.Root, "big.bin"), 32L << 20);
        using var server = await RunningUvnet.StartAsync("serve", tree.Root, "--loops", "1");
        // A small receive buffer (set before connecting, so the kernel does not grow it) keeps most of the file in
        // the server's queue while this client holds off reading: the download is truly in flight at the signal.
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, token) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 64 * 1024 };
                await socket.ConnectAsync(context.DnsEndPoint, token);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var client = new HttpClient(handler) { Timeout = RunningUvnet.Bound };
        using var response = await client.GetAsync(server.Url("/big.bin"), HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        bool signalled = false;
        long received = await big.VerifyAsync(body, afterRead: async bytes =>
        {
            if (signalled || bytes < 1 << 20)
                return;
            signalled = true;
            server.Terminate();
            await server.WaitForErrorAsync(line => line == "uvnet: shutting down");
        });
        Assert.True(signalled);
        Assert.Equal(big.Length, received);

        Assert.Equal(0, await server.WaitForExitAsync(RunningUvnet.Bound));
        Assert.Contains(server.Output, line => line.EndsWith($"\"GET /big.bin HTTP/1.1\" 200 {big.Length}", StringComparison.Ordinal));
        Assert.Equal("uvnet: 1 connection served", server.Error[^1]);
    }

    [Fact]
    public async Task Another_program_cannot_listen_on_the_port_while_uvnet_listens_on_it()
    {
        using var tree = new TempTree();
        using var server = await RunningUvnet.StartAsync("serve", tree.Root, "--loops", "2", "--quiet");
        Assert.Equal(SocketError.AddressAlreadyInUse, PortIntruder.TryListen(new IPEndPoint(IPAddress.Loopback, server.Port)));
        Assert.Equal(0, await server.StopAsync());
    }

    [Fact]
    public async Task A_second_uvnet_on_the_same_port_exits_with_eaddrinuse()
    {
        using var tree = new TempTree();
        using var first = await RunningUvnet.StartAsync("serve", tree.Root, "--loops", "2", "--quiet");
        string port = first.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (exitCode, _, error) = await UvnetProcess.RunAsync("serve", tree.Root, "--host", "127.0.0.1", "--port", port, "--loops", "2", "--quiet");
        Assert.Equal(1, exitCode);
        Assert.Contains("EADDRINUSE", error);
        Assert.DoesNotContain("shutting down", error); // it never started
        Assert.Equal(0, await first.StopAsync());
    }

    [GeneratedRegex(@"^uvnet: (\d+) connections served \(loop 0: (\d+), loop 1: (\d+)\)$")]
    private static partial Regex ServedLine();
}

using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Uvnet.Server.Tests.EndToEnd;

/// <summary>
/// SIGTERM while <c>uvnet serve</c> is busy: every response in flight at the signal reaches its client complete,
/// requests the server had taken in are all answered, no client sees a response cut short, and uvnet exits 0.
/// </summary>
public class ShutdownUnderLoadTests
{
    private const int Downloaders = 6;
    private const int Askers = 8;
    private const long BigLength = 8L << 20; // more than the kernel's socket buffers hold: the rest waits in uvnet

    private static string Get(string target) => $"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

    private static async Task<Socket> ConnectAsync(int port, int? receiveBuffer = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBuffer is { } size)
            socket.ReceiveBufferSize = size; // set before connecting, so the kernel does not grow it
        await socket.ConnectAsync(IPAddress.Loopback, port);
        return socket;
    }

    [Fact]
    public async Task Sigterm_under_load_delivers_every_response_in_flight_complete_then_exits_0()
    {
        using var tree = new TempTree();
        MarkedSparseFile.Create(Path.Join(tree.Root, "big.bin"), BigLength);
        tree.File("small.txt", "small");
        using var server = await RunningUvnet.StartAsync("serve", tree.Root, "--loops", "2", "--quiet");

        // Downloaders: a large file and two small ones pipelined behind it, read only after the signal.
        var downloaders = await Task.WhenAll(Enumerable.Range(0, Downloaders).Select(async _ =>
        {
            var socket = await ConnectAsync(server.Port, receiveBuffer: 64 * 1024);
            await socket.SendAsync(Encoding.ASCII.GetBytes(Get("/big.bin") + Get("/small.txt") + Get("/small.txt")));
            var responses = new ResponseStream(socket);
            await responses.WaitForFirstByteAsync(); // the server has taken the batch in (it came in one segment)
            return (socket, responses);
        }));

        // Askers: keep-alive clients asking one request after another until the server closes the connection.
        var answered = Enumerable.Range(0, Askers).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var askers = answered.Select(first => Task.Run(() => AskUntilClosedAsync(server.Port, first))).ToArray();
        await Task.WhenAll(answered.Select(a => a.Task)).WaitAsync(RunningUvnet.Bound); // all are under way
        // timeout(1) and some service managers send SIGTERM twice: the second must not cut the graceful stop short.
        server.Terminate();
        server.Terminate();
        await server.WaitForErrorAsync(line => line == "uvnet: shutting down");

        foreach (var (socket, responses) in downloaders)
        {
            using (socket)
            {
                var big = await responses.NextAsync();
                var first = await responses.NextAsync();
                var second = await responses.NextAsync();
                Assert.Equal(new StreamedResponse(200, false, BigLength), big);
                Assert.Equal(new StreamedResponse(200, false, 5), first);
                Assert.NotNull(second);
                Assert.Equal((200, 5L), (second.Value.Status, second.Value.BodyLength));
                Assert.Null(await responses.NextAsync()); // then the server's FIN, and nothing else
            }
        }
        Assert.All(await Task.WhenAll(askers), count => Assert.True(count > 0));
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        Assert.DoesNotContain(server.Error, line => line.Contains("Exception", StringComparison.Ordinal));
    }

    /// <summary>
    /// Asks for a small file over and over on one connection until the server closes it (<paramref name="firstAnswered"/>
    /// completes with the first response); each response must be complete. Returns how many came back.
    /// </summary>
    private static async Task<int> AskUntilClosedAsync(int port, TaskCompletionSource firstAnswered)
    {
        using var socket = await ConnectAsync(port);
        var responses = new ResponseStream(socket);
        byte[] request = Encoding.ASCII.GetBytes(Get("/small.txt"));
        for (int answered = 0; ; answered++)
        {
            try
            {
                await socket.SendAsync(request);
            }
            catch (SocketException)
            {
                return answered; // the server closed this connection between two requests
            }
            if (await responses.NextAsync() is not { } response)
                return answered; // closed before this request was taken in: nothing of it was sent
            Assert.Equal((200, 5L), (response.Status, response.BodyLength));
            firstAnswered.TrySetResult();
            if (response.SaysClose)
            {
                Assert.Null(await responses.NextAsync());
                return answered + 1;
            }
        }
    }
}

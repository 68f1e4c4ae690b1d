using System.Net;
using System.Net.Sockets;
using System.Text;
using Uvnet.Http.Server;

namespace Uvnet.Http.Tests.Server;

/// <summary>
/// An HTTP server on its own loop, driven by the test thread while clients (HttpClient, raw sockets, curl, node)
/// run on other threads: <see cref="Run{T}"/> turns the loop until the client's work completes, with a deadline.
/// </summary>
internal sealed class ServerFixture : IDisposable
{
    private ServerFixture(Loop loop, HttpServer server)
    {
        Loop = loop;
        Server = server;
    }

    internal Loop Loop { get; }

    internal HttpServer Server { get; }

    internal int Port => Server.Port;

    internal string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    internal static ServerFixture Start(Action<IncomingMessage, ServerResponse> handler, HttpServerOptions? options = null)
    {
        var loop = new Loop();
        return Listen(loop, Http.CreateServer(loop, handler, options));
    }

    internal static ServerFixture Start(Func<IncomingMessage, ServerResponse, Task> handler, HttpServerOptions? options = null)
    {
        var loop = new Loop();
        return Listen(loop, Http.CreateServer(loop, handler, options));
    }

    private static ServerFixture Listen(Loop loop, HttpServer server)
    {
        bool listening = false;
        server.Error += (_, e) => Assert.Fail(e.Message);
        server.Listen(0, "127.0.0.1", callback: () => listening = true);
        LoopDriver.RunUntil(loop, () => listening);
        return new ServerFixture(loop, server);
    }

    /// <summary>Runs <paramref name="client"/> on the thread pool while this thread drives the loop; fails after <paramref name="bound"/> (30 s by default).</summary>
    internal T Run<T>(Func<Task<T>> client, TimeSpan? bound = null)
    {
        var work = Task.Run(client).WaitAsync(bound ?? TimeSpan.FromSeconds(30));
        return Loop.RunUntil(work);
    }

    /// <inheritdoc cref="Run{T}"/>
    internal void Run(Func<Task> client, TimeSpan? bound = null) => Run(async () => { await client(); return true; }, bound);

    /// <summary>
    /// Sends <paramref name="request"/> on a raw connection (then, with <paramref name="endAfterSending"/>, ends the
    /// client's side) and reads until the server closes it.
    /// </summary>
    internal string Exchange(string request, bool endAfterSending = false) => Run(async () =>
    {
        using var socket = await RawClient.ConnectAsync(Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        if (endAfterSending)
            socket.Shutdown(SocketShutdown.Send);
        return await RawClient.ReadToCloseAsync(socket);
    });

    public void Dispose()
    {
        Server.CloseAllConnections();
        Server.Close();
        LoopDriver.CloseLoop(Loop);
    }
}

/// <summary>A plain socket client, for what real clients will not send.</summary>
internal static class RawClient
{
    /// <summary>
    /// Connects to <paramref name="port"/>; a <paramref name="receiveBuffer"/> size (set before connecting, so the
    /// kernel does not grow it) keeps what the client leaves unread in the server's write queue.
    /// </summary>
    internal static async Task<Socket> ConnectAsync(int port, int? receiveBuffer = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBuffer is { } size)
            socket.ReceiveBufferSize = size;
        await socket.ConnectAsync(IPAddress.Loopback, port);
        return socket;
    }

    /// <summary>Reads until the peer closes; the text received.</summary>
    internal static async Task<string> ReadToCloseAsync(Socket socket)
    {
        var text = new StringBuilder();
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = await ReceiveOrEndAsync(socket, buffer)) > 0)
            text.Append(Encoding.Latin1.GetString(buffer, 0, n));
        return text.ToString();
    }

    /// <summary>One receive: the byte count, or 0 once the peer has closed (a reset counts as a close).</summary>
    private static async Task<int> ReceiveOrEndAsync(Socket socket, byte[] buffer)
    {
        try { return await socket.ReceiveAsync(buffer); }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset) { return 0; }
    }

    /// <summary>Reads a response until the peer closes; the count of bytes after its head.</summary>
    internal static async Task<long> CountBodyToCloseAsync(Socket socket)
    {
        var buffer = new byte[64 * 1024];
        var head = new List<byte>();
        long body = -1;
        int n;
        while ((n = await ReceiveOrEndAsync(socket, buffer)) > 0)
        {
            if (body >= 0)
            {
                body += n;
                continue;
            }
            head.AddRange(buffer.AsSpan(0, n));
            int end = Encoding.Latin1.GetString(head.ToArray()).IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
                body = head.Count - (end + 4);
        }
        return Math.Max(body, 0);
    }

    /// <summary>Reads until <paramref name="done"/> holds for the text received so far.</summary>
    internal static async Task<string> ReadUntilAsync(Socket socket, Func<string, bool> done)
    {
        var text = new StringBuilder();
        var buffer = new byte[64 * 1024];
        while (!done(text.ToString()))
        {
            int n = await socket.ReceiveAsync(buffer);
            if (n == 0)
                break;
            text.Append(Encoding.Latin1.GetString(buffer, 0, n));
        }
        return text.ToString();
    }

    /// <summary>Counts the occurrences of <paramref name="what"/> in <paramref name="text"/>.</summary>
    internal static int Count(string text, string what)
    {
        int count = 0;
        for (int i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal))
            count++;
        return count;
    }
}

using System.Net.Sockets;

namespace Uvnet.Bench.Dotnet;

/// <summary>
/// async/await on <see cref="Socket"/> with <see cref="Memory{T}"/> (the ValueTask overloads, no
/// allocation per operation). Continuations run where .NET schedules them: its epoll thread hands
/// completions to the thread pool; the harness pins the whole process to one core.
/// </summary>
internal sealed class AsyncVariant : ISocketVariant
{
    // libuv's suggested read size.
    private const int ReadBufferSize = 65536;

    public void StartEcho(Socket socket) => _ = EchoAsync(socket);

    public void StartPinger(Socket socket, Pinger pinger, StopSignal stop) => _ = PingAsync(socket, pinger, stop);

    public void StartWriter(Socket socket, StopSignal stop) => _ = WriteAsync(socket, stop);

    public void StartSink(Socket socket, ByteCounter counter) => _ = SinkAsync(socket, counter);

    private static async Task EchoAsync(Socket socket)
    {
        var buffer = new byte[ReadBufferSize];
        await UntilClosed(async () =>
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None)) > 0)
                await socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
        });
    }

    private static async Task PingAsync(Socket socket, Pinger pinger, StopSignal stop)
    {
        var buffer = new byte[ReadBufferSize];
        await UntilClosed(async () =>
        {
            await socket.SendAsync(Pinger.Ping, SocketFlags.None);
            int n;
            while ((n = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None)) > 0)
            {
                if (pinger.Consume(buffer.AsSpan(0, n)) > 0)
                {
                    if (stop.IsSet)
                        return;
                    await socket.SendAsync(Pinger.Ping, SocketFlags.None);
                }
            }
        });
    }

    private static async Task WriteAsync(Socket socket, StopSignal stop)
    {
        await UntilClosed(async () =>
        {
            while (!stop.IsSet)
                await socket.SendAsync(PumpRun.Chunk, SocketFlags.None);
        });
    }

    private static async Task SinkAsync(Socket socket, ByteCounter counter)
    {
        var buffer = new byte[ReadBufferSize];
        await UntilClosed(async () =>
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None)) > 0)
                counter.Add(n);
        });
    }

    /// <summary>Runs a connection loop; the workload's end closes the socket under it, which is not an error.</summary>
    private static async Task UntilClosed(Func<Task> loop)
    {
        try
        {
            await loop();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }
}

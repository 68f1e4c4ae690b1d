using System.Net;

namespace Uvnet.Tests.Streams;

/// <summary>Shared pieces of the stream tests: run a loop until a condition holds, with a deadline; free ports; echo servers.</summary>
internal static class StreamTestKit
{
    internal static readonly IPEndPoint AnyLoopback = new(IPAddress.Loopback, 0);

    /// <summary>Streams on the loop that are not closing (each holds a descriptor).</summary>
    internal static int OpenStreams(Loop loop)
    {
        int count = 0;
        loop.Walk(h => count += h is StreamHandle && !h.IsClosing ? 1 : 0);
        return count;
    }

    /// <summary>A TCP listener on 127.0.0.1 with an ephemeral port; each accepted connection goes to <paramref name="onClient"/>.</summary>
    internal static TcpHandle Listen(Loop loop, Action<TcpHandle> onClient, IPEndPoint? at = null, int backlog = 511)
    {
        var server = new TcpHandle(loop);
        Assert.Equal(0, server.Bind(at ?? AnyLoopback));
        Assert.Equal(0, server.Listen(backlog, (s, status) =>
        {
            Assert.Equal(0, status);
            var client = new TcpHandle(loop);
            Assert.Equal(0, s.Accept(client));
            onClient(client);
        }));
        return server;
    }

    /// <summary>A TCP listener on 127.0.0.1 with an ephemeral port, whose connection callback is the caller's own.</summary>
    internal static TcpHandle Listen(Loop loop, ConnectionCallback onConnection)
    {
        var listener = new TcpHandle(loop);
        Assert.Equal(0, listener.Bind(AnyLoopback));
        Assert.Equal(0, listener.Listen(16, onConnection));
        return listener;
    }

    /// <summary>A client connecting to <paramref name="listener"/>, reading what it gets (the connect's status is not needed).</summary>
    internal static (TcpHandle Client, StreamReadLog Read) ConnectReading(TcpHandle listener)
    {
        var client = new TcpHandle(listener.Loop);
        Assert.Equal(0, client.Connect(listener.LocalEndPoint!, null));
        return (client, new StreamReadLog(client));
    }

    /// <summary>A client connected to a fresh listener; the server side's accepted stream is <c>Peer</c>.</summary>
    internal static (TcpHandle Client, TcpHandle Peer) Connected(Loop loop)
    {
        TcpHandle? peer = null;
        var server = Listen(loop, p => peer = p);
        var client = new TcpHandle(loop);
        bool connected = false;
        Assert.Equal(0, client.Connect(server.LocalEndPoint!, (_, s) => connected = s == 0));
        LoopDriver.RunUntil(loop, () => connected && peer is not null);
        return (client, peer!);
    }

    /// <summary>A read callback that appends every byte read to <paramref name="into"/>.</summary>
    internal static ReadCallback Collect(List<byte> into) =>
        (_, n, buffer) =>
        {
            if (n > 0)
                into.AddRange(buffer.Span[..n].ToArray());
        };

    /// <summary>Accepts the connection waiting on <paramref name="listener"/> and echoes on it.</summary>
    internal static void AcceptEcho(StreamHandle listener)
    {
        var accepted = new TcpHandle(listener.Loop);
        Assert.Equal(0, listener.Accept(accepted));
        Echo(accepted);
    }

    /// <summary>Echoes everything it reads and ends its side after the peer's EOF.</summary>
    internal static void Echo(StreamHandle stream) =>
        Assert.Equal(0, stream.ReadStart((s, n, buffer) =>
        {
            if (n > 0)
                Assert.Equal(0, s.Write(buffer[..n].ToArray()));
            else if (n == UvError.EOF)
                s.Shutdown((_, _) => s.Close());
            else if (n < 0)
                s.Close();
        }));
}

using System.Net.Sockets;

namespace Uvnet.Tests.Streams;

/// <summary>Socket options and adopting descriptors.</summary>
public class TcpOptionTests
{
    private static int GetOption(StreamHandle stream, int level, int name)
    {
        using var socket = new Socket(new SafeSocketHandle(stream.FileDescriptor, ownsHandle: false));
        return (int)socket.GetSocketOption((SocketOptionLevel)level, (SocketOptionName)name)!;
    }

    [Fact]
    public void No_delay_and_keep_alive_chosen_before_the_socket_exists_apply_once_it_does()
    {
        var loop = new Loop();
        var server = StreamTestKit.Listen(loop, _ => { });
        var client = new TcpHandle(loop);
        Assert.Equal(0, client.SetNoDelay(true));
        Assert.Equal(0, client.SetKeepAlive(true, 30));
        bool connected = false;
        client.Connect(server.LocalEndPoint!, (_, s) => connected = s == 0);
        LoopDriver.RunUntil(loop, () => connected);
        Assert.NotEqual(0, GetOption(client, (int)SocketOptionLevel.Tcp, (int)SocketOptionName.NoDelay));
        Assert.NotEqual(0, GetOption(client, (int)SocketOptionLevel.Socket, (int)SocketOptionName.KeepAlive));
        Assert.Equal(0, client.SetNoDelay(false));
        Assert.Equal(0, GetOption(client, (int)SocketOptionLevel.Tcp, (int)SocketOptionName.NoDelay));
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Keep_alive_refused_for_its_delay_stays_off()
    {
        if (!OperatingSystem.IsLinux())
            return; // the bound is Linux's (MAX_TCP_KEEPIDLE)
        var loop = new Loop();
        var (client, _) = StreamTestKit.Connected(loop);
        Assert.Equal(UvError.EINVAL, client.SetKeepAlive(true, 40_000));
        Assert.Equal(0, GetOption(client, (int)SocketOptionLevel.Socket, (int)SocketOptionName.KeepAlive));
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Try_write_writes_at_once_refuses_while_writes_are_queued_and_counts_in_bytes_sent()
    {
        // BytesSent is the slow-read measure of progress (the HTTP server's send timeout): every byte the kernel
        // took counts, whichever call handed it over.
        var loop = new Loop();
        var got = new List<byte>();
        var server = StreamTestKit.Listen(loop, p => p.ReadStart(StreamTestKit.Collect(got)));
        var client = new TcpHandle(loop);
        bool connected = false;
        client.Connect(server.LocalEndPoint!, (_, s) => connected = s == 0);
        Assert.Equal(UvError.EAGAIN, client.TryWrite("x"u8)); // still connecting
        LoopDriver.RunUntil(loop, () => connected);
        Assert.Equal(3, client.TryWrite("abc"u8));
        Assert.Equal(0, client.Write("de"u8.ToArray()));
        LoopDriver.RunUntil(loop, () => got.Count == 5);
        Assert.Equal(5, client.BytesSent);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Open_adopts_a_connected_descriptor()
    {
        var loop = new Loop();
        var got = new List<byte>();
        var server = StreamTestKit.Listen(loop, p => p.ReadStart(StreamTestKit.Collect(got)));
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Connect(server.LocalEndPoint!);
        var adopted = new TcpHandle(loop);
        Assert.Equal(0, adopted.Open((int)socket.SafeHandle.DangerousGetHandle()));
        socket.SafeHandle.SetHandleAsInvalid(); // the handle owns the descriptor now
        Assert.True(adopted.IsReadable && adopted.IsWritable);
        Assert.Equal(0, adopted.Write("adopted"u8.ToArray()));
        LoopDriver.RunUntil(loop, () => got.Count == 7);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Reuse_port_listeners_both_receive_connections()
    {
        var loop = new Loop();
        int[] accepted = new int[2];
        var listeners = new TcpHandle[2];
        for (int i = 0; i < 2; i++)
        {
            int index = i;
            listeners[i] = new TcpHandle(loop);
            Assert.Equal(0, listeners[i].Bind(i == 0 ? StreamTestKit.AnyLoopback : listeners[0].LocalEndPoint!, TcpBindFlags.ReusePort));
            Assert.Equal(0, listeners[i].Listen(128, (s, _) =>
            {
                var peer = new TcpHandle(loop);
                s.Accept(peer);
                accepted[index]++;
                peer.Close();
            }));
        }
        // The kernel hashes each connection to one listener: 64 all landing on one has odds of 2^-63.
        for (int i = 0; i < 64; i++)
            new TcpHandle(loop).Connect(listeners[0].LocalEndPoint!, (r, _) => r.Stream!.Close());
        LoopDriver.RunUntil(loop, () => accepted[0] + accepted[1] == 64);
        Assert.True(accepted[0] > 0 && accepted[1] > 0, $"{accepted[0]} / {accepted[1]}");
        LoopDriver.CloseLoop(loop);
    }
}

using System.Net;
using System.Net.Sockets;

namespace Uvnet.Tests.Streams;

/// <summary><see cref="TcpBindFlags.SharePort"/>: one listening socket for this process's loops, held against every other socket.</summary>
public class TcpSharePortTests
{
    private static TcpHandle ShareListen(Loop loop, IPEndPoint endpoint, Action<int> onAccepted)
    {
        var listener = new TcpHandle(loop);
        Assert.Equal(0, listener.Bind(endpoint, TcpBindFlags.SharePort));
        Assert.Equal(0, listener.Listen(128, (s, status) =>
        {
            Assert.Equal(0, status);
            var peer = new TcpHandle(loop);
            Assert.Equal(0, s.Accept(peer));
            onAccepted(1);
            peer.Close();
        }));
        return listener;
    }

    [Fact]
    public void Share_port_listeners_accept_from_one_socket_that_a_reuse_port_socket_cannot_join()
    {
        var loop = new Loop();
        int accepted = 0;
        var first = ShareListen(loop, StreamTestKit.AnyLoopback, n => accepted += n);
        var endpoint = first.LocalEndPoint!;
        var second = ShareListen(loop, endpoint, n => accepted += n);
        Assert.Equal(endpoint, second.LocalEndPoint);

        Assert.Equal(SocketError.AddressAlreadyInUse, PortIntruder.TryListen(endpoint));
        for (int i = 0; i < 16; i++)
            Assert.Equal(0, new TcpHandle(loop).Connect(endpoint, (r, _) => r.Stream!.Close()));
        LoopDriver.RunUntil(loop, () => accepted == 16);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void The_shared_socket_closes_with_the_last_handle_that_shares_it()
    {
        var loop = new Loop();
        var first = ShareListen(loop, StreamTestKit.AnyLoopback, _ => { });
        var endpoint = first.LocalEndPoint!;
        var second = ShareListen(loop, endpoint, _ => { });
        first.Close();
        LoopDriver.RunUntil(loop, () => first.IsClosed);
        Assert.Equal(SocketError.AddressAlreadyInUse, PortIntruder.TryListen(endpoint));

        second.Close();
        LoopDriver.RunUntil(loop, () => second.IsClosed);
        Assert.Null(PortIntruder.TryListen(endpoint));
        // The address is free for sharing again: a new handle binds a new socket rather than joining a closed one.
        var again = ShareListen(loop, endpoint, _ => { });
        Assert.Equal(endpoint, again.LocalEndPoint);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void A_port_held_by_another_socket_gives_the_first_share_port_bind_eaddrinuse()
    {
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        var loop = new Loop();
        var listener = new TcpHandle(loop);
        Assert.Equal(UvError.EADDRINUSE, listener.Bind((IPEndPoint)other.LocalEndpoint, TcpBindFlags.SharePort));
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Reuse_port_with_share_port_is_refused_before_anything_is_created()
    {
        var loop = new Loop();
        var listener = new TcpHandle(loop);
        Assert.Throws<ArgumentException>(() => listener.Bind(StreamTestKit.AnyLoopback, TcpBindFlags.ReusePort | TcpBindFlags.SharePort));
        Assert.Throws<ArgumentOutOfRangeException>(() => listener.Bind(StreamTestKit.AnyLoopback, (TcpBindFlags)64));
        Assert.Equal(-1, listener.FileDescriptor);
        LoopDriver.CloseLoop(loop);
    }
}

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
    public void Accepts_with_room_in_the_descriptor_table_leave_the_loops_accept_gate_unused()
    {
        // Issue 22: with room in the table an accept takes no process-wide lock (loops on other processors would share
        // its cache line at every accept); the gate serves only while descriptors are scarce (see TcpEmfileTests).
        var loop = new Loop();
        int accepted = 0;
        var first = ShareListen(loop, StreamTestKit.AnyLoopback, n => accepted += n);
        var second = ShareListen(loop, first.LocalEndPoint!, n => accepted += n);
        for (int i = 0; i < 16; i++)
            Assert.Equal(0, new TcpHandle(loop).Connect(first.LocalEndPoint!, (r, _) => r.Stream!.Close()));
        LoopDriver.RunUntil(loop, () => accepted == 16);
        Assert.False(Loop.DescriptorsScarce);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Successive_connections_to_a_port_shared_by_two_idle_loops_spread_across_both()
    {
        // Each loop on its own thread, idle in its poll when a connection comes: the kernel wakes the first of them
        // in the order they registered the socket, so without requeueing the first loop would take every one.
        const int connections = 8;
        int[] acceptedBy = new int[2];
        using var accepted = new SemaphoreSlim(0);
        IPEndPoint? endpoint = null;
        using var bound = new ManualResetEventSlim();
        using var joined = new CountdownEvent(2);
        var stops = new AsyncHandle?[2];
        var errors = new Exception?[2];
        var threads = new Thread[2];
        for (int n = 0; n < 2; n++)
        {
            int index = n;
            threads[n] = new Thread(() => errors[index] = Record.Exception(() =>
            {
                var loop = new Loop();
                // The second loop joins the socket the first one bound.
                Assert.True(index == 0 || bound.Wait(TimeSpan.FromSeconds(20)));
                var listener = ShareListen(loop, endpoint ?? StreamTestKit.AnyLoopback, _ =>
                {
                    Interlocked.Increment(ref acceptedBy[index]);
                    accepted.Release();
                });
                stops[index] = new AsyncHandle(loop, a =>
                {
                    a.Close();
                    listener.Close();
                });
                if (index == 0)
                {
                    endpoint = listener.LocalEndPoint!;
                    bound.Set();
                }
                joined.Signal();
                loop.Run();
                Assert.Equal(0, loop.Close());
            }));
            threads[n].Start();
        }
        try
        {
            Assert.True(joined.Wait(TimeSpan.FromSeconds(20)));
            // One at a time, each accepted before the next connects, so that both loops are idle at each connection.
            for (int i = 0; i < connections; i++)
            {
                using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                client.Connect(endpoint!);
                Assert.True(accepted.Wait(TimeSpan.FromSeconds(20)), $"connection {i} not accepted");
            }
        }
        finally
        {
            foreach (var stop in stops)
                stop?.Send();
            foreach (var thread in threads)
                Assert.True(thread.Join(TimeSpan.FromSeconds(20)));
        }
        Assert.Null(errors[0]);
        Assert.Null(errors[1]);
        Assert.True(acceptedBy[0] >= connections / 4 && acceptedBy[1] >= connections / 4, $"loop 0: {acceptedBy[0]}, loop 1: {acceptedBy[1]}");
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

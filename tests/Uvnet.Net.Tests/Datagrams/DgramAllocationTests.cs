namespace Uvnet.Net.Tests.Datagrams;

/// <summary>
/// The dgram hot paths allocate nothing in the steady state, as the loop's (tests/Uvnet.Loop.Tests/Udp/UdpAllocationTests.cs):
/// Message handlers answering with Send(msg, rinfo.Port, rinfo.Address), and awaited ReceiveAsync loops.
/// </summary>
public sealed class DgramAllocationTests
{
    // With sixteen peers, the server answers each by its rinfo: neither their endpoints nor their address texts are made anew.
    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    public void Echoing_through_Message_and_Send_allocates_nothing(int clients)
    {
        var loop = new Loop();
        var server = DgramTestKit.Bound(loop);
        byte[] payload = new byte[64];
        int roundTrips = 0;
        server.Message += (s, data, remote) => s.Send(payload, remote.Port, remote.Address);
        var sockets = new List<DgramSocket> { server };
        for (int i = 0; i < clients; i++)
        {
            var client = DgramTestKit.Bound(loop);
            client.Message += (s, data, remote) =>
            {
                roundTrips++;
                s.Send(payload, remote.Port, remote.Address);
            };
            client.Send(payload, server.Address().Port, "127.0.0.1");
            sockets.Add(client);
        }
        LoopDriver.RunUntil(loop, () => roundTrips >= 4000);
        Assert.Equal(0, LoopDriver.LeastAllocated(loop, () => roundTrips, 10000));
        DgramTestKit.CloseAll(loop, [.. sockets]);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Destinations_are_still_found_after_the_eviction_count_wraps()
    {
        var loop = new Loop();
        var socket = DgramTestKit.Bound(loop);
        byte[] payload = new byte[8];
        int sent = 0;
        Action<NetException?, int> done = (_, _) => sent++;
        // Enough destinations (by text and port) that every one of the 64 slots is taken: a new one then evicts
        // one of its own four. Nothing listens on those ports; an unconnected socket hears nothing of it.
        for (int port = 40000; port < 40200; port++)
            socket.Send(payload, port, "127.0.0.1", done);
        LoopDriver.RunUntil(loop, () => sent == 200);
        var flags = System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance;
        var destinations = (System.Collections.IEnumerable)typeof(DgramSocket).GetField("_destinations", flags)!.GetValue(socket)!;
        Assert.All(destinations.Cast<(string Address, System.Net.IPEndPoint EndPoint)>(), d => Assert.NotNull(d.EndPoint));
        // Evictions counted past int.MaxValue (hours of new peers on a busy server), one short of a remainder of -3.
        typeof(DgramSocket).GetField("_destinationEvictions", flags)!.SetValue(socket, int.MinValue + 1);

        socket.Send(payload, 40500, "127.0.0.1", done);
        LoopDriver.RunUntil(loop, () => sent == 201);
        long before = GC.GetAllocatedBytesForCurrentThread();
        socket.Send(payload, 40500, "127.0.0.1", done); // found: neither parsed nor made anew
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        LoopDriver.RunUntil(loop, () => sent == 202);
        DgramTestKit.CloseAll(loop, socket);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void An_awaited_ReceiveAsync_loop_allocates_nothing()
    {
        var loop = new Loop();
        var server = DgramTestKit.Bound(loop);
        var client = DgramTestKit.Bound(loop);
        byte[] payload = new byte[64];
        byte[] buffer = new byte[2048];
        int received = 0;
        bool stop = false;
        int serverPort = server.Address().Port;
        int clientPort = client.Address().Port;
        client.Message += (s, _, _) => s.Send(payload, serverPort, "127.0.0.1");
        loop.Post(async () =>
        {
            while (!stop)
            {
                DgramReceiveResult r = await server.ReceiveAsync(buffer);
                received++;
                server.Send(payload, r.RemoteEndPoint);
            }
        });
        client.Send(payload, serverPort, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => received >= 2000);
        Assert.Equal(0, LoopDriver.LeastAllocated(loop, () => received, 5000));
        stop = true;
        int last = received;
        LoopDriver.RunUntil(loop, () => received > last);
        DgramTestKit.CloseAll(loop, server, client);
        LoopDriver.CloseLoop(loop);
    }
}

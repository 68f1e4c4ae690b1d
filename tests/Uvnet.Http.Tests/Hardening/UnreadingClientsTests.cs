using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Hardening;

/// <summary>Clients that ask for a large response and never read it: each holds a bounded amount of server memory.</summary>
public class UnreadingClientsTests
{
    [Fact]
    public void Fifty_clients_that_never_read_eight_megabytes_each_hold_bounded_memory_and_a_fresh_client_is_answered()
    {
        const int Clients = 50;
        const long Size = 8 * 1024 * 1024; // past what the kernel buffers on loopback (a 4 MB send buffer at most here)
        const int Chunk = 16 * 1024;
        // Write returns false at the 16 KiB high-water mark, so at most one more chunk (and its framing) waits on top.
        const long Bound = 16 * 1024 + Chunk + 64;
        var streams = new List<Streaming>();
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/big")
                streams.Add(Streaming.Start(res, Size, Chunk));
            else
                res.End("fresh");
        });
        var sockets = fixture.Run(async () =>
        {
            var list = new List<Socket>();
            for (int i = 0; i < Clients; i++)
            {
                // A small receive buffer, set before connecting, turns the kernel's autotuning off (up to 32 MB here).
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 16 * 1024 };
                await s.ConnectAsync(System.Net.IPAddress.Loopback, fixture.Port);
                await s.SendAsync(Encoding.ASCII.GetBytes("GET /big HTTP/1.1\r\nHost: x\r\n\r\n"));
                list.Add(s);
            }
            return list;
        });
        LoopDriver.RunUntil(fixture.Loop, () => streams.Count == Clients && streams.All(s => s.Ended || s.WaitingForDrain));
        LoopDriver.RunFor(fixture.Loop, 100); // let whatever can still move, move
        Assert.True(streams.Count(s => !s.Ended) >= Clients / 2, $"{streams.Count(s => s.Ended)} of {Clients} responses fitted in the kernel buffers"); // the clients really are stuck
        Assert.All(streams, s => Assert.True(s.MostBuffered <= Bound, $"{s.MostBuffered} bytes buffered"));

        var clock = Stopwatch.StartNew();
        string raw = fixture.Exchange("GET /fresh HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.EndsWith("fresh", raw);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"answered after {clock.Elapsed}");
        foreach (Socket s in sockets)
            s.Dispose();
    }
}

using System.Net.Sockets;
using System.Text;

namespace Uvnet.Http.Tests.Server;

/// <summary>The plaintext path allocates nothing per request once warm (pooled requests, responses and buffers).</summary>
[Collection(Sequential.Name)]
public class AllocationTests
{
    [Fact]
    public void Keep_alive_plaintext_requests_allocate_nothing_on_the_loop_thread()
    {
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/plaintext")
            {
                res.SetHeader("Content-Type", "text/plain");
                res.End("Hello, World!"u8);
            }
        });
        byte[] request = Encoding.ASCII.GetBytes("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");

        Task Client(int count) => Task.Run(async () =>
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(System.Net.IPAddress.Loopback, fixture.Port);
            var buffer = new byte[4096];
            for (int i = 0; i < count; i++)
            {
                await socket.SendAsync(request);
                int got = 0;
                while (got == 0 || buffer[got - 1] != (byte)'!')
                    got += await socket.ReceiveAsync(buffer.AsMemory(got));
            }
        });

        void Drive(Task client)
        {
            while (!client.IsCompleted)
                fixture.Loop.Run(RunMode.Once);
            client.GetAwaiter().GetResult();
        }

        Drive(Client(3000)); // warm up: pools, JIT tiers, the connection's buffers
        // The least of three windows: a one-off runtime allocation (a tier-up on a busy machine) can land in one,
        // an allocation per request lands in all. Each connection's setup is spread over its 5000 requests.
        long perRequest = long.MaxValue;
        for (int window = 0; window < 3 && perRequest > 0; window++)
        {
            var measured = Client(5000);
            long before = GC.GetAllocatedBytesForCurrentThread();
            Drive(measured);
            perRequest = Math.Min(perRequest, (GC.GetAllocatedBytesForCurrentThread() - before) / 5000);
        }
        Assert.True(perRequest == 0, $"{perRequest} bytes per request");
    }
}

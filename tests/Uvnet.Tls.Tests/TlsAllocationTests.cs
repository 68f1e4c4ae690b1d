using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Uvnet.Http;

namespace Uvnet.Tls.Tests;

/// <summary>
/// HTTPS keep-alive requests allocate nothing on the loop thread once warm: the record layer reads into the loop's
/// buffer and sends from the loop thread's scratch array, a pooled array only for what the kernel does not take at once
/// (the plaintext path's promise, kept under TLS). The loop runs on the thread
/// xunit gives the test. A count that comes and goes between runs is often framework code that allocates only in
/// its precompiled (ReadyToRun) form, until the JIT tiers it up (the 96 bytes a request that SetHeader's scan once
/// cost): with DOTNET_TieredCompilation=0 the precompiled code stays, and such an allocation shows every time.
/// </summary>
[Collection(nameof(Sequential))]
public sealed class TlsAllocationTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    public void Https_keep_alive_requests_allocate_nothing_on_the_loop_thread(int batch)
    {
        var loop = new Loop();
        var server = Https.CreateServer(loop, TlsEchoTests.ServerOptions(), (req, res) =>
        {
            res.SetHeader("Content-Type", "text/plain");
            res.End("Hello, World!"u8);
        });
        server.Listen(0, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => server.Port > 0);
        int port = server.Port;
        byte[] requests = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat($"GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n", batch)));

        Task Client(int count) => Task.Run(async () =>
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port);
            using var tls = new SslStream(new NetworkStream(tcp));
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { TestCertificates.Ca },
                    RevocationMode = X509RevocationMode.NoCheck,
                },
            });
            var buffer = new byte[64 * 1024];
            for (int i = 0; i < count; i += batch)
            {
                await tls.WriteAsync(requests);
                int answered = 0;
                while (answered < batch)
                {
                    int n = await tls.ReadAsync(buffer);
                    Assert.True(n > 0, "the server closed the connection");
                    answered += buffer.AsSpan(0, n).Count((byte)'!');
                }
            }
        });

        void Drive(Task client)
        {
            while (!client.IsCompleted)
                loop.Run(RunMode.Once);
            client.GetAwaiter().GetResult();
        }

        Drive(Client(3008)); // warm up: pools, JIT tiers
        long perRequest = long.MaxValue;
        for (int window = 0; window < 3 && perRequest > 0; window++)
        {
            const int Measured = 5008; // a whole number of batches; the handshake's objects spread over them
            var measured = Client(Measured);
            long before = GC.GetAllocatedBytesForCurrentThread();
            Drive(measured);
            perRequest = Math.Min(perRequest, (GC.GetAllocatedBytesForCurrentThread() - before) / Measured);
        }
        server.Close(); // each client's close ended its connection: the server closes once they are gone
        LoopDriver.AssertNothingLeft(loop);
        TlsLeaks.AssertNone();
        Assert.True(perRequest == 0, $"{perRequest} bytes per request");
    }

    /// <summary>
    /// More connections write in one loop turn than the shared array pool keeps arrays of a size (32 per CPU, plus
    /// one per thread): every client writes, then every server answers, before any write callback runs. Their
    /// records must not each hold a rented array until then (the misses allocated, 0.3 KB a write under wrk's 64
    /// connections on one CPU).
    /// </summary>
    [Fact]
    public void Writes_of_more_connections_in_one_turn_than_the_array_pool_keeps_allocate_nothing()
    {
        int connections = 32 * Math.Min(Environment.ProcessorCount, 8) + 48;
        var loop = new Loop();
        ReadOnlyMemory<byte> ping = "ping"u8.ToArray(), pong = "pong"u8.ToArray();
        var server = Tls.CreateServer(loop, TlsEchoTests.ServerOptions(), socket => socket.Data += (s, _) => s.Write(pong));
        server.Listen(0, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => server.Port > 0);
        TlsClientOptions options = TlsEchoTests.ClientOptions();
        int secure = 0, answered = 0, written = 0;
        bool stopping = false;
        var clients = new List<Net.Socket>();
        void WriteAll()
        {
            written += connections;
            foreach (var client in clients)
                client.Write(ping);
        }
        for (int i = 0; i < connections; i++)
        {
            var client = Tls.Connect(loop, server.Port, "localhost", options, _ => secure++);
            client.Data += (_, data) =>
            {
                answered += data.Length / pong.Length;
                if (answered == written && !stopping)
                    WriteAll(); // the next round: every client writes in this turn
            };
            clients.Add(client);
        }
        LoopDriver.RunUntil(loop, () => secure == connections, 60);
        WriteAll();
        LoopDriver.RunUntil(loop, () => answered >= 20 * connections, 60); // warm up: pools, JIT tiers
        long least = LoopDriver.LeastAllocated(loop, () => answered, 10 * connections);
        stopping = true;
        LoopDriver.RunUntil(loop, () => answered == written);
        foreach (var client in clients)
            client.End();
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
        TlsLeaks.AssertNone();
        Assert.True(least == 0, $"{least / (10.0 * connections):F1} bytes per exchange ({connections} connections)");
    }
}

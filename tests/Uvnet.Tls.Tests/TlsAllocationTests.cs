using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Uvnet.Http;

namespace Uvnet.Tls.Tests;

/// <summary>
/// HTTPS keep-alive requests allocate nothing on the loop thread once warm: the record layer reads into the loop's
/// buffer and writes from pooled arrays (the plaintext path's promise, kept under TLS). The loop runs on the thread
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
}

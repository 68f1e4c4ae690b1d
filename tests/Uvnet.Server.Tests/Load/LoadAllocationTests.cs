using System.Security.Cryptography.X509Certificates;
using Uvnet.Server.Commands;
using Uvnet.Server.Load;
using Uvnet.Tls;

namespace Uvnet.Server.Tests.Load;

/// <summary>
/// The load loop allocates nothing per request once warm: recycled requests, handlers made once per slot; over https
/// too; and over HTTP/2 (h2c and h2), whose streams are the slots' own objects and whose frames go out in pooled arrays.
/// </summary>
[Collection(Sequential.Name)]
public class LoadAllocationTests
{
    [Theory]
    [InlineData(1, false, false)]
    [InlineData(8, false, false)]
    [InlineData(1, true, false)]
    [InlineData(8, true, false)]
    [InlineData(1, false, true)]
    [InlineData(8, false, true)]
    [InlineData(8, true, true)]
    public void The_closed_loop_allocates_nothing_per_request(int inFlight, bool https, bool h2)
    {
        var loop = new Loop();
        using X509Certificate2 certificate = TlsSetup.CreateDevCertificate();
        Action<Uvnet.Http.Server.IncomingMessage, Uvnet.Http.Server.ServerResponse> hello = static (_, res) => res.End("Hello, World!"u8);
        var server = https
            ? Uvnet.Http.Https.CreateServer(loop, new TlsServerOptions { Context = SecureContext.FromCertificate(certificate) }, hello)
            : Uvnet.Http.Http.CreateServer(loop, hello);
        bool listening = false;
        server.Listen(0, "127.0.0.1", () => listening = true);
        LoopDriver.RunUntil(loop, () => listening);
        var worker = new LoadWorker(loop, new LoadOptions
        {
            Host = "127.0.0.1",
            Port = server.Port,
            Path = "/plaintext",
            Pipeline = h2 ? 1 : inFlight,
            Http2 = h2,
            Streams = h2 ? inFlight : 1,
            Duration = TimeSpan.FromMinutes(5), // stopped below
            ExpectStatus = 200,
            // Verified, as an https URL is; ALPN as the command line sets it.
            Tls = https ? new TlsClientOptions { CaCertificates = [certificate], AlpnProtocols = [h2 ? "h2" : "http/1.1"] } : null,
        }, connections: 2, planned: 0);
        worker.Start();
        LoopDriver.RunUntil(loop, () => worker.Responses >= 3000); // warm up: the recycled pairs, JIT tiers, buffers
        long allocated = LoopDriver.LeastAllocated(loop, () => (int)worker.Responses, 5000);
        Assert.True(allocated == 0, $"{allocated / 5000.0} bytes per request");
        Assert.Equal(0, worker.Errors[(int)LoadError.ExpectStatus]);
        worker.Stop();
        LoopDriver.RunUntil(loop, () => worker.Finished);
        server.CloseAllConnections();
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
    }
}

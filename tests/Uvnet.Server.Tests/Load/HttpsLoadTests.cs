using System.Security.Cryptography.X509Certificates;
using Uvnet.Http;
using Uvnet.Server.Cli;
using Uvnet.Server.Commands;
using Uvnet.Server.Load;
using Uvnet.Server.Tests.EndToEnd;
using Uvnet.Tls;

namespace Uvnet.Server.Tests.Load;

/// <summary><c>uvnet load https://...</c>: through the HTTP client's TLS, against <c>uvnet hello --cert</c> and an in-process HTTPS server.</summary>
[Collection(Sequential.Name)] // closed loops take all the CPU they get: run apart from timing-sensitive tests
public class HttpsLoadTests
{
    private static LoadOptions Options(int port, TlsClientOptions tls, string host = "127.0.0.1") => new()
    {
        Host = host,
        Port = port,
        Path = "/plaintext",
        Connections = 4,
        Duration = TimeSpan.FromMilliseconds(500),
        Tls = tls,
    };

    /// <summary>A dev certificate (localhost, 127.0.0.1, ::1) in PEM files, for <c>uvnet hello --cert --key</c>.</summary>
    private static (string Cert, string Key) WritePem(TempTree tree, X509Certificate2 certificate)
    {
        string certFile = Path.Join(tree.Root, "cert.pem"), keyFile = Path.Join(tree.Root, "key.pem");
        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return (certFile, keyFile);
    }

    private static int Logged(RunningUvnet server) =>
        server.Output.Count(line => line.Contains("\"GET /plaintext HTTP/1.1\" 200", StringComparison.Ordinal));

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    public async Task Https_load_counts_what_hello_with_cert_logged(int pipeline)
    {
        using var tree = new TempTree();
        using X509Certificate2 certificate = TlsSetup.CreateDevCertificate();
        var (certFile, keyFile) = WritePem(tree, certificate);
        using var server = await RunningUvnet.StartAsync("hello", "--loops", "1", "--cert", certFile, "--key", keyFile);
        // Verified (the certificate as the one trusted root), not --insecure: the default path of an https URL.
        var tls = new TlsClientOptions { AlpnProtocols = ["http/1.1"], CaCertificates = [certificate] };
        LoadResult result = LoadCommand.Measure(Options(server.Port, tls) with { Threads = 2, Pipeline = pipeline, ExpectStatus = 200, ExpectBodyBytes = 13 });
        Assert.Equal(0, await server.StopAsync()); // its access log is complete once it has exited
        Assert.True(result.Responses > 0);
        Assert.Equal(0, result.TotalErrors);
        Assert.Equal(Logged(server), result.Responses);
        Assert.Equal(13 * result.Responses, result.BodyBytes);
    }

    [Fact]
    public async Task An_unverified_certificate_counts_tls_errors_and_insecure_loads_it()
    {
        using var tree = new TempTree();
        using X509Certificate2 certificate = TlsSetup.CreateDevCertificate();
        var (certFile, keyFile) = WritePem(tree, certificate);
        using var server = await RunningUvnet.StartAsync("hello", "--loops", "1", "--cert", certFile, "--key", keyFile);
        string url = $"https://127.0.0.1:{server.Port}/plaintext";

        // Self-signed, not in the system's roots: every connection fails its handshake, none is counted as a response.
        LoadOptions verified = CommandLine.Parse(["load", url, "-c", "2", "-d", "300ms", "--warmup", "0"]).Options!.Load!;
        LoadResult refused = LoadCommand.Measure(verified);
        Assert.Equal(0, refused.Responses);
        Assert.True(refused.Errors(LoadError.Tls) > 0);
        Assert.Equal(refused.Errors(LoadError.Tls), refused.TotalErrors);

        LoadOptions insecure = CommandLine.Parse(["load", url, "-c", "2", "-d", "300ms", "-k", "--expect-status", "200"]).Options!.Load!;
        LoadResult loaded = LoadCommand.Measure(insecure);
        Assert.True(loaded.Responses > 0);
        Assert.Equal(0, loaded.TotalErrors);
        Assert.Equal(0, await server.StopAsync());
        Assert.True(loaded.WarmupResponses > 0); // the command line's default warm-up: sent, answered, not counted
        Assert.Equal(Logged(server), loaded.WarmupResponses + loaded.Responses);
    }

    [Fact]
    public void Sni_names_the_url_host_and_the_report_says_https()
    {
        var loop = new Loop();
        using X509Certificate2 certificate = TlsSetup.CreateDevCertificate();
        var names = new HashSet<string?>();
        var server = Https.CreateServer(loop, new TlsServerOptions { Context = SecureContext.FromCertificate(certificate) }, (req, res) =>
        {
            names.Add(req.Socket.GetTlsConnection()?.ServerName);
            res.End("Hello, World!"u8);
        });
        server.Listen(0, "localhost");
        LoopDriver.RunUntil(loop, () => server.Port > 0);
        var worker = new LoadWorker(loop, Options(server.Port, new TlsClientOptions { CaCertificates = [certificate] }, host: "localhost")
            with { Duration = TimeSpan.FromMinutes(5) }, connections: 2, planned: 0);
        worker.Start();
        LoopDriver.RunUntil(loop, () => worker.Responses >= 10 || worker.Errors.ToArray().Sum() > 0);
        worker.Stop();
        LoopDriver.RunUntil(loop, () => worker.Finished);
        Assert.Equal(new long[LoadErrors.KindCount], worker.Errors.ToArray());
        Assert.Equal(["localhost"], names);
        server.CloseAllConnections();
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
    }
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Uvnet.Server.Commands;

namespace Uvnet.Server.Tests.EndToEnd;

/// <summary><c>uvnet serve</c> and <c>hello</c> over HTTPS: <c>--tls-dev</c> and <c>--cert</c>/<c>--key</c>.</summary>
public class TlsEndToEndTests
{
    /// <summary>A client that trusts exactly the certificate whose SHA-256 fingerprint is <paramref name="fingerprint"/>.</summary>
    private static HttpClient Pinned(Func<string> fingerprint) => new(new SocketsHttpHandler
    {
        SslOptions =
        {
            RemoteCertificateValidationCallback = (_, cert, _, _) =>
                cert is X509Certificate2 c && TlsSetup.Fingerprint(c) == fingerprint(),
        },
    }) { Timeout = RunningUvnet.Bound };

    [Fact]
    public async Task Serve_with_tls_dev_prints_the_fingerprint_of_the_certificate_it_serves_files_with()
    {
        using var tree = new TempTree();
        byte[] content = RandomNumberGenerator.GetBytes(200_000);
        File.WriteAllBytes(Path.Join(tree.Root, "r.bin"), content);
        using var server = await RunningUvnet.StartAsync("serve", tree.Root, "--loops", "1", "--tls-dev");
        string line = server.Output.First(l => l.Contains("SHA-256 fingerprint", StringComparison.Ordinal));
        string fingerprint = line[(line.LastIndexOf(' ') + 1)..];
        Assert.Matches("^([0-9A-F]{2}:){31}[0-9A-F]{2}$", fingerprint);
        Assert.Contains(server.Output, l => l.Contains($"https://127.0.0.1:{server.Port}/", StringComparison.Ordinal));
        using HttpClient client = Pinned(() => fingerprint);
        Assert.Equal(content, await client.GetByteArrayAsync($"https://127.0.0.1:{server.Port}/r.bin")); // a file body under TLS
        Assert.Equal(0, await server.StopAsync());
    }

    [Fact]
    public async Task The_stats_of_an_https_server_count_the_live_SSL_objects_and_a_closed_connection_frees_its_own()
    {
        using var server = await RunningUvnet.StartAsync("hello", "--loops", "1", "--quiet", "--tls-dev", "--stats", "1");
        string line = server.Output.First(l => l.Contains("SHA-256 fingerprint", StringComparison.Ordinal));
        string fingerprint = line[(line.LastIndexOf(' ') + 1)..];
        await server.WaitForErrorAsync(l => l.StartsWith("stats loop=0 ", StringComparison.Ordinal) && l.EndsWith(" ssl=0 connections=0", StringComparison.Ordinal));
        using (HttpClient client = Pinned(() => fingerprint))
        {
            Assert.Equal("Hello, World!", await client.GetStringAsync($"https://127.0.0.1:{server.Port}/plaintext"));
            await server.WaitForErrorAsync(l => l.EndsWith(" ssl=1 connections=1", StringComparison.Ordinal)); // kept alive
        }
        int from = server.Error.Count;
        await server.WaitForErrorAsync(l => l.EndsWith(" ssl=0 connections=0", StringComparison.Ordinal), from);
        Assert.Equal(0, await server.StopAsync());
    }

    [Fact]
    public async Task Hello_with_cert_and_key_files_serves_plaintext_over_https()
    {
        using var tree = new TempTree();
        using X509Certificate2 cert = TlsSetup.CreateDevCertificate();
        string certFile = Path.Join(tree.Root, "cert.pem"), keyFile = Path.Join(tree.Root, "key.pem");
        File.WriteAllText(certFile, cert.ExportCertificatePem());
        File.WriteAllText(keyFile, cert.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        using var server = await RunningUvnet.StartAsync("hello", "--loops", "1", "--cert", certFile, "--key", keyFile);
        using HttpClient client = Pinned(() => TlsSetup.Fingerprint(cert));
        Assert.Equal("Hello, World!", await client.GetStringAsync($"https://127.0.0.1:{server.Port}/plaintext"));
        Assert.Equal(0, await server.StopAsync());
    }

    [Fact]
    public async Task A_key_that_does_not_match_the_certificate_stops_the_start_with_the_reason()
    {
        using var tree = new TempTree();
        using X509Certificate2 cert = TlsSetup.CreateDevCertificate();
        using X509Certificate2 other = TlsSetup.CreateDevCertificate();
        string certFile = Path.Join(tree.Root, "cert.pem"), keyFile = Path.Join(tree.Root, "key.pem");
        File.WriteAllText(certFile, cert.ExportCertificatePem());
        File.WriteAllText(keyFile, other.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        var (code, _, error) = await UvnetProcess.RunAsync("hello", "--port", "0", "--cert", certFile, "--key", keyFile);
        Assert.Equal(2, code);
        Assert.Contains("cannot serve HTTPS: The private key does not match the certificate", error);
    }
}

// HTTPS: the HTTP server with TLS under each connection (OpenSSL on the loop thread, no thread-pool hop), and the
// loop's HTTP client calling it with host name and chain verified. The certificate is made at start-up, self-signed
// for localhost; pass a PEM certificate and key after the port to serve a real one.
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Uvnet;
using Uvnet.Http;
using Uvnet.Http.Client;
using Uvnet.Tls;

int port = args.Length > 0 ? int.Parse(args[0]) : int.TryParse(Environment.GetEnvironmentVariable("PORT"), out int p) ? p : 8443;
using X509Certificate2 certificate = args.Length > 2 ? X509Certificate2.CreateFromPemFile(args[1], args[2]) : SelfSignedForLocalhost();
Console.WriteLine($"certificate {certificate.Subject}, SHA-256 {certificate.GetCertHashString(HashAlgorithmName.SHA256)}");

var loop = new Loop();
// The server: a context (chain, key, TLS 1.2 and 1.3 with current ciphers) and the usual handler.
var server = Https.CreateServer(loop, new TlsServerOptions { Context = SecureContext.FromCertificate(certificate) }, (req, res) =>
{
    TlsConnection tls = req.Socket.GetTlsConnection()!;
    res.SetHeader("Content-Type", "text/plain");
    res.End($"hello over {tls.Protocol} ({tls.Cipher}), ALPN {tls.AlpnProtocol ?? "none"}\n");
});
// A handshake that fails (plain HTTP on this port, a client that does not trust the certificate) never reaches the
// handler: the server says why here.
server.TlsClientError += (e, _) => Console.Error.WriteLine($"TLS handshake failed: {e.Code}");
server.Error += (_, e) =>
{
    Console.Error.WriteLine(e.Message);
    Environment.ExitCode = 1;
};

// The client: RequestOptions.Tls makes a request https. The default trusts the system's roots; this one trusts the
// certificate above instead, so a self-signed one verifies, name included ("localhost").
var client = new LoopHttpClient(loop);
var trustOurs = new TlsClientOptions { CaCertificates = [certificate], AlpnProtocols = ["http/1.1"] };
server.Listen(port, "127.0.0.1", async () =>
{
    ClientResponse response = await client.SendAsync(new RequestOptions { Host = "localhost", Port = server.Port, Path = "/", Tls = trustOurs });
    Console.Write($"self-check: {response.StatusCode} {Encoding.UTF8.GetString(await response.ReadBodyAsync())}");
    client.Agent.Destroy(); // its idle connection: the server alone keeps the loop running
    Console.WriteLine($"listening on {server.Port}");
});
loop.Run();

// An ECDSA P-256 certificate for localhost and 127.0.0.1, valid for a week (what `uvnet serve --tls-dev` makes).
static X509Certificate2 SelfSignedForLocalhost()
{
    using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
    var names = new SubjectAlternativeNameBuilder();
    names.AddDnsName("localhost");
    names.AddIpAddress(IPAddress.Loopback);
    request.CertificateExtensions.Add(names.Build());
    request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false)); // server auth
    return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(7));
}

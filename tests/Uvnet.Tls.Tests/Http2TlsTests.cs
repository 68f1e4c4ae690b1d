using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Uvnet.Http;
using Uvnet.Http.Server;

namespace Uvnet.Tls.Tests;

/// <summary>
/// HTTP/2 over TLS, chosen by ALPN (<c>h2</c> first in the server's list): .NET's HttpClient, curl <c>--http2</c> and
/// Node's http2 client against the same handler as HTTPS/1.1, and a raw TLS client for what real clients never send.
/// </summary>
[Collection(nameof(Sequential))]
public sealed class Http2TlsTests
{
    private static (Loop Loop, HttpServer Server) Start(HttpServerOptions? options = null)
    {
        var loop = new Loop();
        var server = Https.CreateServer(loop, TlsEchoTests.ServerOptions(), (req, res) =>
        {
            long body = 0;
            req.Data += (_, data) => body += data.Length;
            req.End += r => res.End($"{r.HttpVersion} {r.Method} {r.Url} body={body}");
        }, options);
        server.Listen(0, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => server.Port > 0);
        return (loop, server);
    }

    internal static void Stop(Loop loop, HttpServer server)
    {
        server.CloseAllConnections();
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
        TlsLeaks.AssertNone();
    }

    private static HttpClient Client(Version version, HttpVersionPolicy policy) => new(new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                CustomTrustStore = { TestCertificates.Ca },
                RevocationMode = X509RevocationMode.NoCheck,
            },
        },
    })
    {
        DefaultRequestVersion = version,
        DefaultVersionPolicy = policy,
    };

    [Fact]
    public async Task HttpClient_gets_h2_by_ALPN_and_multiplexes_requests_on_one_connection()
    {
        var (loop, server) = Start();
        int connections = 0;
        server.Connection += _ => connections++;
        using (HttpClient client = Client(HttpVersion.Version20, HttpVersionPolicy.RequestVersionOrHigher))
        {
            var all = Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
                client.PostAsync($"https://localhost:{server.Port}/p{i}", new ByteArrayContent(new byte[i * 10_000]))));
            LoopDriver.RunUntil(loop, () => all.IsCompleted);
            HttpResponseMessage[] responses = await all; // completed: the loop ran until it was
            for (int i = 0; i < 10; i++)
            {
                Assert.Equal(HttpVersion.Version20, responses[i].Version);
                var text = responses[i].Content.ReadAsStringAsync();
                LoopDriver.RunUntil(loop, () => text.IsCompleted);
                Assert.Equal($"2.0 POST /p{i} body={i * 10_000}", await text);
            }
        }
        Assert.Equal(1, connections);
        Stop(loop, server);
    }

    [Fact]
    public async Task Http1Only_server_leaves_h2_out_of_ALPN()
    {
        var (loop, server) = Start(new HttpServerOptions { Http2 = false });
        using (HttpClient client = Client(HttpVersion.Version20, HttpVersionPolicy.RequestVersionOrLower))
        {
            var response = client.GetAsync($"https://localhost:{server.Port}/a");
            LoopDriver.RunUntil(loop, () => response.IsCompleted);
            Assert.Equal(HttpVersion.Version11, (await response).Version);
        }
        Stop(loop, server);
    }

    [Fact]
    public void Curl_http2_negotiates_h2_and_posts_a_body()
    {
        var (loop, server) = Start();
        string ca = TestCertificates.WriteCaPem();
        var output = HttpsServerTests.RunTool(loop, "curl",
            $"-sS --http2 --cacert {ca} -w \" %{{http_version}}\" --data-binary @{ca} https://localhost:{server.Port}/curl");
        Assert.Equal($"2.0 POST /curl body={new FileInfo(ca).Length} 2", output);
        Stop(loop, server);
    }

    [Fact]
    public void Node_http2_client_over_TLS_reads_the_response()
    {
        var (loop, server) = Start();
        string ca = TestCertificates.WriteCaPem();
        string script = Path.Combine(Path.GetDirectoryName(ca)!, "h2.js");
        File.WriteAllText(script, $$"""
            const http2 = require('http2'), fs = require('fs');
            const session = http2.connect('https://localhost:{{server.Port}}', { ca: fs.readFileSync('{{ca}}') });
            session.on('error', e => { process.stdout.write('error ' + e.code); process.exit(0); });
            const req = session.request({ ':path': '/node' });
            let b = '';
            req.setEncoding('utf8');
            req.on('data', d => b += d);
            req.on('end', () => { process.stdout.write(session.alpnProtocol + ' ' + b); session.close(); });
            req.end();
            """);
        var output = HttpsServerTests.RunTool(loop, "node", script);
        Assert.Equal("h2 2.0 GET /node body=0", output);
        Stop(loop, server);
    }

    /// <summary>h2spec http2/3.5/2 over TLS: once ALPN chose h2, a wrong preface is GOAWAY PROTOCOL_ERROR (RFC 9113 §3.4).</summary>
    [Fact]
    public async Task Invalid_preface_after_ALPN_h2_is_goaway_protocol_error()
    {
        var (loop, server) = Start();
        var client = Task.Run(async () =>
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, server.Port);
            using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                ApplicationProtocols = [SslApplicationProtocol.Http2],
            });
            Assert.Equal(SslApplicationProtocol.Http2, tls.NegotiatedApplicationProtocol);
            await tls.WriteAsync("INVALID CONNECTION PREFACE\r\n\r\n"u8.ToArray());
            var received = new MemoryStream();
            var buffer = new byte[4096];
            int n;
            while ((n = await tls.ReadAsync(buffer)) > 0)
                received.Write(buffer, 0, n);
            return received.ToArray();
        });
        LoopDriver.RunUntil(loop, () => client.IsCompleted);
        byte[] frames = await client;
        // The server's SETTINGS, then GOAWAY (type 7) with PROTOCOL_ERROR (1), then the close.
        int at = 0;
        uint? goAway = null;
        while (at + 9 <= frames.Length)
        {
            int length = (frames[at] << 16) | (frames[at + 1] << 8) | frames[at + 2];
            if (frames[at + 3] == 7)
                goAway = BinaryPrimitives.ReadUInt32BigEndian(frames.AsSpan(at + 9 + 4));
            at += 9 + length;
        }
        Assert.Equal(1u, goAway);
        Stop(loop, server);
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Uvnet.Http;

namespace Uvnet.Tls.Tests;

/// <summary>Https.CreateServer against real clients: .NET's HttpClient (SslStream), curl, openssl s_client, Node's https.</summary>
[Collection(nameof(Sequential))]
public sealed class HttpsServerTests
{
    private static HttpClient TrustingTestCa()
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { TestCertificates.Ca },
                    RevocationMode = X509RevocationMode.NoCheck,
                },
                ApplicationProtocols = [SslApplicationProtocol.Http11],
            },
        };
        return new HttpClient(handler) { DefaultRequestVersion = HttpVersion.Version11 };
    }

    private static (Loop Loop, Uvnet.Http.Server.HttpServer Server) StartHello()
    {
        var loop = new Loop();
        var server = Https.CreateServer(loop, TlsEchoTests.ServerOptions(), (req, res) =>
        {
            res.SetHeader("Content-Type", "text/plain");
            res.End("hello over tls " + req.Url);
        });
        server.Listen(0, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => server.Port > 0);
        return (loop, server);
    }

    private static void Stop(Loop loop, Uvnet.Http.Server.HttpServer server)
    {
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
        TlsLeaks.AssertNone();
    }

    [Fact]
    public async Task HttpClient_over_SslStream_gets_responses_on_one_keep_alive_connection()
    {
        var (loop, server) = StartHello();
        using (HttpClient client = TrustingTestCa())
        {
            var first = client.GetStringAsync($"https://localhost:{server.Port}/a");
            LoopDriver.RunUntil(loop, () => first.IsCompleted);
            Assert.Equal("hello over tls /a", await first); // completed: the loop ran until it was
            var second = client.GetStringAsync($"https://localhost:{server.Port}/b");
            LoopDriver.RunUntil(loop, () => second.IsCompleted);
            Assert.Equal("hello over tls /b", await second);
        }
        Stop(loop, server);
    }

    [Fact]
    public async Task A_file_body_is_encrypted_in_chunks_and_the_next_response_follows_it()
    {
        byte[] content = new byte[300_000 + 17];
        new Random(19).NextBytes(content);
        string path = Path.Combine(Directory.CreateTempSubdirectory("uvnet-tls-file-").FullName, "f.bin");
        File.WriteAllBytes(path, content);
        var loop = new Loop();
        var server = Https.CreateServer(loop, TlsEchoTests.ServerOptions(), (req, res) =>
        {
            if (req.Url != "/file")
            {
                res.End("after the file");
                return;
            }
            var file = File.OpenHandle(path);
            res.SetHeader("Content-Length", content.Length.ToString());
            res.SendFile(file, 0, content.Length);
            res.Finish += _ => file.Dispose();
        });
        server.Listen(0, "127.0.0.1");
        using (HttpClient client = TrustingTestCa())
        {
            var body = client.GetByteArrayAsync($"https://localhost:{server.Port}/file");
            LoopDriver.RunUntil(loop, () => body.IsCompleted);
            Assert.Equal(content, await body);
            var next = client.GetStringAsync($"https://localhost:{server.Port}/next");
            LoopDriver.RunUntil(loop, () => next.IsCompleted);
            Assert.Equal("after the file", await next);
        }
        Stop(loop, server);
    }

    [Fact]
    public void A_pipelined_response_after_a_file_waits_for_the_whole_file()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("uvnet-tls-file-").FullName, "a.txt");
        File.WriteAllText(path, new string('a', 200_000));
        var loop = new Loop();
        var server = Https.CreateServer(loop, TlsEchoTests.ServerOptions(), (req, res) =>
        {
            if (req.Url != "/file")
            {
                res.End("after the file");
                return;
            }
            var file = File.OpenHandle(path);
            res.SetHeader("Content-Length", "200000");
            res.SendFile(file, 0, 200_000);
            res.Finish += _ => file.Dispose();
        });
        server.Listen(0, "127.0.0.1");
        string output = RunTool(loop, "openssl", $"s_client -connect 127.0.0.1:{server.Port} -quiet -ign_eof",
            "GET /file HTTP/1.1\r\nHost: localhost\r\n\r\nGET /next HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        int body = output.IndexOf(new string('a', 200_000), StringComparison.Ordinal);
        Assert.True(body > 0, "the file's bytes, whole: " + output.Length + " " + output[..Math.Min(300, output.Length)]);
        Assert.EndsWith("after the file", output);
        Assert.True(output.IndexOf("after the file", StringComparison.Ordinal) > body);
        Stop(loop, server);
    }

    [Fact]
    public void Curl_pipelines_nothing_but_reads_a_response_verified_against_the_CA()
    {
        var (loop, server) = StartHello();
        string ca = TestCertificates.WriteCaPem();
        var output = RunTool(loop, "curl", $"-sS --http1.1 --cacert {ca} https://localhost:{server.Port}/curl");
        Assert.Equal("hello over tls /curl", output);
        Stop(loop, server);
    }

    [Fact]
    public void Openssl_s_client_negotiates_TLS13_and_http11_by_ALPN()
    {
        var (loop, server) = StartHello();
        string ca = TestCertificates.WriteCaPem();
        var output = RunTool(loop, "openssl", $"s_client -connect 127.0.0.1:{server.Port} -servername localhost -alpn http/1.1 -CAfile {ca} -verify_return_error -quiet -ign_eof",
            "GET /ossl HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        Assert.Contains("hello over tls /ossl", output);
        Stop(loop, server);
    }

    [Fact]
    public void A_TLS12_client_asking_to_renegotiate_is_refused()
    {
        var (loop, server) = StartHello();
        // s_client reads "R" on a line of its own as "renegotiate" (not with -quiet).
        var (output, error) = RunTool(loop, "openssl", $"s_client -connect 127.0.0.1:{server.Port} -tls1_2", "R\n", mustSucceed: false);
        Assert.Contains("RENEGOTIATING", output + error);
        Assert.Contains("no renegotiation", output + error);
        Stop(loop, server);
    }

    [Fact]
    public void Node_https_get_verifies_and_reads_the_response()
    {
        var (loop, server) = StartHello();
        string ca = TestCertificates.WriteCaPem();
        string script = Path.Combine(Path.GetDirectoryName(ca)!, "get.js");
        File.WriteAllText(script, $$"""
            const https = require('https'), fs = require('fs');
            https.get({ host: 'localhost', port: {{server.Port}}, path: '/node', ca: fs.readFileSync('{{ca}}') }, r => {
              let b = ''; const tls = r.socket.getProtocol();
              r.on('data', d => b += d);
              r.on('end', () => process.stdout.write(tls + ' ' + b));
            }).on('error', e => process.stdout.write('error ' + e.code));
            """);
        var output = RunTool(loop, "node", script);
        Assert.Equal("TLSv1.3 hello over tls /node", output);
        Stop(loop, server);
    }

    /// <summary>Runs a tool to its end while the loop serves it; returns its standard output.</summary>
    internal static string RunTool(Loop loop, string file, string arguments, string? input = null) =>
        RunTool(loop, file, arguments, input, mustSucceed: true).Output;

    /// <summary>Runs a tool to its end while the loop serves it; returns its standard output and error.</summary>
    internal static (string Output, string Error) RunTool(Loop loop, string file, string arguments, string? input, bool mustSucceed)
    {
        var info = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        using var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        // The tool ends off the loop: its exit and its output's end wake the loop, or a loop whose last event came
        // before them (a server that closed the connection first) would sleep in its poll until the deadline.
        var wake = new AsyncHandle(loop, static _ => { });
        try
        {
            process.Exited += (_, _) => wake.Send();
            process.Start();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            stdout.ContinueWith(_ => wake.Send(), TaskScheduler.Default);
            if (input is not null)
                process.StandardInput.Write(input);
            process.StandardInput.Close();
            LoopDriver.RunUntil(loop, () => stdout.IsCompleted && process.HasExited);
            Assert.True(!mustSucceed || process.ExitCode == 0, $"{file} exited {process.ExitCode}: {stderr.Result}");
            return (stdout.Result, stderr.Result);
        }
        finally
        {
            wake.Close();
        }
    }
}

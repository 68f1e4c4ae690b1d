using System.Diagnostics;
using System.Net;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Http2;

/// <summary>
/// Real HTTP/2 clients against the server: curl (nghttp2 inside) with prior knowledge, nghttp, and .NET's
/// HttpClient (h2c needs RequestVersionExact and the Http2UnencryptedSupport switch). Skipped where a tool is missing.
/// </summary>
public class Http2ClientInteropTests
{
    internal static async Task<string?> RunTool(string file, params string[] args)
    {
        Process process;
        try
        {
            process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // not installed
        }
        using (process)
        {
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            string errors = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"{file} exited {process.ExitCode}: {errors}");
            return await output;
        }
    }

    private static void Echo(IncomingMessage req, ServerResponse res)
    {
        var body = new List<byte>();
        req.Data += (_, data) => body.AddRange(data.ToArray());
        req.End += r =>
        {
            res.SetHeader("Content-Type", "text/plain");
            res.SetHeader("Connection", "keep-alive"); // connection-specific: dropped on HTTP/2
            res.End($"{r.HttpVersion} {r.Method} {r.Url} host={r.Headers["host"]} ua={r.Headers["user-agent"]?.Split('/')[0]} body={body.Count}");
        };
    }

    [Fact]
    public void Curl_with_prior_knowledge_speaks_h2c_to_the_same_handler()
    {
        using var fixture = ServerFixture.Start(Echo);
        // Two runs: curl 7.88 fails a --next transfer on a reused prior-knowledge connection (against Node's http2 too).
        string? get = fixture.Run(() => RunTool("curl", "-sS", "--http2-prior-knowledge", "-w", " %{http_version}", fixture.Url("/a?b=1")));
        if (get is null)
            return;
        string? post = fixture.Run(() => RunTool("curl", "-sS", "--http2-prior-knowledge", "-w", " %{http_version}",
            "--data-binary", new string('x', 100_000), fixture.Url("/up")));
        Assert.Equal($"2.0 GET /a?b=1 host=127.0.0.1:{fixture.Port} ua=curl body=0 2", get);
        Assert.Equal($"2.0 POST /up host=127.0.0.1:{fixture.Port} ua=curl body=100000 2", post);
    }

    [Fact]
    public void Curl_http2_on_http_upgrades_to_h2c()
    {
        using var fixture = ServerFixture.Start(Echo);
        string? output = fixture.Run(() => RunTool("curl", "-sS", "--http2", "-w", " %{http_version}", fixture.Url("/u")));
        if (output is null)
            return;
        Assert.Equal($"2.0 GET /u host=127.0.0.1:{fixture.Port} ua=curl body=0 2", output);
    }

    [Fact]
    public void Nghttp_upgrade_gets_the_response_on_stream_1()
    {
        using var fixture = ServerFixture.Start(Echo);
        string? output = fixture.Run(() => RunTool("nghttp", "-u", fixture.Url("/u")));
        if (output is null)
            return;
        Assert.Equal($"2.0 GET /u host=127.0.0.1:{fixture.Port} ua=nghttp2 body=0", output);
    }

    [Fact]
    public void Curl_without_prior_knowledge_still_gets_http1()
    {
        using var fixture = ServerFixture.Start(Echo);
        string? output = fixture.Run(() => RunTool("curl", "-sS", "-w", " %{http_version}", fixture.Url("/a")));
        if (output is null)
            return;
        Assert.Equal($"1.1 GET /a host=127.0.0.1:{fixture.Port} ua=curl body=0 1.1", output);
    }

    [Fact]
    public void Http1Only_option_refuses_the_preface()
    {
        using var fixture = ServerFixture.Start(Echo, new HttpServerOptions { Http2 = false });
        var client = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Uvnet.Http.Http2.Http2Preface.Bytes.ToArray());
            return await RawClient.ReadToCloseAsync(socket);
        });
        Assert.StartsWith("HTTP/1.1 ", client);
    }

    [Fact]
    public void HttpClient_speaks_h2c_with_RequestVersionExact()
    {
        AppContext.SetSwitch("System.Net.Http.SocketsHttpHandler.Http2UnencryptedSupport", true);
        using var fixture = ServerFixture.Start(Echo);
        var (version, text) = fixture.Run(async () =>
        {
            using var client = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
            var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => client.PostAsync(fixture.Url($"/p{i}"), new ByteArrayContent(new byte[i * 1000]))));
            var texts = await Task.WhenAll(results.Select(r => r.Content.ReadAsStringAsync()));
            return (results[5].Version, texts);
        });
        Assert.Equal(HttpVersion.Version20, version);
        for (int i = 0; i < 20; i++)
            Assert.Equal($"2.0 POST /p{i} host=127.0.0.1:{fixture.Port} ua= body={i * 1000}", text[i]);
    }

    [Fact]
    public void Nghttp_with_prior_knowledge_gets_concurrent_responses()
    {
        using var fixture = ServerFixture.Start(Echo);
        // -n discards the bodies; -s prints statistics, one line per stream with its status (":status" is not printed).
        string? output = fixture.Run(() => RunTool("nghttp", "-nv", fixture.Url("/a"), fixture.Url("/b"), fixture.Url("/c")));
        if (output is null)
            return;
        Assert.Contains("recv SETTINGS frame", output);
        Assert.Equal(3, output.Split("recv (stream_id=").Count(l => l.Contains(":status: 200", StringComparison.Ordinal)));
        Assert.Contains("send GOAWAY frame", output);
        Assert.DoesNotContain("RST_STREAM", output);
    }

    /// <summary>Node's http2 client (prior knowledge on http:): concurrent GETs and a POST with a body, read back as the handler wrote them.</summary>
    [Fact]
    public void Node_http2_client_speaks_to_the_same_handler()
    {
        const string script = """
            const http2 = require('http2');
            const session = http2.connect('http://127.0.0.1:' + process.argv[1]);
            session.on('error', e => { console.error(e); process.exit(2); });
            const one = (path, body) => new Promise((resolve, reject) => {
              const req = session.request({ ':path': path, ':method': body ? 'POST' : 'GET' });
              let status, text = '';
              req.on('response', h => status = h[':status'] + ' ' + h['content-type']);
              req.setEncoding('utf8');
              req.on('data', d => text += d);
              req.on('end', () => resolve(status + ' ' + text));
              req.on('error', reject);
              req.end(body);
            });
            Promise.all([one('/x'), one('/y'), one('/up', 'z'.repeat(200000))]).then(r => {
              console.log(r.join('\n'));
              session.close();
            }, e => { console.error(e); process.exit(3); });
            """;
        using var fixture = ServerFixture.Start(Echo);
        string? output = fixture.Run(() => RunTool("node", "-e", script, fixture.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        if (output is null)
            return;
        string host = $"host=127.0.0.1:{fixture.Port}";
        Assert.Equal(
            [
                $"200 text/plain 2.0 GET /x {host} ua= body=0",
                $"200 text/plain 2.0 GET /y {host} ua= body=0",
                $"200 text/plain 2.0 POST /up {host} ua= body=200000",
            ],
            output.TrimEnd('\n').Split('\n'));
    }
}

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
    private static async Task<string?> RunTool(string file, params string[] args)
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
}

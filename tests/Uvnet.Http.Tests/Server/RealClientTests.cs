using System.Diagnostics;
using Uvnet.Http.Server;

namespace Uvnet.Http.Tests.Server;

/// <summary>curl and Node's http client against the server (both are on this project's machines: see the README).</summary>
public class RealClientTests
{
    private static async Task<string> RunTool(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        string output = await process.StandardOutput.ReadToEndAsync();
        string errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} exited {process.ExitCode}: {errors}");
        return output;
    }

    private static void Greet(IncomingMessage req, ServerResponse res)
    {
        res.SetHeader("Content-Type", "text/plain");
        res.End($"{req.Method} {req.Url} {req.Headers["user-agent"]?.Split('/')[0]}");
    }

    [Fact]
    public void Curl_fetches_several_urls_over_one_keep_alive_connection()
    {
        using var fixture = ServerFixture.Start(Greet);
        int connections = 0;
        fixture.Server.Connection += _ => connections++;
        string output = fixture.Run(() => RunTool("curl", "-sS", fixture.Url("/a"), fixture.Url("/b"), "--next", "-d", "x=1", fixture.Url("/c")));
        Assert.Equal("GET /a curlGET /b curlPOST /c curl", output);
        Assert.Equal(1, connections);
    }

    [Fact]
    public void Curl_sends_a_chunked_upload_and_reads_a_chunked_response()
    {
        using var fixture = ServerFixture.Start(async (req, res) =>
        {
            byte[] body = await req.ReadBodyAsync();
            res.Write("got ");
            res.End(body.Length.ToString());
        });
        string output = fixture.Run(() => RunTool("curl", "-sS", "-H", "Transfer-Encoding: chunked", "--data-binary", new string('z', 70_000), fixture.Url("/")));
        Assert.Equal("got 70000", output);
    }

    [Fact]
    public void Node_http_client_gets_pipelined_keep_alive_responses()
    {
        using var fixture = ServerFixture.Start(Greet);
        string script = $$"""
            const http = require('http');
            const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
            let out = [];
            let done = 0;
            for (const path of ['/1', '/2', '/3']) {
              http.get({ host: '127.0.0.1', port: {{fixture.Port}}, path, agent, headers: { 'User-Agent': 'node/20' } }, res => {
                let body = '';
                res.on('data', d => body += d);
                res.on('end', () => { out.push(res.statusCode + ' ' + body); if (++done === 3) { console.log(out.sort().join('|')); agent.destroy(); } });
              });
            }
            """;
        string output = fixture.Run(() => RunTool("node", "-e", script));
        Assert.Equal("200 GET /1 node|200 GET /2 node|200 GET /3 node", output.Trim());
    }
}

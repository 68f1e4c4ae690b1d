using Uvnet.Http.Client;

namespace Uvnet.Http.Tests.Client;

/// <summary>The client against Node's own http server (skipped only where node is missing).</summary>
public sealed class NodeServerTests : IDisposable
{
    private const string Script = """
        const http = require('http');
        const server = http.createServer((req, res) => {
          switch (req.url) {
            case '/chunked': res.write('a'); res.write('b'); res.end('c'); break;
            case '/trailers': res.addTrailers({ 'X-Sum': '3' }); res.write('abc'); res.end(); break;
            case '/close': res.shouldKeepAlive = false; res.setHeader('Connection', 'close'); res.write('to the'); res.end(' close'); break;
            case '/204': res.statusCode = 204; res.end(); break;
            case '/304': res.statusCode = 304; res.end(); break;
            case '/hints': res.writeEarlyHints({ link: '</a.css>; rel=preload' }); res.end('hinted'); break;
            case '/echo': { const parts = []; req.on('data', d => parts.push(d)); req.on('end', () => res.end(Buffer.concat(parts))); break; }
            default: res.end(req.method + ' ' + req.url);
          }
        });
        server.keepAliveTimeout = 60000;
        server.listen(0, '127.0.0.1', () => console.log(server.address().port));
        process.stdin.on('end', () => process.exit(0)); process.stdin.resume();
        """;

    private readonly NodeProcess? _node = NodeProcess.TryStart(Script);

    public void Dispose() => _node?.Dispose();

    [Theory]
    [InlineData("/chunked", "abc")]
    [InlineData("/close", "to the close")]
    [InlineData("/204", "")]
    [InlineData("/304", "")]
    [InlineData("/plain", "GET /plain")]
    public void Bodies_of_every_framing(string path, string body)
    {
        Assert.SkipWhen(_node is null, "node is not installed");
        using var kit = new ClientKit();
        var o = kit.Exchange(kit.To(_node.Port, path));
        Assert.Null(o.Error);
        Assert.True(o.Ended);
        Assert.Equal(body, o.Text);
    }

    [Fact]
    public void Trailers_and_early_hints()
    {
        Assert.SkipWhen(_node is null, "node is not installed");
        using var kit = new ClientKit();
        var t = kit.Exchange(kit.To(_node.Port, "/trailers"));
        Assert.Equal("3", t.Response!.Trailers["x-sum"]);
        var h = kit.Exchange(kit.To(_node.Port, "/hints"));
        Assert.Equal(103, Assert.Single(h.Information).StatusCode);
        Assert.Equal("hinted", h.Text);
    }

    [Fact]
    public void Keep_alive_reuse_and_streamed_request_body()
    {
        Assert.SkipWhen(_node is null, "node is not installed");
        using var kit = new ClientKit();
        var a = kit.Exchange(kit.To(_node.Port, "/echo", "POST"), r => { r.Write("x"u8); r.End("y"u8); });
        var b = kit.Exchange(kit.To(_node.Port, "/echo", "POST"), r => r.End("whole"u8));
        var c = kit.Exchange(kit.To(_node.Port, "/x", "HEAD"));
        Assert.Equal("xy", a.Text);
        Assert.Equal("whole", b.Text);
        Assert.Equal(0, c.Body.Length);
        Assert.Equal(a.Socket!.LocalPort, c.Socket!.LocalPort);
        Assert.Equal(1, kit.Agent.GetStats("127.0.0.1", _node.Port).Created);
    }
}

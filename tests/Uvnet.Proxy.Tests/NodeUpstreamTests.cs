
namespace Uvnet.Proxy.Tests;

/// <summary>Node's own http server as the upstream (skipped only where node is missing).</summary>
public sealed class NodeUpstreamTests : IDisposable
{
    private const string Script = """
        const http = require('http');
        const server = http.createServer((req, res) => {
          const parts = []; req.on('data', d => parts.push(d));
          req.on('end', () => {
            const body = Buffer.concat(parts).toString();
            switch (req.url) {
              case '/chunked': res.write('a'); res.write('b'); res.end('c'); break;
              case '/headers': res.end(JSON.stringify(req.headers)); break;
              case '/close': res.setHeader('Connection', 'close'); res.end('closing'); break;
              default: res.end(req.method + ' ' + req.url + ' ' + body);
            }
          });
        });
        server.keepAliveTimeout = 60000;
        server.listen(0, '127.0.0.1', () => console.log(server.address().port));
        process.stdin.on('end', () => process.exit(0)); process.stdin.resume();
        """;

    private readonly NodeProcess? _node = NodeProcess.TryStart(Script);

    public void Dispose() => _node?.Dispose();

    [Fact]
    public void Requests_of_every_framing_go_through_to_Node_and_back()
    {
        Assert.SkipWhen(_node is null, "node is not installed");
        using var kit = new ProxyKit();
        kit.StartProxy(ports: _node.Port);

        Assert.Equal("abc", kit.Exchange(kit.ToProxy("/chunked")).Text);
        Assert.Equal("POST /p sized", kit.Exchange(kit.ToProxy("/p", "POST"), r => r.End("sized"u8)).Text);
        Assert.Equal("PUT /q chunked-body", kit.Exchange(kit.ToProxy("/q", "PUT"), r => { r.Write("chunked-"u8); r.End("body"u8); }).Text);
        Assert.Equal("closing", kit.Exchange(kit.ToProxy("/close")).Text);
        Assert.Equal("GET /after-close ", kit.Exchange(kit.ToProxy("/after-close")).Text); // a fresh upstream connection
    }

    [Fact]
    public void Node_sees_the_forwarding_fields_and_none_of_the_hop_by_hop_ones()
    {
        Assert.SkipWhen(_node is null, "node is not installed");
        using var kit = new ProxyKit();
        kit.StartProxy(ports: _node.Port);

        string json = kit.Exchange(kit.ToProxy("/headers", "GET", new("Connection", "keep-alive, X-Hop"), new("X-Hop", "1"))).Text;

        Assert.Contains("\"x-forwarded-for\":\"127.0.0.1\"", json);
        Assert.Contains("\"via\":\"1.1 uvnet\"", json);
        Assert.DoesNotContain("x-hop", json);
    }
}

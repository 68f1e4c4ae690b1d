using System.Globalization;
using Uvnet.Server.Commands;
using Uvnet.Server.Load;

namespace Uvnet.Server.Tests.Load;

/// <summary>
/// <c>uvnet load</c> against Node's http server and its http2 (h2c) server, which count what they answered (skipped
/// only where node is missing).
/// </summary>
[Collection(Sequential.Name)] // as LoadCommandTests
public sealed class NodeServerLoadTests : IDisposable
{
    // A line on stdin asks for the count of requests answered so far (by either server). The http2 server's port is
    // the second line printed.
    private const string Script = """
        const http = require('http');
        const http2 = require('http2');
        let count = 0;
        const handler = (req, res) => {
          count++;
          if (req.url === '/chunked') { res.write('Hello, '); res.end('World!'); } else res.end('Hello, World!');
        };
        const server = http.createServer(handler);
        server.keepAliveTimeout = 60000;
        const h2c = http2.createServer(handler);
        server.listen(0, '127.0.0.1', () => h2c.listen(0, '127.0.0.1', () => console.log(`${server.address().port}\n${h2c.address().port}`)));
        require('readline').createInterface({ input: process.stdin }).on('line', () => console.log(count)).on('close', () => process.exit(0));
        """;

    private readonly NodeProcess? _node = NodeProcess.TryStart(Script);
    private readonly int _h2cPort;

    public NodeServerLoadTests()
    {
        if (_node is not null)
            _h2cPort = int.Parse(_node.Process.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture);
    }

    public void Dispose() => _node?.Dispose();

    private long NodeCount()
    {
        _node!.Process.StandardInput.WriteLine();
        _node.Process.StandardInput.Flush();
        return long.Parse(_node.Process.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture);
    }

    private LoadOptions Options(string path) => new()
    {
        Host = "127.0.0.1",
        Port = _node!.Port,
        Path = path,
        Connections = 4,
        Duration = TimeSpan.FromSeconds(1),
        ExpectStatus = 200,
        ExpectBodyBytes = 13,
    };

    [Theory]
    [InlineData("/")]
    [InlineData("/chunked")]
    public void Closed_loop_counts_what_node_counted(string path)
    {
        Assert.SkipWhen(_node is null, "node is not installed");
        long before = NodeCount();
        LoadResult result = LoadCommand.Measure(Options(path));
        Assert.True(result.Responses > 0);
        Assert.Equal(0, result.TotalErrors);
        Assert.Equal(NodeCount() - before, result.Responses);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/chunked")]
    public void H2c_closed_loop_with_streams_counts_what_node_counted(string path)
    {
        Assert.SkipWhen(_node is null, "node is not installed");
        long before = NodeCount();
        LoadResult result = LoadCommand.Measure(Options(path) with { Port = _h2cPort, Http2 = true, Streams = 8 });
        Assert.True(result.Responses > 0);
        Assert.Equal(0, result.TotalErrors);
        Assert.Equal(NodeCount() - before, result.Responses);
    }

    [Fact]
    public void Open_loop_holds_its_rate_against_node()
    {
        Assert.SkipWhen(_node is null, "node is not installed");
        long before = NodeCount();
        LoadResult result = LoadCommand.Measure(Options("/") with { Rate = 300 });
        Assert.InRange(result.Responses, 297, 303); // within 1% of 300 × 1 s
        Assert.Equal(0, result.TotalErrors);
        Assert.Equal(NodeCount() - before, result.Responses);
    }
}

namespace Uvnet.Server.Tests.EndToEnd;

/// <summary><c>uvnet proxy --to</c> in front of <c>uvnet hello</c>, both as child processes.</summary>
public sealed class ProxyEndToEndTests
{
    [Fact]
    public async Task Proxy_forwards_to_the_upstream_and_logs_each_exchange()
    {
        using RunningUvnet upstream = await RunningUvnet.StartAsync("hello", "--loops", "1", "--quiet");
        using RunningUvnet proxy = await RunningUvnet.StartAsync("proxy", "--to", $"http://127.0.0.1:{upstream.Port}", "--loops", "1");
        try
        {
            var response = await RawHttp.GetAsync(proxy.Port, "/plaintext");

            Assert.Equal(200, response.Status);
            Assert.Equal("Hello, World!", response.BodyText);
            Assert.Equal("uvnet", response.Headers["server"]); // the upstream's: the proxy adds none
            Assert.Equal("1.1 uvnet", response.Headers["via"]);
            await proxy.WaitForOutputAsync(line => line.Contains("\"GET /plaintext HTTP/1.1\" 200 13", StringComparison.Ordinal));

            var missing = await RawHttp.GetAsync(proxy.Port, "/nothing");
            Assert.Equal(404, missing.Status);
        }
        finally
        {
            Assert.Equal(0, await proxy.StopAsync());
            Assert.Equal(0, await upstream.StopAsync());
        }
    }

    [Fact]
    public async Task Proxy_answers_502_when_the_upstream_is_down()
    {
        int closed = ClosedPorts.Next().Port;
        using RunningUvnet proxy = await RunningUvnet.StartAsync("proxy", "--to", $"http://127.0.0.1:{closed}", "--loops", "1");
        try
        {
            Assert.Equal(502, (await RawHttp.GetAsync(proxy.Port, "/")).Status);
        }
        finally
        {
            Assert.Equal(0, await proxy.StopAsync());
        }
    }
}

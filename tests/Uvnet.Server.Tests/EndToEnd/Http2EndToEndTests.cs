namespace Uvnet.Server.Tests.EndToEnd;

/// <summary><c>uvnet hello</c> speaks HTTP/2 by default (h2c with prior knowledge, and by Upgrade); <c>--http1-only</c> turns it off.</summary>
public class Http2EndToEndTests
{
    [Fact]
    public async Task Hello_speaks_h2c_by_default_and_http1_only_with_the_flag()
    {
        using (var server = await RunningUvnet.StartAsync("hello", "--loops", "1", "--quiet"))
        {
            string url = $"http://127.0.0.1:{server.Port}/plaintext";
            Assert.Equal("Hello, World! 2", System.Text.Encoding.ASCII.GetString(await Curl.RunAsync("--http2-prior-knowledge", "-w", " %{http_version}", url)));
            Assert.Equal("Hello, World! 2", System.Text.Encoding.ASCII.GetString(await Curl.RunAsync("--http2", "-w", " %{http_version}", url)));
            Assert.Equal(0, await server.StopAsync());
        }
        using (var server = await RunningUvnet.StartAsync("hello", "--loops", "1", "--quiet", "--http1-only"))
        {
            string url = $"http://127.0.0.1:{server.Port}/plaintext";
            Assert.Equal("Hello, World! 1.1", System.Text.Encoding.ASCII.GetString(await Curl.RunAsync("--http2", "-w", " %{http_version}", url)));
            Assert.Equal(0, await server.StopAsync());
        }
    }
}

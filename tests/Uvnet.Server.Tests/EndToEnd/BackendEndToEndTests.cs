using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Uvnet.Server.Tests.EndToEnd;

/// <summary><c>uvnet</c> with <c>UVNET_BACKEND</c> set: the start-up lines name the backend, and the server serves on it.</summary>
public partial class BackendEndToEndTests
{
    [Fact]
    public async Task Hello_on_two_io_uring_loops_names_its_backend_and_serves()
    {
        using var server = await RunningUvnet.StartAsync(Process.Start(Uvnet("io_uring", "hello", "--loops", "2"))!, Url());
        string line = await server.WaitForOutputAsync(l => l.StartsWith("  backend: ", StringComparison.Ordinal));

        // Where this machine blocks io_uring, the line says so and the server runs on epoll: either way it serves.
        Assert.Matches(@"^  backend: (io_uring|epoll, io_uring unavailable \(E[A-Z]+: .+\))$", line);
        for (int i = 0; i < 8; i++)
            Assert.Equal("Hello, World!", (await RawHttp.GetAsync(server.Port, "/plaintext")).BodyText);
        Assert.Equal(0, await server.StopAsync());
    }

    [Theory]
    [InlineData("iouring", "UVNET_BACKEND='iouring' names no backend")]
    [InlineData("kqueue", "The Kqueue backend is not available on this system")]
    public async Task A_variable_that_names_no_backend_of_this_system_stops_the_start_and_says_why(string backend, string message)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "kqueue is this system's backend");
        var (exitCode, _, error) = await UvnetProcess.RunAsync(Uvnet(backend, "hello"), TimeSpan.FromSeconds(30));

        Assert.Equal(1, exitCode);
        Assert.Contains(message, error);
    }

    // uvnet as RunningUvnet starts it (127.0.0.1, port 0), with UVNET_BACKEND set to backend.
    private static ProcessStartInfo Uvnet(string backend, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", ["exec", Path.Join(AppContext.BaseDirectory, "uvnet.dll"), .. args,
            "--host", "127.0.0.1", "--port", "0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["UVNET_BACKEND"] = backend;
        return start;
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:(\d+)/")]
    private static partial Regex Url();
}

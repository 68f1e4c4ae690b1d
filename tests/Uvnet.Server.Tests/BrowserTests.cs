using Uvnet.Server.Cli;
using Uvnet.Server.Commands;
using Uvnet.Server.Tests.EndToEnd;

namespace Uvnet.Server.Tests;

/// <summary><c>uvnet serve --open</c>: the browser command, and the URL it is given once the server listens.</summary>
public sealed class BrowserTests
{
    private static readonly Uri s_url = new("http://127.0.0.1:8080/");

    [Fact]
    public void Browser_variable_is_the_command_with_the_url_appended_or_put_for_percent_s()
    {
        var appended = Browser.Command(s_url, "firefox --new-tab");
        Assert.Equal("firefox", appended.FileName);
        Assert.Equal(["--new-tab", "http://127.0.0.1:8080/"], appended.ArgumentList);
        var placed = Browser.Command(s_url, "chromium --app=%s --incognito");
        Assert.Equal("chromium", placed.FileName);
        Assert.Equal(["--app=http://127.0.0.1:8080/", "--incognito"], placed.ArgumentList);
    }

    [Fact]
    public void Without_a_browser_variable_the_platforms_opener_is_used()
    {
        var command = Browser.Command(s_url, "  ");
        Assert.Equal(OperatingSystem.IsMacOS() ? "open" : "xdg-open", command.FileName);
        Assert.Equal(["http://127.0.0.1:8080/"], command.ArgumentList);
    }

    [Fact]
    public void Open_is_a_serve_flag()
    {
        Assert.True(CommandLine.Parse(["serve", "--open"], _ => true).Options?.OpenBrowser);
        Assert.True(CommandLine.Parse(["-o"], _ => true).Options?.OpenBrowser);
        Assert.False(CommandLine.Parse(["serve"], _ => true).Options?.OpenBrowser);
        Assert.Equal("option '--open' is for serve only", CommandLine.Parse(["hello", "--open"], _ => true).Error);
    }

    [Fact]
    public async Task Serve_open_runs_the_browser_on_the_served_url_once_listening()
    {
        using var tree = new TempTree();
        // `env` sets $BROWSER for uvnet; the "browser" is echo, whose output joins uvnet's.
        using var server = await RunningUvnet.StartExecutableAsync("env",
            "BROWSER=echo opened", "dotnet", "exec", Path.Join(AppContext.BaseDirectory, "uvnet.dll"), "serve", tree.Root, "--loops", "1", "--open");
        Assert.Equal($"opened http://127.0.0.1:{server.Port}/", await server.WaitForOutputAsync(line => line.StartsWith("opened ", StringComparison.Ordinal)));
        await server.StopGracefullyAsync();
    }

    [Fact]
    public async Task A_browser_that_cannot_start_is_reported_and_serving_goes_on()
    {
        using var tree = new TempTree();
        tree.File("a.txt", "still here");
        using var server = await RunningUvnet.StartExecutableAsync("env",
            "BROWSER=/nonexistent/browser", "dotnet", "exec", Path.Join(AppContext.BaseDirectory, "uvnet.dll"), "serve", tree.Root, "--loops", "1", "--open");
        Assert.Contains("could not open a browser", await server.WaitForErrorAsync(line => line.Contains("browser", StringComparison.Ordinal)));
        using var client = new HttpClient { Timeout = RunningUvnet.Bound };
        Assert.Equal("still here", await client.GetStringAsync(server.Url("/a.txt")));
        await server.StopGracefullyAsync();
    }
}

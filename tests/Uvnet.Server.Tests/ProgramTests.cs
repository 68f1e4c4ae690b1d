namespace Uvnet.Server.Tests;

/// <summary>The <c>uvnet</c> program's exit codes and streams, run as a child process.</summary>
public class ProgramTests
{
    [Fact]
    public async Task Help_goes_to_stdout_with_exit_code_0()
    {
        var (exitCode, output, error) = await UvnetProcess.RunAsync("--help");
        Assert.Equal(0, exitCode);
        Assert.Contains("Usage:", output);
        Assert.Empty(error);
    }

    [Fact]
    public async Task A_bad_command_line_says_why_on_stderr_with_exit_code_2()
    {
        var (exitCode, output, error) = await UvnetProcess.RunAsync("echo", "--port", "http");
        Assert.Equal(2, exitCode);
        Assert.Empty(output);
        Assert.Equal("uvnet: option '--port' takes a whole number from 0 to 65535, not 'http'\nRun 'uvnet --help' for usage.\n", error);
    }

    [Fact]
    public async Task A_port_in_use_is_explained_with_exit_code_1()
    {
        using var other = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        other.Start();
        string port = ((System.Net.IPEndPoint)other.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (exitCode, _, error) = await UvnetProcess.RunAsync("echo", "--host", "127.0.0.1", "--port", port, "--loops", "1");
        Assert.Equal(1, exitCode);
        Assert.Contains("the port is in use (EADDRINUSE)", error);
    }
}

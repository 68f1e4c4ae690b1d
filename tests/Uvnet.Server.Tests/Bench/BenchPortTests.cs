using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Uvnet.Server.Tests.Bench;

/// <summary>
/// bench/lib's ports on a machine shared with other benchmarks (which start from the same port numbers): a port
/// another program listens on is skipped, and a server counts as started only once its own listener is up, not
/// when some other program answers on its port.
/// </summary>
public sealed class BenchPortTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task A_port_another_program_listens_on_is_skipped_and_never_taken_for_the_servers_own()
    {
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        int taken = ((IPEndPoint)other.LocalEndpoint).Port;

        // fresh_port from the taken port on; then wait_for_port on it for a live process that does not listen there
        // (a sleep of ours): not ready, although the port accepts connections (this test's listener answers).
        string script = $"""
            source "$1/common.sh" && source "$1/proc.sh"
            NEXT_PORT={taken}
            fresh_port
            echo "port=$PORT"
            sleep 30 &
            sleeper=$!
            wait_for_port {taken} "$sleeper" 1
            echo "ready=$?"
            kill "$sleeper"
            """;
        var (exitCode, output, error) = await UvnetProcess.RunAsync(
            new ProcessStartInfo("bash", ["-c", script, "bash", Path.Join(Repository.Root, "bench", "lib")]), s_bound);

        Assert.True(exitCode == 0, error);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEqual($"port={taken}", lines[0]);
        Assert.Equal("ready=1", lines[1]);
    }

    [Fact]
    public async Task A_server_is_ready_once_its_own_listener_is_up()
    {
        // A listener started by the script itself, found by its PID (nc is not everywhere: node is, for the peers).
        string script = """
            source "$1/common.sh" && source "$1/proc.sh"
            fresh_port
            node -e "require('net').createServer().listen($PORT, '127.0.0.1')" &
            server=$!
            wait_for_port "$PORT" "$server" 20
            echo "ready=$?"
            kill "$server"
            """;
        var (exitCode, output, error) = await UvnetProcess.RunAsync(
            new ProcessStartInfo("bash", ["-c", script, "bash", Path.Join(Repository.Root, "bench", "lib")]), s_bound);

        Assert.True(exitCode == 0, error);
        Assert.Equal("ready=0", output.Trim());
    }
}

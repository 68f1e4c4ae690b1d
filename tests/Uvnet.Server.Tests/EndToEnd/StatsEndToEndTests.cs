using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Uvnet.Server.Tests.EndToEnd;

/// <summary><c>--stats</c>: each loop's periodic line on stderr, as bench/soak.sh reads it.</summary>
public partial class StatsEndToEndTests
{
    [Fact]
    public async Task A_connection_shows_in_the_stats_and_its_close_takes_the_handles_back()
    {
        using var server = await RunningUvnet.StartAsync("hello", "--loops", "1", "--quiet", "--stats", "1");
        var idle = await NextStatsAsync(server, connections: 0, from: 0);

        using (var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await client.ConnectAsync(IPAddress.Loopback, server.Port);
            var open = await NextStatsAsync(server, connections: 1, from: 0);
            // The connection's socket is one handle.
            Assert.Equal(idle.Handles + 1, open.Handles);
        }
        var closed = await NextStatsAsync(server, connections: 0, from: server.Error.Count);
        Assert.Equal(idle.Handles, closed.Handles);

        Assert.Equal(0, await server.StopAsync());
    }

    /// <summary>Waits (bounded) for loop 0's first stats line from stderr line <paramref name="from"/> on showing <paramref name="connections"/>.</summary>
    private static async Task<(int Handles, int Connections)> NextStatsAsync(RunningUvnet server, int connections, int from)
    {
        string line = await server.WaitForErrorAsync(line => Parse(line) is { } stats && stats.Connections == connections, from);
        return Parse(line)!.Value;
    }

    private static (int Handles, int Connections)? Parse(string line) =>
        StatsLine().Match(line) is { Success: true } m
            ? (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))
            : null;

    [GeneratedRegex(@"^stats loop=0 handles=(\d+) connections=(\d+)$")]
    private static partial Regex StatsLine();
}

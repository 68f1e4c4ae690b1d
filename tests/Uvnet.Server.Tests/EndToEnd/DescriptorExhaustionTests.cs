using System.Diagnostics;
using System.Globalization;

namespace Uvnet.Server.Tests.EndToEnd;

/// <summary>
/// <c>uvnet</c> started with few descriptors, then a connection storm far past them: the server neither crashes
/// nor spins, answers the connections it took, sheds the others, and serves normally once the storm has gone
/// (Linux: the tests read the server's threads and processor time from /proc).
/// </summary>
public class DescriptorExhaustionTests(ITestOutputHelper output)
{
    // Some 110 descriptors go to the runtime (the assemblies uvnet loads at start-up, pipes) and the loops: a storm
    // of 400 is sure to run past the 80 or so left for connections.
    private const int DescriptorLimit = 192;
    private const int StormSize = 400;

    // The measuring window, while the storm is held: the server's own --stats lines mark it, this many intervals
    // of a second. A listener spinning on connections it cannot accept would use all of it; an idle server uses
    // next to none. 30% leaves room for the runtime's background work (tiered JIT, GC) on a slow machine.
    private const int WindowIntervals = 2;
    private const double MaxBusyShare = 0.3;

    // The bound on the storm's requests: each is answered or shed within milliseconds on a healthy server.
    private static readonly TimeSpan s_settle = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Hello_weathers_a_storm_past_its_descriptor_limit_without_spinning_then_serves_again(int loops)
    {
        using var server = await RunningUvnet.StartAsync(DescriptorLimit, "hello", "--loops", loops.ToString(CultureInfo.InvariantCulture), "--stats", "1");
        int served = await WeatherStormAsync(server, "/plaintext", r => r is { Status: 200, BodyText: "Hello, World!" });
        var json = await RawHttp.GetAsync(server.Port, "/json");
        Assert.Equal((200, "{\"message\":\"Hello, World!\"}"), (json.Status, json.BodyText));
        await StopCleanlyAsync(server);
        // The access log kept up through the storm: every request answered, in it or after it, has its line.
        Assert.Equal(served, server.Output.Count(line => line.Contains("\"GET /plaintext HTTP/1.1\" 200", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Serve_weathers_a_storm_past_its_descriptor_limit_answering_503_when_it_cannot_open_the_file()
    {
        using var tree = new TempTree();
        tree.File("a.txt", "storm");
        using var server = await RunningUvnet.StartAsync(DescriptorLimit, "serve", tree.Root, "--loops", "1", "--quiet", "--stats", "1");
        // With every descriptor holding a connection, opening the file fails: the server is out of capacity (503),
        // not out of the file (404).
        await WeatherStormAsync(server, "/a.txt", r => r is { Status: 200, BodyText: "storm" },
            duringStorm: r => r is { Status: 200, BodyText: "storm" } or { Status: 503 });
        await StopCleanlyAsync(server);
    }

    [Fact]
    public async Task Sigterm_while_a_storm_holds_every_connection_it_can_stops_gracefully()
    {
        // .NET runs a signal handler on a thread it starts then, and aborts the process if it cannot: connections
        // must leave descriptors free (the listener's headroom at the top of the table).
        using var server = await RunningUvnet.StartAsync(DescriptorLimit, "hello", "--loops", "1", "--quiet");
        using var storm = await ConnectionStorm.OpenAsync(server.Port, StormSize);
        var outcome = await storm.RequestAsync(RawHttp.Request("/plaintext", close: false), s_settle);
        Assert.True(outcome.Shed > 0, "the storm did not reach the descriptor limit");
        AssertRunning(server);
        await StopCleanlyAsync(server);
    }

    /// <summary>
    /// Holds a storm against <paramref name="server"/>, each connection asking for <paramref name="target"/>;
    /// checks it stays up, idle, and answers correctly (<paramref name="duringStorm"/>, by default <paramref name="served"/>)
    /// what it took; then, the storm closed, that new clients are <paramref name="served"/> again. Returns how
    /// many requests were answered.
    /// </summary>
    private async Task<int> WeatherStormAsync(RunningUvnet server, string target, Func<RawResponse, bool> served,
        Func<RawResponse, bool>? duringStorm = null)
    {
        // As in a server that idled before the storm: no thread-pool thread left (see UvnetProcess.Start).
        Assert.True(SpinWait.SpinUntil(() => !server.ThreadNames.Contains(".NET TP Worker"), RunningUvnet.Bound),
            "the thread pool's threads did not retire");
        int answered;
        using (var storm = await ConnectionStorm.OpenAsync(server.Port, StormSize))
        {
            var outcome = await storm.RequestAsync(RawHttp.Request(target, close: false), s_settle);
            AssertRunning(server);

            await NextStatsLineAsync(server);
            TimeSpan before = server.ProcessorTime;
            var window = Stopwatch.StartNew();
            for (int i = 0; i < WindowIntervals; i++)
                await NextStatsLineAsync(server);
            AssertRunning(server);
            TimeSpan busy = server.ProcessorTime - before;
            double share = busy / window.Elapsed;

            var responses = outcome.Answers.Select(a => Assert.Single(RawHttp.Parse(a, ["GET"]))).ToList();
            string statuses = string.Join(", ", responses.GroupBy(r => r.Status).Select(g => $"{g.Count()} x {g.Key}"));
            output.WriteLine($"limit {DescriptorLimit}, storm {StormSize}: {responses.Count} answered ({statuses}), {outcome.Shed} shed, " +
                $"{outcome.Unanswered} unanswered; {busy.TotalMilliseconds:0} ms of processor time in a {window.Elapsed.TotalMilliseconds:0} ms hold ({share:P0})");

            Assert.True(share < MaxBusyShare, $"uvnet spins while the storm is held: {share:P0} of a processor");
            Assert.True(outcome.Unanswered == 0, $"{outcome.Unanswered} connections left waiting, neither answered nor shed");
            Assert.True(outcome.Shed > 0, "the storm did not reach the descriptor limit");
            Assert.True(responses.Count > 0, "no connection of the storm was answered");
            Assert.All(responses, r => Assert.True((duringStorm ?? served)(r), $"answered {r.Status}: {r.BodyText}"));
            answered = responses.Count;
        }

        // The storm has closed its connections; the server closes its ends as it reads their end, and then accepts
        // again. Until it has, a new client may still be shed: try again until one is answered.
        var recovery = Stopwatch.StartNew();
        RawResponse? first;
        while ((first = await RawHttp.TryGetAsync(server.Port, target)) is null)
            Assert.True(recovery.Elapsed < RunningUvnet.Bound, "uvnet does not serve again after the storm");
        output.WriteLine($"served again {recovery.Elapsed.TotalMilliseconds:0} ms after the storm closed");
        Assert.True(served(first), $"answered {first.Status}: {first.BodyText}");
        const int more = 10;
        for (int i = 0; i < more; i++)
        {
            var response = await RawHttp.GetAsync(server.Port, target);
            Assert.True(served(response), $"answered {response.Status}: {response.BodyText}");
        }
        return answered + 1 + more;
    }

    /// <summary>Waits (bounded) for loop 0's next <c>--stats</c> line: the server's clock marks the measuring window.</summary>
    private static Task NextStatsLineAsync(RunningUvnet server) =>
        server.WaitForErrorAsync(line => line.StartsWith("stats loop=0 ", StringComparison.Ordinal), server.Error.Count);

    private static void AssertRunning(RunningUvnet server) =>
        Assert.True(server.IsRunning, $"uvnet died in the storm:\n{string.Join('\n', server.Error)}");

    /// <summary>Stops <paramref name="server"/> and checks its stderr: no exception, and one notice of the shortage rather than one per refusal.</summary>
    private static async Task StopCleanlyAsync(RunningUvnet server)
    {
        int exitCode = await server.StopAsync();
        string stderr = string.Join('\n', server.Error);
        Assert.True(exitCode == 0, $"uvnet exited with {exitCode}:\n{stderr}");
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
        Assert.InRange(server.Error.Count(line => line.Contains("EMFILE", StringComparison.Ordinal)), 1, 2);
    }
}

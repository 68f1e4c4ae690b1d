using System.Diagnostics;

namespace Uvnet.Server.Tests.Bench;

/// <summary>
/// bench/run.sh as a user runs it, the cheap parts: where a quick run writes (a full quick run takes minutes, so
/// its settings are checked rather than run), and what the report makes of a smoke run and of pipelined latency.
/// </summary>
public sealed class BenchReportTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task A_quick_run_writes_its_report_and_raw_data_where_git_ignores_them_and_a_full_run_into_results()
    {
        string[] full = await BenchSettingsAsync("use_full_settings");
        string[] quick = await BenchSettingsAsync("use_quick_settings");

        Assert.Equal(Path.Join(Repository.Root, "bench", "results"), full[0]);
        Assert.NotEqual(full[0], quick[0]);
        Assert.False(quick[1].StartsWith(full[0] + "/", StringComparison.Ordinal), quick[1]);
        foreach (string written in new[] { "README.md", "runs.csv", "pipelined-64.svg" }.Select(f => Path.Join(quick[0], f))
            .Append(Path.Join(quick[1], "http.csv")))
        {
            var (exitCode, _, error) = await UvnetProcess.RunAsync(
                new ProcessStartInfo("git", ["-C", Repository.Root, "check-ignore", "-q", written]), s_bound);
            Assert.True(exitCode == 0, $"git does not ignore {written} ({exitCode}) {error}");
        }
    }

    [Fact]
    public async Task The_report_captions_each_chart_with_its_run_kind_and_rounds_and_leaves_pipelined_p99_not_measured()
    {
        var folder = Directory.CreateTempSubdirectory("uvnet-bench-report-");
        try
        {
            string raw = Directory.CreateDirectory(Path.Join(folder.FullName, "raw")).FullName;
            string results = Path.Join(folder.FullName, "results");
            File.WriteAllText(Path.Join(raw, "reactor.env"), "date=2026-11-21 04:20 UTC\nmode=full\nrounds=3\n");
            File.WriteAllText(Path.Join(raw, "reactor.csv"), "workload,peer,round,key,value\n"
                + string.Concat(Enumerable.Range(1, 3).Select(r => $"pingpong-1,libuv,{r},roundtrips_per_sec,{60000 + r}\n")));
            File.WriteAllText(Path.Join(raw, "http.env"), "date=2026-12-07 02:00 UTC\nmode=quick\nrounds=1\n");
            File.WriteAllText(Path.Join(raw, "http.csv"), """
                workload,peer,round,key,value
                pipelined-64,kestrel,1,requests_per_sec,400000
                pipelined-64,kestrel,1,p50_ms,1.400
                pipelined-64,kestrel,1,p99_ms,0.000
                keepalive-64,kestrel,1,requests_per_sec,100000
                keepalive-64,kestrel,1,p50_ms,0.600
                keepalive-64,kestrel,1,p99_ms,2.500

                """);

            var (exitCode, output, error) = await UvnetProcess.RunAsync(new ProcessStartInfo("dotnet",
                ["run", "--project", Path.Join(Repository.Root, "bench", "Report"), "-c", "Release", "--", raw, results]), s_bound);
            Assert.True(exitCode == 0, output + error);

            Assert.Contains(">full run, 3 rounds, 2026-11-21 04:20 UTC<", File.ReadAllText(Path.Join(results, "pingpong-1.svg")));
            Assert.Contains(">smoke run (bench/run.sh --quick), 1 round, 2026-12-07 02:00 UTC: not a measurement<",
                File.ReadAllText(Path.Join(results, "pipelined-64.svg")));
            string[] report = File.ReadAllLines(Path.Join(results, "README.md"));
            Assert.Equal("| kestrel | 400,000 | 1.00x | 1.40 | not measured | – | – |", Assert.Single(report, l => l.StartsWith("| kestrel | 400,000", StringComparison.Ordinal)));
            Assert.Equal("| kestrel | 100,000 | 1.00x | 0.60 | 2.50 | – | – |", Assert.Single(report, l => l.StartsWith("| kestrel | 100,000", StringComparison.Ordinal)));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_full_run_of_some_suites_writes_its_own_report_and_never_over_the_full_one()
    {
        string[] full = await BenchSettingsAsync("use_full_settings");
        string[] partial = await BenchSettingsAsync("use_full_settings && use_partial_results tls");
        string[] quick = await BenchSettingsAsync("use_quick_settings");
        string[] quickPartial = await BenchSettingsAsync("use_quick_settings && use_partial_results tls");

        Assert.Equal(Path.Join(full[0], "only-tls"), partial[0]);
        Assert.NotEqual(full[1], partial[1]);
        Assert.Equal(quick, quickPartial); // a quick run has its own folder, git-ignored, already
        // The partial report can be committed beside the full one; its raw data is ignored as the full run's is.
        var (reportIgnored, _, _) = await UvnetProcess.RunAsync(
            new ProcessStartInfo("git", ["-C", Repository.Root, "check-ignore", "-q", Path.Join(partial[0], "README.md")]), s_bound);
        Assert.Equal(1, reportIgnored);
        var (rawIgnored, _, error) = await UvnetProcess.RunAsync(
            new ProcessStartInfo("git", ["-C", Repository.Root, "check-ignore", "-q", Path.Join(partial[1], "tls.csv")]), s_bound);
        Assert.True(rawIgnored == 0, $"git does not ignore the partial run's raw data ({rawIgnored}) {error}");
        // run.sh switches to it for --only, after every option is read (--quick may follow --only).
        string run = File.ReadAllText(Path.Join(Repository.Root, "bench", "run.sh"));
        Assert.Contains("[[ -n $only ]] && use_partial_results \"$only\"", run);
    }

    [Fact]
    public async Task A_tls_only_report_lists_its_own_targets_an_absolute_one_included_and_links_to_the_bench_readme()
    {
        var folder = Directory.CreateTempSubdirectory("uvnet-bench-report-");
        try
        {
            string raw = Directory.CreateDirectory(Path.Join(folder.FullName, "raw")).FullName;
            string results = Path.Join(folder.FullName, "bench", "results", "only-tls");
            File.WriteAllText(Path.Join(raw, "tls.env"), "date=2026-12-07 07:30 UTC\nmode=full\nrounds=1\n");
            File.WriteAllText(Path.Join(raw, "tls.csv"), """
                workload,peer,round,key,value
                tls-idle-1k,uvnet,1,kb_per_conn,12.5
                tls-handshake-ecdsa,nginx,1,handshakes_per_sec,1000
                tls-handshake-ecdsa,uvnet,1,handshakes_per_sec,950

                """);

            var (exitCode, output, error) = await UvnetProcess.RunAsync(new ProcessStartInfo("dotnet",
                ["run", "--project", Path.Join(Repository.Root, "bench", "Report"), "-c", "Release", "--", raw, results,
                    Path.Join(folder.FullName, "bench")]), s_bound);
            Assert.True(exitCode == 0, output + error);

            string[] report = File.ReadAllLines(Path.Join(results, "README.md"));
            Assert.Contains(report, l => l.Contains("(see [bench/README.md](../../README.md))", StringComparison.Ordinal));
            Assert.Contains("| tls-idle-1k | KiB per connection | uvnet ≤ 16 | 12.50 | pass |", report);
            Assert.Contains("| tls-handshake-ecdsa | handshakes/s | uvnet ≥ 0.9x nginx | 0.95x | pass |", report);
            Assert.DoesNotContain(report, l => l.StartsWith("| pingpong-1 |", StringComparison.Ordinal)); // the reactor suite did not run
            Assert.DoesNotContain(report, l => l.Contains("`uvnet hello` is not measured", StringComparison.Ordinal));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>bench/lib/common.sh's results and raw folders after <paramref name="settings"/> (use_full_settings or use_quick_settings).</summary>
    private static async Task<string[]> BenchSettingsAsync(string settings)
    {
        var (exitCode, output, error) = await UvnetProcess.RunAsync(new ProcessStartInfo("bash",
            ["-c", $"source \"$1\" && {settings} && printf '%s\\n' \"$RESULTS_DIR\" \"$RAW_DIR\"", "bash",
                Path.Join(Repository.Root, "bench", "lib", "common.sh")]), s_bound);
        Assert.True(exitCode == 0, error);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}

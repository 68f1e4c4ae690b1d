using System.Text;

namespace Uvnet.Bench.Report;

/// <summary>bench/results/README.md: where and how it ran, the targets, then a table and a chart per workload.</summary>
internal sealed class MarkdownReport(RunData data, Summary summary, string benchReadme = "../README.md")
{
    private readonly StringBuilder _md = new();

    public string Render()
    {
        _md.AppendLine("# Uvnet benchmark results").AppendLine();
        Warnings();
        _md.AppendLine($"Written by `bench/run.sh` (see [bench/README.md]({benchReadme})). Every sample: [runs.csv](runs.csv).").AppendLine();
        Environment();
        TargetTable();
        foreach (var suite in Catalog.Workloads.GroupBy(w => w.Suite).Where(g => data.SuiteSettings.ContainsKey(g.Key)))
        {
            _md.AppendLine($"## {Catalog.SuiteTitles[suite.Key]}").AppendLine();
            foreach (Workload workload in suite)
                WorkloadSection(workload);
        }
        Method();
        return _md.ToString();
    }

    private void Warnings()
    {
        if (data.SuiteSettings.Values.Any(s => s.GetValueOrDefault("mode") == "quick"))
        {
            _md.AppendLine("> **Smoke run** (`bench/run.sh --quick`: short runs). It shows that everything runs; its")
               .AppendLine("> figures are not measurements: the absolute numbers and the ratios mean little, all the more")
               .AppendLine("> when other work shared the machine. Take figures from a full run on an idle machine.").AppendLine();
        }
        if ((data.SuiteSettings.ContainsKey("http") || data.SuiteSettings.ContainsKey("memory"))
            && !data.Samples.Any(s => s.Peer == "uvnet" && s.Suite is "http" or "memory"))
        {
            _md.AppendLine("> `uvnet hello` is not measured: src/Server did not exist when this ran, so the HTTP and")
               .AppendLine("> memory suites compare the other peers only.").AppendLine();
        }
    }

    private void Environment()
    {
        var m = data.Machine;
        _md.AppendLine("## Machine and versions").AppendLine()
           .AppendLine("| | |").AppendLine("| --- | --- |")
           .AppendLine($"| CPUs | {m.GetValueOrDefault("cpus")} × {m.GetValueOrDefault("cpu_model")} |")
           .AppendLine($"| OS, kernel | {m.GetValueOrDefault("os")}, {m.GetValueOrDefault("kernel")} |")
           .AppendLine($"| .NET SDK, ASP.NET Core | {m.GetValueOrDefault("dotnet")}, {m.GetValueOrDefault("aspnetcore")} |")
           .AppendLine($"| Node | {m.GetValueOrDefault("node")} |")
           .AppendLine($"| libuv (Debian libuv1-dev), gcc | {m.GetValueOrDefault("libuv")}, {m.GetValueOrDefault("gcc")} |")
           .AppendLine($"| wrk, h2load | {m.GetValueOrDefault("wrk")}, {m.GetValueOrDefault("h2load", "–")} |")
           .AppendLine($"| nginx, OpenSSL | {m.GetValueOrDefault("nginx", "–")}, {m.GetValueOrDefault("openssl", "–")} |")
           .AppendLine($"| load average at the start (1, 5, 15 min) | {m.GetValueOrDefault("loadavg", "–")} |")
           .AppendLine($"| Uvnet commit | {m.GetValueOrDefault("uvnet")} |").AppendLine();
        _md.AppendLine("| suite | date | mode | rounds |").AppendLine("| --- | --- | --- | --- |");
        foreach (var (suite, settings) in data.SuiteSettings)
            _md.AppendLine($"| {suite} | {settings.GetValueOrDefault("date")} | {settings.GetValueOrDefault("mode")} | {settings.GetValueOrDefault("rounds")} |");
        _md.AppendLine();
    }

    private void TargetTable()
    {
        _md.AppendLine("## Targets").AppendLine().AppendLine("Ratios of medians measured in the same run.").AppendLine()
           .AppendLine("| workload | figure | target | measured | result |").AppendLine("| --- | --- | --- | --- | --- |");
        foreach (Target target in Targets.All)
        {
            Workload workload = Catalog.Workloads.Single(w => w.Name == target.Workload);
            if (!data.SuiteSettings.ContainsKey(workload.Suite))
                continue; // a partial run's report (--only) lists the targets of what it ran
            Metric metric = workload.Metrics.Single(m => m.Key == target.MetricKey);
            double? ratio = target.Versus is { } versus
                ? summary.Ratio(workload, target.MetricKey, target.Peer, versus)
                : summary.For(workload).FirstOrDefault(r => r.Peer == target.Peer)?[target.MetricKey]?.Median / metric.Divisor;
            string measured = ratio is { } r ? (target.Versus is null ? r.ToString(metric.Format, System.Globalization.CultureInfo.InvariantCulture) : Format.Ratio(r)) : "–";
            string result = ratio is { } v ? (target.IsMet(v) ? "pass" : "**miss**") : "not measured";
            _md.AppendLine($"| {workload.Name} | {metric.Label} | {target.Condition} | {measured} | {result} |");
        }
        _md.AppendLine();
    }

    private void WorkloadSection(Workload workload)
    {
        var results = summary.For(workload);
        _md.AppendLine($"### {workload.Title} (`{workload.Name}`)").AppendLine().AppendLine(workload.Description).AppendLine();
        if (summary.Unsupported(workload) is { Count: > 0 } unsupported)
            _md.AppendLine($"Printed UNSUPPORTED, left out: {string.Join(", ", unsupported)}.").AppendLine();
        if (results.Count == 0)
        {
            _md.AppendLine("Not run.").AppendLine();
            return;
        }
        var header = new StringBuilder("| peer |");
        var rule = new StringBuilder("| --- |");
        foreach (Metric metric in workload.Metrics)
        {
            header.Append($" {metric.Label} |");
            rule.Append(" ---: |");
            if (workload.Charted.Contains(metric))
            {
                header.Append($" vs {workload.Reference} |");
                rule.Append(" ---: |");
            }
        }
        _md.AppendLine(header.ToString()).AppendLine(rule.ToString());
        foreach (PeerResult result in results)
            _md.AppendLine(Row(workload, result));
        _md.AppendLine().AppendLine($"![{workload.Title}]({workload.Name}.svg)").AppendLine();
    }

    private string Row(Workload workload, PeerResult result)
    {
        var row = new StringBuilder($"| {PeerLabel(result)} |");
        foreach (Metric metric in workload.Metrics)
        {
            Stats? stats = result[metric.Key];
            row.Append(!metric.Measured ? " not measured |" : stats is null ? " – |" : $" {Format.MedianRange(metric, stats)} |");
            if (workload.Charted.Contains(metric))
            {
                double? ratio = summary.Ratio(workload, metric.Key, result.Peer, workload.Reference);
                row.Append(ratio is { } r ? $" {Format.Ratio(r)} |" : " – |");
            }
        }
        return row.ToString();
    }

    private static string PeerLabel(PeerResult result)
    {
        string label = result.Peer;
        if (result.FailedRounds > 0)
            label += $" ({result.FailedRounds} round(s) failed)";
        if (result["errors"] is { Max: > 0 } errors)
            label += $" ({errors.Max:N0} wrk errors)";
        if (result["failed"] is { Max: > 0 } refused)
            label += $" ({refused.Max:N0} connections failed)";
        return label;
    }

    private void Method()
    {
        _md.AppendLine("## How it was measured").AppendLine()
           .AppendLine("- Each workload runs every peer in turn, and the rounds interleave (A B C A B C), so drift on the machine spreads over all peers. Medians with min–max over the rounds.")
           .AppendLine("- Reactor workloads: one process per run (client and server on one loop where the runtime allows), pinned to CPU 0 with `taskset`. Each peer prints its own figure (bench/FINDINGS.md has the contract).")
           .AppendLine("- HTTP: the server pinned to CPU 0, `wrk -t1` pinned to CPU 1, a warm-up run first, then the measured run with `--latency`. Server CPU % is utime+stime from /proc/<pid>/stat over the measured run (100% = one core); peak RSS is VmHWM at its end. A server well under 100% CPU was waiting for wrk: on two cores, the libuv ceiling shows what one core of wrk can drive.")
           .AppendLine("- TLS: the same pinning; handshakes from `openssl s_time -new` (full) and bench/peers/node/tlsclient.js (resumed), HTTPS with `wrk` over TLS; every peer serves the same certificate, made by the script with openssl. Server CPU is the process tree's (nginx's master and worker).")
           .AppendLine("- HTTP/2: the same pinning; `h2load -t1 -c64 -m16` or `-m100` for the warm-up and the measured run (the same durations as HTTP), every server one worker; over TLS every peer serves the tls suite's certificate and h2 is chosen by ALPN. Server CPU is the process tree's; CPU µs per request is that CPU over the requests h2load saw succeed.")
           .AppendLine("- Memory: after a short warm-up, RSS idle (VmRSS), then `memclient` (libuv, CPU 1) opens the connections, sends one request on each, reads the responses and holds them; RSS again one second after the last response.")
           .AppendLine("- Everything runs against 127.0.0.1 only and every process is bounded with `timeout`.");
    }
}

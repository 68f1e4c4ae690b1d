using System.Globalization;

namespace Uvnet.Bench.Report;

/// <summary>One row of a suite's raw CSV: a figure a run produced, or a status (unsupported, failed).</summary>
internal sealed record Sample(string Suite, string Workload, string Peer, int Round, string Key, string Value);

/// <summary>What the harness left in bench/results/raw: per suite a CSV and its settings, and the machine.</summary>
internal sealed class RunData
{
    private static readonly string[] Suites = ["reactor", "udp", "http", "memory", "client", "proxy", "tls", "h2", "load"];

    private RunData(IReadOnlyList<Sample> samples, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> suiteSettings,
        IReadOnlyDictionary<string, string> machine)
    {
        Samples = samples;
        SuiteSettings = suiteSettings;
        Machine = machine;
    }

    public IReadOnlyList<Sample> Samples { get; }

    /// <summary>Per suite that ran: date, mode (full or quick), rounds.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> SuiteSettings { get; }

    public IReadOnlyDictionary<string, string> Machine { get; }

    /// <summary>
    /// What kind of run <paramref name="suite"/>'s figures come from, for a chart's caption: "full run, 3 rounds,
    /// 2026-11-21 04:20 UTC", or a smoke run's warning.
    /// </summary>
    public string RunLabel(string suite)
    {
        var settings = SuiteSettings.GetValueOrDefault(suite) ?? new Dictionary<string, string>();
        string rounds = settings.GetValueOrDefault("rounds") is "1" ? "1 round" : $"{settings.GetValueOrDefault("rounds", "?")} rounds";
        string date = settings.GetValueOrDefault("date", "date unknown");
        return settings.GetValueOrDefault("mode") == "quick"
            ? $"smoke run (bench/run.sh --quick), {rounds}, {date}: not a measurement"
            : $"full run, {rounds}, {date}";
    }

    public static RunData Load(string rawDir)
    {
        var samples = new List<Sample>();
        var settings = new Dictionary<string, IReadOnlyDictionary<string, string>>();
        foreach (string suite in Suites)
        {
            string csv = Path.Combine(rawDir, suite + ".csv");
            if (!File.Exists(csv))
                continue;
            settings[suite] = ReadEnv(Path.Combine(rawDir, suite + ".env"));
            foreach (string line in File.ReadLines(csv).Skip(1))
            {
                string[] f = line.Split(',');
                if (f.Length == 5)
                    samples.Add(new Sample(suite, f[0], f[1], int.Parse(f[2], CultureInfo.InvariantCulture), f[3], f[4]));
            }
        }
        return new RunData(samples, settings, ReadEnv(Path.Combine(rawDir, "machine.env")));
    }

    /// <summary>key=value lines, as the harness writes them.</summary>
    private static Dictionary<string, string> ReadEnv(string path)
    {
        var values = new Dictionary<string, string>();
        if (!File.Exists(path))
            return values;
        foreach (string line in File.ReadLines(path))
        {
            int eq = line.IndexOf('=');
            if (eq > 0)
                values[line[..eq]] = line[(eq + 1)..];
        }
        return values;
    }

    /// <summary>All samples again as one CSV with the suite first, to keep beside the report.</summary>
    public void WriteCsv(string path)
    {
        using var writer = new StreamWriter(path);
        writer.WriteLine("suite,workload,peer,round,key,value");
        foreach (Sample s in Samples)
            writer.WriteLine($"{s.Suite},{s.Workload},{s.Peer},{s.Round.ToString(CultureInfo.InvariantCulture)},{s.Key},{s.Value}");
    }
}

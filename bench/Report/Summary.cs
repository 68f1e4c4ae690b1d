using System.Globalization;

namespace Uvnet.Bench.Report;

/// <summary>Median and range of one figure over the rounds.</summary>
internal sealed record Stats(double Median, double Min, double Max, int Count)
{
    public static Stats Of(IReadOnlyList<double> values)
    {
        double[] sorted = [.. values.Order()];
        int n = sorted.Length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new Stats(median, sorted[0], sorted[^1], n);
    }
}

/// <summary>How one peer fared on one workload: its figures, and the rounds that failed.</summary>
internal sealed record PeerResult(string Peer, IReadOnlyDictionary<string, Stats> Figures, int FailedRounds)
{
    public Stats? this[string key] => Figures.GetValueOrDefault(key);
}

/// <summary>The samples grouped per workload and peer, peers in <see cref="Catalog.PeerOrder"/>.</summary>
internal sealed class Summary(RunData data)
{
    /// <summary>The peers that ran <paramref name="workload"/> (those that printed UNSUPPORTED are left out).</summary>
    public IReadOnlyList<PeerResult> For(Workload workload)
    {
        var results = new List<PeerResult>();
        foreach (var peer in SamplesByPeer(workload))
        {
            if (IsUnsupported(peer))
                continue;
            var figures = peer
                .Where(s => s.Key != "status" && double.TryParse(s.Value, CultureInfo.InvariantCulture, out _))
                .GroupBy(s => s.Key)
                .ToDictionary(g => g.Key, g => Stats.Of([.. g.Select(s => double.Parse(s.Value, CultureInfo.InvariantCulture))]));
            int failed = peer.Count(s => s is { Key: "status", Value: "failed" });
            results.Add(new PeerResult(peer.Key, figures, failed));
        }
        return results;
    }

    /// <summary>The peers that printed UNSUPPORTED for <paramref name="workload"/>.</summary>
    public IReadOnlyList<string> Unsupported(Workload workload) =>
        [.. SamplesByPeer(workload).Where(IsUnsupported).Select(g => g.Key)];

    /// <summary>Median of <paramref name="peer"/> over median of <paramref name="versus"/>, when both were measured.</summary>
    public double? Ratio(Workload workload, string key, string peer, string versus)
    {
        var results = For(workload);
        double? a = results.FirstOrDefault(r => r.Peer == peer)?[key]?.Median;
        double? b = results.FirstOrDefault(r => r.Peer == versus)?[key]?.Median;
        return a is null || b is null || b == 0 ? null : a / b;
    }

    private IEnumerable<IGrouping<string, Sample>> SamplesByPeer(Workload workload) =>
        data.Samples.Where(s => s.Workload == workload.Name).GroupBy(s => s.Peer).OrderBy(g => PeerRank(g.Key));

    private static bool IsUnsupported(IEnumerable<Sample> samples) => samples.Any(s => s is { Key: "status", Value: "unsupported" });

    private static int PeerRank(string peer)
    {
        int i = Catalog.PeerOrder.ToList().IndexOf(peer);
        return i < 0 ? int.MaxValue : i;
    }
}

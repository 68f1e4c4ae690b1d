using System.Globalization;

namespace Uvnet.Bench.Report;

/// <summary>Numbers as the report prints them: in the metric's unit, invariant culture.</summary>
internal static class Format
{
    public static string Value(Metric metric, double raw) =>
        (raw / metric.Divisor).ToString(metric.Format, CultureInfo.InvariantCulture);

    /// <summary>"67,521 (66,900–68,000)", or the median alone for a single round.</summary>
    public static string MedianRange(Metric metric, Stats stats) =>
        stats.Count == 1
            ? Value(metric, stats.Median)
            : $"{Value(metric, stats.Median)} ({Value(metric, stats.Min)}–{Value(metric, stats.Max)})";

    public static string Ratio(double ratio) => ratio.ToString("0.00", CultureInfo.InvariantCulture) + "x";

    /// <summary>For SVG attributes: invariant, no thousands separator.</summary>
    public static string Svg(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}

using System.Net;
using System.Text;

namespace Uvnet.Bench.Report;

/// <summary>
/// A hand-written SVG per workload: one panel per charted metric, a horizontal bar per peer at its
/// median, a whisker from min to max. The reference peer is grey, uvnet orange, the others blue.
/// </summary>
internal static class SvgChart
{
    private const int Width = 720, LabelWidth = 120, BarArea = 440, RowHeight = 26, PanelHeader = 44, Margin = 12;
    private const string ReferenceColor = "#868e96", UvnetColor = "#e8590c", OtherColor = "#4c6ef5";

    /// <summary>The chart of <paramref name="workload"/>, captioned with <paramref name="runLabel"/> (full or smoke run, rounds, date).</summary>
    public static string Render(Workload workload, IReadOnlyList<PeerResult> results, string runLabel)
    {
        var body = new StringBuilder();
        int y = Margin;
        body.Append(Text(Margin, y + 16, workload.Title, "font-size=\"16\" font-weight=\"bold\""));
        body.Append(Text(Margin, y + 34, runLabel, "fill=\"#555\" font-size=\"11\""));
        y += 46;
        foreach (Metric metric in workload.Charted)
            y = Panel(body, workload, metric, results, y);
        return $"""
            <svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{y + Margin}" viewBox="0 0 {Width} {y + Margin}" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            {body}</svg>

            """;
    }

    private static int Panel(StringBuilder svg, Workload workload, Metric metric, IReadOnlyList<PeerResult> results, int y)
    {
        int rounds = results.Select(r => r[metric.Key]?.Count ?? 0).DefaultIfEmpty().Max();
        string direction = metric.HigherIsBetter ? "higher is better" : "lower is better";
        svg.Append(Text(Margin, y + 14, metric.Label, "font-weight=\"bold\""));
        svg.Append(Text(Margin, y + 30, $"median of {rounds} round(s), whiskers min–max, {direction}", "fill=\"#555\" font-size=\"11\""));
        y += PanelHeader;

        double scaleMax = results.Select(r => r[metric.Key]?.Max ?? 0).DefaultIfEmpty().Max();
        if (scaleMax <= 0)
            scaleMax = 1;
        foreach (PeerResult result in results)
        {
            int mid = y + RowHeight / 2;
            svg.Append(Text(LabelWidth - 8, mid + 4, result.Peer, "text-anchor=\"end\""));
            if (result[metric.Key] is { } stats)
            {
                string color = result.Peer == workload.Reference ? ReferenceColor : result.Peer == "uvnet" ? UvnetColor : OtherColor;
                double x0 = LabelWidth, bar = BarArea * stats.Median / scaleMax;
                double lo = LabelWidth + BarArea * stats.Min / scaleMax, hi = LabelWidth + BarArea * stats.Max / scaleMax;
                svg.Append($"<rect x=\"{x0}\" y=\"{y + 4}\" width=\"{Format.Svg(bar)}\" height=\"{RowHeight - 8}\" fill=\"{color}\"/>\n");
                svg.Append($"<path d=\"M{Format.Svg(lo)} {mid}H{Format.Svg(hi)}M{Format.Svg(lo)} {mid - 5}V{mid + 5}M{Format.Svg(hi)} {mid - 5}V{mid + 5}\" stroke=\"#212529\" stroke-width=\"1.2\"/>\n");
                svg.Append(Text(LabelWidth + BarArea + 8, mid + 4, Format.Value(metric, stats.Median), ""));
            }
            else
            {
                svg.Append(Text(LabelWidth + 4, mid + 4, "failed", "fill=\"#868e96\" font-style=\"italic\""));
            }
            y += RowHeight;
        }
        return y + 10;
    }

    private static string Text(int x, int y, string text, string attributes) =>
        $"<text x=\"{x}\" y=\"{y}\" {attributes}>{WebUtility.HtmlEncode(text)}</text>\n";
}

using System.Globalization;

namespace Uvnet.Server.StaticFiles;

/// <summary>
/// Content codings for precompressed siblings: a file <c>x.js</c> with <c>x.js.br</c> or <c>x.js.gz</c> beside
/// it is sent as the sibling's bytes with <c>Content-Encoding</c> when the request's Accept-Encoding takes it.
/// </summary>
public static class ContentCoding
{
    /// <summary>The codings served from siblings, in order of preference at equal weight (Brotli is smaller), with their file suffixes.</summary>
    internal static IReadOnlyList<(string Coding, string Suffix)> Siblings { get; } = [("br", ".br"), ("gzip", ".gz")];

    /// <summary>
    /// The coding to send among <paramref name="available"/> for an Accept-Encoding of <paramref name="acceptEncoding"/>
    /// (RFC 9110 §12.5.3): the one with the highest weight above 0, Brotli first on a tie; a coding not listed
    /// takes the weight of <c>*</c>, else 0; <c>x-gzip</c> counts as gzip. Null: send the file as it is (no field,
    /// or nothing acceptable).
    /// </summary>
    public static string? Choose(string? acceptEncoding, IReadOnlyCollection<string> available)
    {
        ArgumentNullException.ThrowIfNull(available);
        if (acceptEncoding is null || available.Count == 0)
            return null;
        var weights = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        foreach (string member in acceptEncoding.Split(','))
        {
            string[] parts = member.Split(';');
            string coding = parts[0].Trim();
            if (coding.Length == 0)
                continue;
            double weight = 1;
            foreach (string parameter in parts.AsSpan(1))
            {
                string[] pair = parameter.Split('=', 2);
                if (pair.Length == 2 && pair[0].Trim().Equals("q", StringComparison.OrdinalIgnoreCase)
                    && !(double.TryParse(pair[1].Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out weight) && weight <= 1))
                    weight = 0; // a weight that does not parse accepts nothing rather than everything
            }
            weights[coding.Equals("x-gzip", StringComparison.OrdinalIgnoreCase) ? "gzip" : coding] = weight;
        }
        double wildcard = weights.GetValueOrDefault("*");
        string? best = null;
        double bestWeight = 0;
        foreach (var (coding, _) in Siblings)
        {
            if (!available.Contains(coding))
                continue;
            double weight = weights.TryGetValue(coding, out double listed) ? listed : wildcard;
            if (weight > bestWeight)
                (best, bestWeight) = (coding, weight);
        }
        return best;
    }
}

using System.Globalization;

namespace Uvnet.Server.StaticFiles;

/// <summary>HTTP dates (RFC 9110 §5.6.7): IMF-fixdate out; IMF-fixdate, RFC 850 and asctime in.</summary>
public static class HttpDate
{
    private static readonly string[] s_formats =
    [
        "ddd, dd MMM yyyy HH:mm:ss 'GMT'", // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
        "dddd, dd-MMM-yy HH:mm:ss 'GMT'", // obsolete RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
        "ddd MMM d HH:mm:ss yyyy", // obsolete asctime, its space-padded day collapsed: Sun Nov 6 08:49:37 1994
    ];

    /// <summary><paramref name="time"/> as an IMF-fixdate (<c>Sun, 06 Nov 1994 08:49:37 GMT</c>), in UTC, to the second.</summary>
    public static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("ddd, dd MMM yyyy HH:mm:ss 'GMT'", CultureInfo.InvariantCulture);

    /// <summary>Parses any of the three HTTP date forms; false for anything else (a recipient then ignores the field).</summary>
    public static bool TryParse(string? text, out DateTimeOffset time)
    {
        time = default;
        if (string.IsNullOrWhiteSpace(text))
            return false;
        string trimmed = text.Trim().Replace("  ", " ", StringComparison.Ordinal);
        if (!DateTime.TryParseExact(trimmed, s_formats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTime parsed))
            return false;
        time = new DateTimeOffset(parsed, TimeSpan.Zero);
        return true;
    }

    /// <summary><paramref name="time"/> truncated to the second, the precision of an HTTP date.</summary>
    public static DateTimeOffset TruncateToSeconds(DateTimeOffset time) =>
        new(time.UtcTicks - time.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
}

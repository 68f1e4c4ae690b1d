using System.Globalization;

namespace Uvnet.Http.Server;

/// <summary>
/// The <c>Date</c> header line, rendered at most once per second of the loop's clock and copied as bytes into
/// each response (as Kestrel's DateHeaderValueManager).
/// </summary>
internal sealed class DateHeader
{
    private readonly byte[] _line = [.. "Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n"u8]; // "Date: " + IMF-fixdate + CRLF
    private long _second = -1;

    /// <summary>The second (of loop time) the line last returned by <see cref="Line"/> was formatted for.</summary>
    internal long Second => _second;

    internal ReadOnlySpan<byte> Line(Loop loop)
    {
        Refresh(loop);
        return _line;
    }

    /// <summary>
    /// Brings the line up to the loop's second; returns that second, which names the line's text (it is formatted once
    /// per second, and the loop's clock never goes back).
    /// </summary>
    internal long Refresh(Loop loop)
    {
        long second = loop.Now / 1000;
        if (second != _second)
        {
            _second = second;
            // Formatted in place, with no string: a server that allocates nothing per request allocates nothing per second either.
            DateTimeOffset.UtcNow.TryFormat(_line.AsSpan(6, 29), out _, "r", CultureInfo.InvariantCulture);
        }
        return second;
    }
}

using System.Text;

namespace Uvnet.Http.Server;

/// <summary>
/// The <c>Date</c> header line, rendered at most once per second of the loop's clock and copied as bytes into
/// each response (as Kestrel's DateHeaderValueManager).
/// </summary>
internal sealed class DateHeader
{
    private readonly byte[] _line = new byte[6 + 29 + 2]; // "Date: " + IMF-fixdate + CRLF
    private long _second = -1;

    internal ReadOnlySpan<byte> Line(Loop loop)
    {
        long second = loop.Now / 1000;
        if (second != _second)
        {
            _second = second;
            string text = $"Date: {DateTimeOffset.UtcNow:r}\r\n";
            Encoding.ASCII.GetBytes(text, _line);
        }
        return _line;
    }
}

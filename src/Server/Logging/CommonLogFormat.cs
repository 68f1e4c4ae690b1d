using System.Globalization;
using System.Net;
using System.Text;

namespace Uvnet.Server.Logging;

/// <summary>
/// The Common Log Format (NCSA, Apache's <c>common</c>): <c>host ident authuser [dd/MMM/yyyy:HH:mm:ss zzzz]
/// "request line" status bytes</c>, e.g. <c>127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326</c>.
/// </summary>
public static class CommonLogFormat
{
    /// <summary>
    /// The log line of <paramref name="entry"/> (without a line break), in the invariant culture. The request
    /// line is escaped as Apache does (<c>\"</c>, <c>\\</c>, <c>\xhh</c> for control and non-ASCII characters),
    /// so a request cannot forge log lines; an IPv4-mapped IPv6 address is written as IPv4.
    /// </summary>
    public static string Format(in AccessLogEntry entry)
    {
        var line = new StringBuilder(128);
        line.Append(Host(entry.RemoteAddress)).Append(" - - [");
        line.Append(entry.Time.ToString("dd/MMM/yyyy:HH:mm:ss ", CultureInfo.InvariantCulture));
        TimeSpan offset = entry.Time.Offset;
        line.Append(offset < TimeSpan.Zero ? '-' : '+')
            .Append(offset.Duration().ToString("hhmm", CultureInfo.InvariantCulture))
            .Append("] \"");
        AppendRequestLine(line, entry.Method, entry.Target, entry.HttpVersion);
        line.Append("\" ").Append(entry.StatusCode.ToString(CultureInfo.InvariantCulture)).Append(' ');
        line.Append(entry.BodyBytes > 0 ? entry.BodyBytes.ToString(CultureInfo.InvariantCulture) : "-");
        return line.ToString();
    }

    /// <summary>The request line (<c>GET /a.gif HTTP/1.0</c>) escaped as in <see cref="Format"/>, for other logs that name a request.</summary>
    public static string RequestLine(string method, string target, string httpVersion) =>
        AppendRequestLine(new StringBuilder(64), method, target, httpVersion).ToString();

    private static StringBuilder AppendRequestLine(StringBuilder line, string method, string target, string httpVersion)
    {
        AppendEscaped(line, method);
        line.Append(' ');
        AppendEscaped(line, target);
        line.Append(" HTTP/");
        AppendEscaped(line, httpVersion);
        return line;
    }

    private static string Host(string? address)
    {
        if (string.IsNullOrEmpty(address))
            return "-";
        if (IPAddress.TryParse(address, out IPAddress? ip) && ip.IsIPv4MappedToIPv6)
            return ip.MapToIPv4().ToString();
        return address;
    }

    private static void AppendEscaped(StringBuilder line, string text)
    {
        foreach (char c in text)
        {
            if (c is '"' or '\\')
                line.Append('\\').Append(c);
            else if (c < 0x20 || c >= 0x7f)
                AppendHexEscape(line, c);
            else
                line.Append(c);
        }
    }

    /// <summary>Appends <paramref name="c"/> as the <c>\xNN</c> escapes of its UTF-8 bytes.</summary>
    internal static void AppendHexEscape(StringBuilder line, char c)
    {
        Span<byte> utf8 = stackalloc byte[4];
        int count = Encoding.UTF8.GetBytes([c], utf8);
        foreach (byte b in utf8[..count])
            line.Append(CultureInfo.InvariantCulture, $"\\x{b:x2}");
    }
}

using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Uvnet.Http.Parsing;

/// <summary>
/// The Host field's grammar, <c>uri-host [ ":" port ]</c> (RFC 9110 §7.2, RFC 3986 §3.2.2): a server answers a
/// value outside it with 400 (RFC 9112 §3.2).
/// </summary>
internal static class HostSyntax
{
    // "[" and the longest IPv6 text (45 characters: eight groups with an embedded IPv4 address) and "]".
    private const int MaxIpLiteral = 47;

    // unreserved (RFC 3986 §2.3) and sub-delims (§2.2).
    private static readonly SearchValues<byte> s_unreservedOrSubDelim =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;="u8);

    /// <summary>Whether <paramref name="value"/> (a Host field value without surrounding whitespace) is <c>uri-host [ ":" port ]</c>.</summary>
    public static bool IsValid(ReadOnlySpan<byte> value) => IsValid(value, out _);

    /// <summary>
    /// Whether the authority of an absolute-form target is <c>uri-host [ ":" port ]</c> with a host: RFC 9110 §4.2.1
    /// makes an http URI with an empty host invalid, and §4.2.4 userinfo an error (the grammar leaves out its "@").
    /// </summary>
    public static bool IsValidAbsoluteAuthority(ReadOnlySpan<byte> authority) => IsValid(authority, out int hostEnd) && hostEnd > 0;

    /// <summary>
    /// Whether a CONNECT target is the authority-form <c>uri-host ":" port</c> (RFC 9112 §3.2.3), with a host and a
    /// port from 1 to 65535: RFC 9110 §9.3.6 has a server reject an empty or invalid port.
    /// </summary>
    public static bool IsValidConnectTarget(ReadOnlySpan<byte> target) =>
        IsValid(target, out int hostEnd) && hostEnd > 0 && hostEnd < target.Length
        && int.TryParse(target[(hostEnd + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port)
        && port is > 0 and <= ushort.MaxValue;

    /// <summary>Whether <paramref name="value"/> is <c>uri-host [ ":" port ]</c>; where its host ends.</summary>
    private static bool IsValid(ReadOnlySpan<byte> value, out int hostEnd)
    {
        if (!value.IsEmpty && value[0] == '[')
        {
            hostEnd = value.IndexOf((byte)']') + 1;
            if (hostEnd == 0 || !IsIpLiteral(value[..hostEnd]))
            {
                return false;
            }
        }
        else
        {
            hostEnd = value.IndexOf((byte)':');
            if (hostEnd < 0)
            {
                hostEnd = value.Length;
            }

            if (!IsRegName(value[..hostEnd]))
            {
                return false;
            }
        }

        // port = *DIGIT (RFC 3986 §3.2.3: it may be empty).
        ReadOnlySpan<byte> rest = value[hostEnd..];
        return rest.IsEmpty || (rest[0] == ':' && !rest[1..].ContainsAnyExceptInRange((byte)'0', (byte)'9'));
    }

    /// <summary>reg-name = *( unreserved / pct-encoded / sub-delims ), which also covers IPv4address.</summary>
    private static bool IsRegName(ReadOnlySpan<byte> name)
    {
        // Every request's Host goes through here: a SearchValues scan, not a per-byte classification call.
        while (true)
        {
            int i = name.IndexOfAnyExcept(s_unreservedOrSubDelim);
            if (i < 0)
            {
                return true;
            }

            if (name[i] != '%' || i + 2 >= name.Length || HttpCharacters.HexValue(name[i + 1]) < 0 || HttpCharacters.HexValue(name[i + 2]) < 0)
            {
                return false;
            }

            name = name[(i + 3)..];
        }
    }

    /// <summary>IP-literal = "[" ( IPv6address / IPvFuture ) "]".</summary>
    private static bool IsIpLiteral(ReadOnlySpan<byte> literal)
    {
        ReadOnlySpan<byte> inside = literal[1..^1];
        if (!inside.IsEmpty && (inside[0] | 0x20) == 'v')
        {
            // IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
            int dot = inside.IndexOf((byte)'.');
            if (dot < 2 || dot == inside.Length - 1)
            {
                return false;
            }

            foreach (byte b in inside[1..dot])
            {
                if (HttpCharacters.HexValue(b) < 0)
                {
                    return false;
                }
            }

            foreach (byte b in inside[(dot + 1)..])
            {
                if (b != ':' && !s_unreservedOrSubDelim.Contains(b))
                {
                    return false;
                }
            }

            return true;
        }

        if (literal.Length > MaxIpLiteral)
        {
            return false;
        }

        Span<char> text = stackalloc char[MaxIpLiteral];
        for (int i = 0; i < inside.Length; i++)
        {
            byte b = inside[i];
            if (b != ':' && b != '.' && HttpCharacters.HexValue(b) < 0)
            {
                return false; // also keeps out a zone identifier, which RFC 9110's uri-host does not allow
            }

            text[i] = (char)b;
        }

        return IPAddress.TryParse(text[..inside.Length], out IPAddress? address) && address.AddressFamily == AddressFamily.InterNetworkV6;
    }
}

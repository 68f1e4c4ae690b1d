using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Numerics;
using System.Text;

namespace Uvnet.Proxy.Listeners;

/// <summary>
/// Reads a PROXY protocol header, version 1 or 2 (HAProxy's proxy-protocol.txt), strictly: anything the text does not
/// allow is malformed, and the connection carrying it is closed rather than served with a guessed client address.
/// </summary>
internal static class ProxyProtocolParser
{
    /// <summary>The longest version 1 line, CRLF included (the text's 107).</summary>
    internal const int MaxV1Length = 107;

    /// <summary>The longest version 2 header, addresses and TLVs included (nginx's NGX_PROXY_PROTOCOL_MAX_HEADER).</summary>
    internal const int MaxV2Length = 4096;

    private const int V2FixedLength = 16;
    private const byte TlvCrc32c = 0x03;

    private static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;

    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <summary>
    /// Reads the header at the start of <paramref name="data"/>: its length once it is all there (and <paramref name="header"/>),
    /// 0 while more is needed (<paramref name="needed"/>: the bytes to hold at most until it is known), -1 when it is malformed.
    /// </summary>
    internal static int TryParse(ReadOnlySpan<byte> data, out ProxyProtocolHeader? header, out int needed)
    {
        header = null;
        needed = 0;
        if (data.IsEmpty)
            return 0;
        if (data[0] == V2Signature[0])
            return TryParseV2(data, out header, out needed);
        if (!V1Prefix.StartsWith(data[..Math.Min(data.Length, V1Prefix.Length)]))
            return -1; // neither version's start: a client talking directly, or a balancer not configured to send it
        return TryParseV1(data, out header, out needed);
    }

    private static int TryParseV1(ReadOnlySpan<byte> data, out ProxyProtocolHeader? header, out int needed)
    {
        header = null;
        needed = MaxV1Length;
        ReadOnlySpan<byte> window = data[..Math.Min(data.Length, MaxV1Length)];
        int lf = window.IndexOf((byte)'\n');
        if (lf < 0)
            return data.Length >= MaxV1Length ? -1 : 0;
        if (lf == 0 || window[lf - 1] != '\r')
            return -1;
        ReadOnlySpan<byte> line = window[V1Prefix.Length..(lf - 1)];
        if (line.StartsWith("UNKNOWN"u8) && (line.Length == 7 || line[7] == ' '))
        {
            header = new ProxyProtocolHeader(1, false, null, null, []); // the rest of the line is ignored, as the text says
            return lf + 1;
        }
        Span<Range> fields = stackalloc Range[6];
        if (Fields(line, (byte)' ', fields) != 5)
            return -1;
        bool v6 = line[fields[0]].SequenceEqual("TCP6"u8);
        if (!v6 && !line[fields[0]].SequenceEqual("TCP4"u8))
            return -1;
        if (!TryAddress(line[fields[1]], v6, out IPAddress? source) || !TryAddress(line[fields[2]], v6, out IPAddress? destination)
            || !TryPort(line[fields[3]], out int sourcePort) || !TryPort(line[fields[4]], out int destinationPort))
            return -1;
        header = new ProxyProtocolHeader(1, false, new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort), []);
        return lf + 1;
    }

    /// <summary>
    /// An address of the family TCP4 or TCP6 names, in its usual text form only: IPAddress alone also takes "127.1",
    /// "0x7f.0.0.1" and octets with leading zeros, which a balancer never writes.
    /// </summary>
    private static bool TryAddress(ReadOnlySpan<byte> text, bool v6, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (v6)
        {
            return text.Length is > 0 and <= 45 && !text.ContainsAnyExcept("0123456789abcdefABCDEF:."u8)
                && IPAddress.TryParse(Encoding.ASCII.GetString(text), out address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        }
        Span<Range> octets = stackalloc Range[5];
        if (Fields(text, (byte)'.', octets) != 4)
            return false;
        Span<byte> bytes = stackalloc byte[4];
        for (int i = 0; i < 4; i++)
        {
            if (!TryDecimal(text[octets[i]], 3, out int octet) || octet > 255)
                return false;
            bytes[i] = (byte)octet;
        }
        address = new IPAddress(bytes);
        return true;
    }

    /// <summary>Splits <paramref name="text"/> at each <paramref name="separator"/>: the number of fields, or one more than <paramref name="fields"/> holds when there are more.</summary>
    private static int Fields(ReadOnlySpan<byte> text, byte separator, Span<Range> fields)
    {
        int count = 0;
        foreach (Range field in text.Split(separator))
        {
            if (count == fields.Length)
                return count + 1;
            fields[count++] = field;
        }
        return count;
    }

    /// <summary>A port in decimal, 0 to 65535, without leading zeros (the text's form).</summary>
    private static bool TryPort(ReadOnlySpan<byte> text, out int port) => TryDecimal(text, 5, out port) && port <= 65535;

    /// <summary>A decimal number of at most <paramref name="digits"/> digits, without leading zeros.</summary>
    private static bool TryDecimal(ReadOnlySpan<byte> text, int digits, out int value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > digits || (text[0] == '0' && text.Length > 1) || text.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
            return false;
        foreach (byte b in text)
            value = value * 10 + (b - '0');
        return true;
    }

    private static int TryParseV2(ReadOnlySpan<byte> data, out ProxyProtocolHeader? header, out int needed)
    {
        header = null;
        needed = V2FixedLength;
        if (!V2Signature.StartsWith(data[..Math.Min(data.Length, V2Signature.Length)]))
            return -1;
        if (data.Length < V2FixedLength)
            return 0;
        byte versionCommand = data[12];
        if (versionCommand >> 4 != 2 || (versionCommand & 0xF) > 1)
            return -1; // version 2 only; commands LOCAL (0) and PROXY (1) only
        int length = V2FixedLength + BinaryPrimitives.ReadUInt16BigEndian(data[14..]);
        if (length > MaxV2Length)
            return -1;
        needed = length;
        if (data.Length < length)
            return 0;
        ReadOnlySpan<byte> whole = data[..length];
        if ((versionCommand & 0xF) == 0)
        {
            // LOCAL: the balancer's own connection; its address block, whatever its family, is skipped unread.
            header = new ProxyProtocolHeader(2, true, null, null, []);
            return length;
        }
        int addresses = data[13] switch
        {
            0x00 => 0, // AF_UNSPEC: no addresses; the connection's own are used
            0x11 => 12, // TCP over IPv4: two addresses of 4 bytes, two ports
            0x21 => 36, // TCP over IPv6
            0x31 => 216, // a Unix stream socket: two paths, which say nothing of a client's address
            _ => -1, // datagrams, or a family or transport the text does not define
        };
        if (addresses < 0 || length - V2FixedLength < addresses)
            return -1;
        IPEndPoint? source = null, destination = null;
        if (data[13] is 0x11 or 0x21)
        {
            int size = data[13] == 0x11 ? 4 : 16;
            ReadOnlySpan<byte> block = whole[V2FixedLength..];
            source = new IPEndPoint(new IPAddress(block[..size]), BinaryPrimitives.ReadUInt16BigEndian(block[(2 * size)..]));
            destination = new IPEndPoint(new IPAddress(block[size..(2 * size)]), BinaryPrimitives.ReadUInt16BigEndian(block[(2 * size + 2)..]));
        }
        List<ProxyProtocolTlv>? tlvs = null;
        for (int at = V2FixedLength + addresses; at < length;)
        {
            if (length - at < 3)
                return -1;
            int tlvLength = BinaryPrimitives.ReadUInt16BigEndian(whole[(at + 1)..]);
            if (length - at - 3 < tlvLength)
                return -1; // a TLV running past the header's end
            byte type = whole[at];
            if (type == TlvCrc32c && (tlvLength != 4 || !Crc32cMatches(whole, at + 3)))
                return -1;
            (tlvs ??= []).Add(new ProxyProtocolTlv(type, whole.Slice(at + 3, tlvLength).ToArray()));
            at += 3 + tlvLength;
        }
        header = new ProxyProtocolHeader(2, false, source, destination, tlvs is null ? [] : tlvs);
        return length;
    }

    /// <summary>Whether the CRC32c TLV (its value at <paramref name="at"/>) is the checksum of the whole header with that value as zeros.</summary>
    private static bool Crc32cMatches(ReadOnlySpan<byte> header, int at)
    {
        uint crc = uint.MaxValue;
        for (int i = 0; i < header.Length; i++)
            crc = BitOperations.Crc32C(crc, i >= at && i < at + 4 ? (byte)0 : header[i]);
        return ~crc == BinaryPrimitives.ReadUInt32BigEndian(header[at..]);
    }
}

namespace Uvnet.Http.Http2;

/// <summary>
/// Encodes response header blocks (RFC 7541) with the static table only: a field the static table holds whole is
/// one index, a known name is indexed and its value a literal, anything else a literal name and value; no field is
/// added to the dynamic table, so the peer's SETTINGS_HEADER_TABLE_SIZE never needs an update from this side.
/// Strings are Huffman-coded when that is shorter. Allocates nothing.
/// </summary>
/// <remarks>Names must already be lowercase and valid (RFC 9113 §8.2): the caller validates fields before encoding.</remarks>
internal static class HpackEncoder
{
    /// <summary>
    /// Encodes <c>:status</c>: one octet for the seven codes of the static table, else the indexed name and a
    /// three-digit literal.
    /// </summary>
    /// <returns>Whether <paramref name="destination"/> was large enough (at most 4 octets are needed).</returns>
    public static bool TryEncodeStatus(int status, Span<byte> destination, out int written)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(status, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(status, 999);
        Span<byte> digits = [(byte)('0' + (status / 100)), (byte)('0' + (status / 10 % 10)), (byte)('0' + (status % 10))];
        return TryEncodeField(":status"u8, digits, neverIndex: false, destination, out written);
    }

    /// <summary>
    /// Encodes one field. A field the static table holds whole is an indexed field; otherwise a literal without
    /// indexing (or never indexed, when <paramref name="neverIndex"/>: for secrets such as cookies and authorization,
    /// RFC 7541 §7.1.3), with the name indexed when the static table knows it.
    /// </summary>
    /// <returns>Whether <paramref name="destination"/> was large enough; nothing meaningful is written when not.</returns>
    public static bool TryEncodeField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool neverIndex, Span<byte> destination, out int written)
    {
        written = 0;
        int index = HpackStaticTable.Find(name, value, out bool valueMatches);
        if (valueMatches && !neverIndex)
        {
            if (destination.Length < HpackInteger.GetEncodedLength(index, 7))
            {
                return false;
            }

            written = HpackInteger.Encode(index, 7, 0x80, destination);
            return true;
        }

        // 0000xxxx without indexing, 0001xxxx never indexed; a zero index means a literal name follows.
        byte pattern = neverIndex ? (byte)0x10 : (byte)0x00;
        if (destination.Length < HpackInteger.GetEncodedLength(index, 4))
        {
            return false;
        }

        int pos = HpackInteger.Encode(index, 4, pattern, destination);
        if ((index == 0 && !TryEncodeString(name, destination[pos..], ref pos)) || !TryEncodeString(value, destination[pos..], ref pos))
        {
            return false;
        }

        written = pos;
        return true;
    }

    /// <summary>Encodes a dynamic table size update (RFC 7541 §6.3).</summary>
    public static bool TryEncodeTableSizeUpdate(int size, Span<byte> destination, out int written)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        written = 0;
        if (destination.Length < HpackInteger.GetEncodedLength(size, 5))
        {
            return false;
        }

        written = HpackInteger.Encode(size, 5, 0x20, destination);
        return true;
    }

    /// <summary>Encodes a string literal (RFC 7541 §5.2), Huffman-coded when that is shorter, and adds its length to <paramref name="pos"/>.</summary>
    public static bool TryEncodeString(ReadOnlySpan<byte> value, Span<byte> destination, ref int pos)
    {
        int huffmanLength = HpackHuffman.GetEncodedLength(value);
        bool huffman = huffmanLength < value.Length;
        int length = huffman ? huffmanLength : value.Length;
        int prefix = HpackInteger.GetEncodedLength(length, 7);
        if (destination.Length < prefix + length)
        {
            return false;
        }

        HpackInteger.Encode(length, 7, huffman ? (byte)0x80 : (byte)0x00, destination);
        if (huffman)
        {
            HpackHuffman.Encode(value, destination[prefix..]);
        }
        else
        {
            value.CopyTo(destination[prefix..]);
        }

        pos += prefix + length;
        return true;
    }
}

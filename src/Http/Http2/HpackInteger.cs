namespace Uvnet.Http.Http2;

/// <summary>The prefixed integers of RFC 7541 §5.1.</summary>
internal static class HpackInteger
{
    /// <summary>The most octets a 31-bit value takes after the prefix: ceil(31 / 7).</summary>
    private const int MaxContinuationOctets = 5;

    /// <summary>
    /// Reads an integer whose first octet is <paramref name="source"/>[<paramref name="position"/>], with an
    /// N-bit prefix, and moves <paramref name="position"/> past it. Values of 2^31 and above, and encodings
    /// padded with more continuation octets than a 31-bit value needs, are <see cref="HpackError.IntegerOverflow"/>:
    /// no size or index in HTTP/2 comes near, and the bound stops a peer from making the decoder spin.
    /// </summary>
    public static HpackError TryDecode(ReadOnlySpan<byte> source, ref int position, int prefixBits, out int value)
    {
        int max = (1 << prefixBits) - 1;
        int pos = position;
        value = 0;
        if (pos >= source.Length)
        {
            return HpackError.Truncated;
        }

        int result = source[pos++] & max;
        if (result < max)
        {
            position = pos;
            value = result;
            return HpackError.None;
        }

        long total = result;
        for (int octets = 0; ; octets++)
        {
            if (octets == MaxContinuationOctets)
            {
                return HpackError.IntegerOverflow;
            }

            if (pos >= source.Length)
            {
                return HpackError.Truncated;
            }

            byte b = source[pos++];
            total += (long)(b & 0x7F) << (7 * octets);
            if (total > int.MaxValue)
            {
                return HpackError.IntegerOverflow;
            }

            if ((b & 0x80) == 0)
            {
                break;
            }
        }

        position = pos;
        value = (int)total;
        return HpackError.None;
    }

    /// <summary>The octets <see cref="Encode"/> writes for <paramref name="value"/> with an N-bit prefix.</summary>
    public static int GetEncodedLength(int value, int prefixBits)
    {
        int max = (1 << prefixBits) - 1;
        if (value < max)
        {
            return 1;
        }

        int length = 2;
        for (value -= max; value >= 0x80; value >>= 7)
        {
            length++;
        }

        return length;
    }

    /// <summary>
    /// Writes a non-negative <paramref name="value"/> with an N-bit prefix; the bits of <paramref name="firstOctetFlags"/>
    /// above the prefix go in the first octet (the representation's pattern).
    /// </summary>
    /// <returns>The octets written (<see cref="GetEncodedLength"/>).</returns>
    public static int Encode(int value, int prefixBits, byte firstOctetFlags, Span<byte> destination)
    {
        int max = (1 << prefixBits) - 1;
        if (value < max)
        {
            destination[0] = (byte)(firstOctetFlags | value);
            return 1;
        }

        destination[0] = (byte)(firstOctetFlags | max);
        int written = 1;
        for (value -= max; value >= 0x80; value >>= 7)
        {
            destination[written++] = (byte)(0x80 | (value & 0x7F));
        }

        destination[written++] = (byte)value;
        return written;
    }
}

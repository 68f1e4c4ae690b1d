using System.Runtime.CompilerServices;

namespace Uvnet.Http.Http2;

/// <summary>
/// The Huffman code of RFC 7541 Appendix B: encoding, and a table-driven decoder that reads four bits at a time
/// through a state machine built once from the code (nghttp2's approach).
/// </summary>
/// <remarks>
/// The code is canonical: each symbol's code follows from the code lengths alone (symbols ordered by length, then
/// value), so only the lengths are written out here and the codes are computed; the tests check the result against
/// RFC 7541's examples.
/// </remarks>
internal static class HpackHuffman
{
    /// <summary>The EOS symbol, which never appears in a valid string (RFC 7541 §5.2).</summary>
    private const int Eos = 256;

    // Decoder table entry layout: the next state in the low 8 bits, the emitted symbol in the next 8, then flags.
    private const uint EmitFlag = 1u << 16;
    private const uint FailFlag = 1u << 17;
    private const uint AcceptFlag = 1u << 18;

    /// <summary>Code length in bits of each symbol 0..256 (RFC 7541 Appendix B, column "len").</summary>
    private static ReadOnlySpan<byte> CodeLengths =>
    [
        13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
        6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
        13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
        15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
        20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
        22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
        26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
        20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
        30,
    ];

    /// <summary>The code of each symbol, right-aligned in <see cref="CodeLengths"/> bits.</summary>
    private static readonly uint[] s_codes = BuildCodes();

    /// <summary>
    /// The decoder: for each of the 256 inner nodes of the code tree and each 4-bit nibble, the node reached, the
    /// symbol completed on the way (codes are at least 5 bits long, so at most one per nibble), whether EOS was
    /// met, and whether the node reached may end a string (it lies on the all-ones path, at most 7 bits deep).
    /// </summary>
    private static readonly uint[] s_decodeTable = BuildDecodeTable();

    /// <summary>The length in octets of <paramref name="value"/> once encoded (the last one padded).</summary>
    public static int GetEncodedLength(ReadOnlySpan<byte> value)
    {
        long bits = 0;
        ReadOnlySpan<byte> lengths = CodeLengths;
        foreach (byte b in value)
        {
            bits += lengths[b];
        }

        return (int)((bits + 7) >> 3);
    }

    /// <summary>
    /// Encodes <paramref name="value"/> into <paramref name="destination"/>, which must hold
    /// <see cref="GetEncodedLength"/> octets; the last octet is padded with the most significant bits of EOS (ones).
    /// </summary>
    /// <returns>The octets written.</returns>
    public static int Encode(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        ReadOnlySpan<byte> lengths = CodeLengths;
        ulong accumulator = 0;
        int pending = 0;
        int written = 0;
        foreach (byte b in value)
        {
            accumulator = (accumulator << lengths[b]) | s_codes[b];
            pending += lengths[b];
            while (pending >= 8)
            {
                pending -= 8;
                destination[written++] = (byte)(accumulator >> pending);
            }
        }

        if (pending > 0)
        {
            destination[written++] = (byte)((accumulator << (8 - pending)) | (0xFFu >> pending));
        }

        return written;
    }

    /// <summary>
    /// Decodes the Huffman string <paramref name="source"/> into <paramref name="destination"/>.
    /// </summary>
    /// <param name="source">The encoded octets.</param>
    /// <param name="destination">Where the decoded octets go; decoding more than it holds is <see cref="HpackError.FieldTooLarge"/>.</param>
    /// <param name="written">The octets decoded.</param>
    /// <returns><see cref="HpackError.None"/>, or why the string is refused.</returns>
    public static HpackError Decode(ReadOnlySpan<byte> source, Span<byte> destination, out int written)
    {
        uint[] table = s_decodeTable;
        uint state = 0;
        uint entry = AcceptFlag;
        int count = 0;
        foreach (byte b in source)
        {
            entry = table[(int)((state << 4) | (uint)(b >> 4))];
            if (!Step(entry, destination, ref count, out HpackError error))
            {
                written = count;
                return error;
            }

            entry = table[(int)(((entry & 0xFF) << 4) | (uint)(b & 0xF))];
            if (!Step(entry, destination, ref count, out error))
            {
                written = count;
                return error;
            }

            state = entry & 0xFF;
        }

        written = count;
        return (entry & AcceptFlag) != 0 ? HpackError.None : HpackError.HuffmanPadding;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Step(uint entry, Span<byte> destination, ref int count, out HpackError error)
    {
        if ((entry & (FailFlag | EmitFlag)) == 0)
        {
            error = HpackError.None;
            return true;
        }

        if ((entry & FailFlag) != 0)
        {
            error = HpackError.HuffmanEos;
            return false;
        }

        if ((uint)count >= (uint)destination.Length)
        {
            error = HpackError.FieldTooLarge;
            return false;
        }

        destination[count++] = (byte)(entry >> 8);
        error = HpackError.None;
        return true;
    }

    private static uint[] BuildCodes()
    {
        ReadOnlySpan<byte> lengths = CodeLengths;
        var order = new int[Eos + 1];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        // Canonical order: by code length, then by symbol (Array.Sort is not stable, so the symbol is in the key).
        byte[] keyLengths = lengths.ToArray();
        Array.Sort(order, (a, b) => keyLengths[a] != keyLengths[b] ? keyLengths[a].CompareTo(keyLengths[b]) : a.CompareTo(b));
        var codes = new uint[Eos + 1];
        uint code = 0;
        for (int i = 0; i < order.Length; i++)
        {
            if (i > 0)
            {
                code = (code + 1) << (lengths[order[i]] - lengths[order[i - 1]]);
            }

            codes[order[i]] = code;
        }

        return codes;
    }

    private static uint[] BuildDecodeTable()
    {
        ReadOnlySpan<byte> lengths = CodeLengths;

        // The code tree: inner nodes numbered from 0 (the root) in creation order; a child below 0 is a leaf holding
        // symbol ~child.
        var children = new int[256, 2];
        var depth = new int[256];
        var allOnes = new bool[256];
        allOnes[0] = true;
        int nodes = 1;
        for (int symbol = 0; symbol <= Eos; symbol++)
        {
            int node = 0;
            for (int bit = lengths[symbol] - 1; bit >= 0; bit--)
            {
                int direction = (int)((s_codes[symbol] >> bit) & 1);
                if (bit == 0)
                {
                    children[node, direction] = ~symbol;
                    break;
                }

                if (children[node, direction] == 0)
                {
                    depth[nodes] = depth[node] + 1;
                    allOnes[nodes] = allOnes[node] && direction == 1;
                    children[node, direction] = nodes++;
                }

                node = children[node, direction];
            }
        }

        var table = new uint[256 * 16];
        for (int state = 0; state < nodes; state++)
        {
            for (int nibble = 0; nibble < 16; nibble++)
            {
                int node = state;
                uint flags = 0;
                uint symbol = 0;
                for (int bit = 3; bit >= 0; bit--)
                {
                    int child = children[node, (nibble >> bit) & 1];
                    if (child >= 0)
                    {
                        node = child;
                        continue;
                    }

                    if (~child == Eos)
                    {
                        flags |= FailFlag;
                        break;
                    }

                    flags |= EmitFlag;
                    symbol = (uint)~child;
                    node = 0;
                }

                if ((flags & FailFlag) == 0 && allOnes[node] && depth[node] <= 7)
                {
                    flags |= AcceptFlag;
                }

                table[(state << 4) | nibble] = (uint)node | (symbol << 8) | flags;
            }
        }

        return table;
    }
}

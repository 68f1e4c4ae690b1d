namespace Uvnet.Http.Http2;

/// <summary>
/// Decodes whole header blocks (RFC 7541) for one connection, handing each field to an
/// <see cref="IHpackHeaderHandler"/> as spans; allocates nothing once created.
/// </summary>
/// <remarks>
/// <para>A block is decoded whole: the connection gathers a HEADERS frame and its CONTINUATION frames first (their
/// total is bounded by <see cref="Http2FrameSequence"/>), so no state spans calls but the dynamic table.</para>
/// <para>Limits against decompression bombs: a name or value may decode to at most <see cref="MaxFieldSize"/>
/// octets (the scratch that holds Huffman output is sized by it), the fields of a block may add up to
/// <see cref="MaxHeaderListSize"/> counted as RFC 9113 §6.5.2 counts them, and the dynamic table is never larger
/// than the SETTINGS_HEADER_TABLE_SIZE given to <see cref="SetHeaderTableSize"/>.</para>
/// </remarks>
internal sealed class HpackDecoder
{
    /// <summary>SETTINGS_HEADER_TABLE_SIZE's initial value (RFC 9113 §6.5.2).</summary>
    public const int DefaultHeaderTableSize = 4096;

    /// <summary>
    /// The default <see cref="MaxHeaderListSize"/>: 16 KiB, the HTTP/1.1 parser's default header budget (Node's
    /// <c>--max-http-header-size</c>), here with RFC 9113's 32 octets per field on top of names and values.
    /// </summary>
    public const int DefaultMaxHeaderListSize = 16 * 1024;

    /// <summary>The default <see cref="MaxFieldSize"/>: a single name or value may take the whole header list budget.</summary>
    public const int DefaultMaxFieldSize = DefaultMaxHeaderListSize;

    private readonly byte[] _scratch;
    private readonly int _nameScratchLength;

    // The memos of the static table's fields (see IHpackHeaderHandler.OnHeader), by index; the handler's, so the
    // decoder's own rather than shared.
    private readonly byte[] _staticMemos = new byte[HpackStaticTable.Count + 1];

    private readonly HpackRepeatedLiteral _repeated = new();

    // Our SETTINGS_HEADER_TABLE_SIZE was lowered below the table's maximum size: the next block must begin with an
    // update (RFC 7541 §4.2).
    private bool _updateRequired;

    /// <summary>Creates a decoder with an empty dynamic table.</summary>
    /// <param name="headerTableSize">The SETTINGS_HEADER_TABLE_SIZE this endpoint advertises.</param>
    /// <param name="maxFieldSize">The longest name or value accepted, decoded.</param>
    /// <param name="maxHeaderListSize">The SETTINGS_MAX_HEADER_LIST_SIZE this endpoint enforces.</param>
    public HpackDecoder(
        int headerTableSize = DefaultHeaderTableSize,
        int maxFieldSize = DefaultMaxFieldSize,
        int maxHeaderListSize = DefaultMaxHeaderListSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(headerTableSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(headerTableSize, HpackDynamicTable.MaxCapacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxFieldSize);

        // The scratch holds a name and a value.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxFieldSize, Array.MaxLength / 2);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxHeaderListSize);
        Table = new HpackDynamicTable(headerTableSize);
        MaxFieldSize = maxFieldSize;
        MaxHeaderListSize = maxHeaderListSize;
        // The name scratch also receives names taken from the dynamic table (see Decode), and such a name may have
        // come from the static table, longer than MaxFieldSize when that is small.
        _nameScratchLength = Math.Max(maxFieldSize, HpackStaticTable.LongestNameLength);
        _scratch = new byte[_nameScratchLength + maxFieldSize];
    }

    /// <summary>The dynamic table, for inspection.</summary>
    public HpackDynamicTable Table { get; }

    /// <summary>The longest name or value accepted, decoded; longer is <see cref="HpackError.FieldTooLarge"/>.</summary>
    public int MaxFieldSize { get; }

    /// <summary>The most a block's fields may add up to (name + value + 32 each).</summary>
    public int MaxHeaderListSize { get; }

    /// <summary>
    /// A new SETTINGS_HEADER_TABLE_SIZE took effect (the peer acknowledged it). When it is below the table's current
    /// maximum size, the next block must begin with a size update no larger (RFC 7541 §4.2).
    /// </summary>
    public void SetHeaderTableSize(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, HpackDynamicTable.MaxCapacity);
        if (size < Table.MaxSize)
        {
            _updateRequired = true;
        }

        Table.SetCapacity(size);
    }

    /// <summary>
    /// Decodes a whole header block, handing each field to <paramref name="handler"/> in order.
    /// </summary>
    /// <returns>
    /// <see cref="HpackError.None"/>; <see cref="HpackError.HeaderListTooLarge"/> (the block was decoded, later
    /// fields not handed over); or an error that must end the connection with COMPRESSION_ERROR.
    /// </returns>
    public HpackError Decode<THandler>(ReadOnlySpan<byte> block, ref THandler handler)
        where THandler : IHpackHeaderHandler, allows ref struct
    {
        Span<byte> nameScratch = _scratch.AsSpan(0, _nameScratchLength);
        Span<byte> valueScratch = _scratch.AsSpan(_nameScratchLength, MaxFieldSize);
        int pos = 0;
        bool fieldSeen = false;
        long listSize = 0;
        HpackError error;
        while (pos < block.Length)
        {
            byte first = block[pos];
            if ((first & 0xE0) == 0x20)
            {
                // 001xxxxx: dynamic table size update (§6.3), only before the first field (§4.2).
                if (fieldSeen)
                {
                    return HpackError.TableSizeUpdateNotFirst;
                }

                if ((error = HpackInteger.TryDecode(block, ref pos, 5, out int size)) != HpackError.None)
                {
                    return error;
                }

                if (size > Table.Capacity)
                {
                    return HpackError.TableSizeUpdateTooLarge;
                }

                Table.SetMaxSize(size);
                _updateRequired = false;
                continue;
            }

            if (_updateRequired)
            {
                return HpackError.TableSizeUpdateMissing;
            }

            fieldSeen = true;
            ReadOnlySpan<byte> name;
            ReadOnlySpan<byte> value;
            bool neverIndexed = false;
            byte literalMemo = 0; // a literal not indexed: nothing to remember it by
            ref byte memo = ref literalMemo;
            if ((first & 0x80) != 0)
            {
                // 1xxxxxxx: indexed field (§6.1).
                if ((error = ReadIndex(block, ref pos, 7, out int index)) != HpackError.None)
                {
                    return error;
                }

                memo = ref Lookup(index, out name, out value, out error);
                if (error != HpackError.None)
                {
                    return error;
                }
            }
            else
            {
                // 01xxxxxx: literal with incremental indexing (§6.2.1); 0000xxxx without indexing (§6.2.2);
                // 0001xxxx never indexed (§6.2.3).
                bool indexing = (first & 0x40) != 0;
                neverIndexed = !indexing && (first & 0x10) != 0;
                if ((error = ReadIndex(block, ref pos, indexing ? 6 : 4, out int index, allowZero: true)) != HpackError.None)
                {
                    return error;
                }

                if (index == 0)
                {
                    error = ReadString(block, ref pos, nameScratch[..MaxFieldSize], out name);
                }
                else
                {
                    Lookup(index, out name, out _, out error);
                    if (error == HpackError.None && indexing && index > HpackStaticTable.Count)
                    {
                        // Inserting may evict or move the entry the name comes from (§4.4): copy it first.
                        name.CopyTo(nameScratch);
                        name = nameScratch[..name.Length];
                    }
                }

                if (error != HpackError.None)
                {
                    return error;
                }

                if (!indexing && !neverIndexed && index is > 0 and <= HpackStaticTable.Count)
                {
                    if ((error = ReadRepeatable(block, ref pos, index, valueScratch, out value, out bool kept)) != HpackError.None)
                    {
                        return error;
                    }

                    if (kept)
                    {
                        memo = ref _repeated.Memo;
                    }
                }
                else if ((error = ReadString(block, ref pos, valueScratch, out value)) != HpackError.None)
                {
                    return error;
                }

                if (indexing && Table.Insert(name, value))
                {
                    memo = ref Table.Field(1, out _, out _);
                }
            }

            // Past the limit, keep decoding (the table must follow the encoder) but hand nothing more over.
            listSize += name.Length + value.Length + HpackDynamicTable.EntryOverhead;
            if (listSize <= MaxHeaderListSize)
            {
                handler.OnHeader(name, value, neverIndexed, ref memo);
            }
        }

        return listSize > MaxHeaderListSize ? HpackError.HeaderListTooLarge : HpackError.None;
    }

    private static HpackError ReadIndex(ReadOnlySpan<byte> block, ref int pos, int prefixBits, out int index, bool allowZero = false)
    {
        HpackError error = HpackInteger.TryDecode(block, ref pos, prefixBits, out index);
        return error == HpackError.None && index == 0 && !allowZero ? HpackError.IndexZero : error;
    }

    /// <summary>Field <paramref name="index"/> of the static or dynamic table, and its memo.</summary>
    private ref byte Lookup(int index, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value, out HpackError error)
    {
        error = HpackError.None;
        if (index <= HpackStaticTable.Count)
        {
            name = HpackStaticTable.Name(index);
            value = HpackStaticTable.Value(index);
            return ref _staticMemos[index];
        }

        int dynamicIndex = index - HpackStaticTable.Count;
        if (dynamicIndex > Table.Count)
        {
            name = value = default;
            error = HpackError.IndexOutOfRange;
            return ref _staticMemos[0]; // no field has index 0: the caller stops at the error
        }

        return ref Table.Field(dynamicIndex, out name, out value);
    }

    /// <summary>
    /// The value of a literal not indexed whose name is static <paramref name="nameIndex"/>: the one kept when it is
    /// the same octets again, else decoded and kept (<paramref name="kept"/>: whether <see cref="_repeated"/> holds it
    /// now, with its memo).
    /// </summary>
    private HpackError ReadRepeatable(ReadOnlySpan<byte> block, scoped ref int pos, int nameIndex, Span<byte> scratch, out ReadOnlySpan<byte> result, out bool kept)
    {
        kept = false;
        HpackError error = ReadEncoded(block, ref pos, out bool huffman, out ReadOnlySpan<byte> raw);
        if (error != HpackError.None)
        {
            result = default;
            return error;
        }

        if (_repeated.TryGet(nameIndex, huffman, raw, out result))
        {
            kept = true;
            return HpackError.None;
        }

        error = DecodeString(huffman, raw, scratch, out result);
        kept = error == HpackError.None && _repeated.Keep(nameIndex, huffman, raw, result);
        return error;
    }

    private HpackError ReadString(ReadOnlySpan<byte> block, scoped ref int pos, Span<byte> scratch, out ReadOnlySpan<byte> result)
    {
        HpackError error = ReadEncoded(block, ref pos, out bool huffman, out ReadOnlySpan<byte> raw);
        if (error != HpackError.None)
        {
            result = default;
            return error;
        }

        return DecodeString(huffman, raw, scratch, out result);
    }

    /// <summary>A string literal's octets as sent (§5.2), and whether they are Huffman-coded.</summary>
    private static HpackError ReadEncoded(ReadOnlySpan<byte> block, scoped ref int pos, out bool huffman, out ReadOnlySpan<byte> raw)
    {
        raw = default;
        huffman = false;
        if (pos >= block.Length)
        {
            return HpackError.Truncated;
        }

        huffman = (block[pos] & 0x80) != 0;
        HpackError error = HpackInteger.TryDecode(block, ref pos, 7, out int length);
        if (error != HpackError.None)
        {
            return error;
        }

        if (length > block.Length - pos)
        {
            return HpackError.Truncated;
        }

        raw = block.Slice(pos, length);
        pos += length;
        return HpackError.None;
    }

    private HpackError DecodeString(bool huffman, ReadOnlySpan<byte> raw, Span<byte> scratch, out ReadOnlySpan<byte> result)
    {
        if (!huffman)
        {
            result = raw;
            return raw.Length > MaxFieldSize ? HpackError.FieldTooLarge : HpackError.None;
        }

        HpackError error = HpackHuffman.Decode(raw, scratch, out int written);
        result = scratch[..written];
        return error;
    }
}

namespace Uvnet.Http.Http2;

/// <summary>
/// A connection's HPACK encoder with a dynamic table (RFC 7541 §2.3.2): the response fields that repeat (Server,
/// Content-Type, the Date of this second, the handler's own) are sent whole once, as literals with incremental
/// indexing, and then as one index each. Each block costs fewer octets, and the encoder skips the static table search
/// and the Huffman coding for every field it finds indexed. Allocates nothing once created.
/// </summary>
/// <remarks>
/// <para>The table follows the peer's decoder only if every block encoded is sent, in the order encoded: the
/// connection encodes a block only when it writes it at once.</para>
/// <para>Like nghttp2's encoder, fields whose values change from response to response are not indexed (they would
/// only evict the ones that repeat): Content-Length, ETag, Location, Age; nor are the fields sent never indexed,
/// nor a field larger than three quarters of the table.</para>
/// </remarks>
internal sealed class HpackFieldEncoder
{
    /// <summary>The table's largest size: SETTINGS_HEADER_TABLE_SIZE's initial value, so no update is needed until the peer lowers it.</summary>
    public const int MaxTableSize = HpackDecoder.DefaultHeaderTableSize;

    private readonly HpackDynamicTable _table = new(MaxTableSize);

    // A size change not yet signalled (RFC 7541 §4.2): the smallest size reached since the last block, and the last.
    private int _smallestPending = -1;
    private int _pending = -1;

    /// <summary>The table, for inspection.</summary>
    public HpackDynamicTable Table => _table;

    /// <summary>Whether the next block begins with a table size update (<see cref="BeginBlock"/> writes it).</summary>
    public bool UpdatePending => _pending >= 0;

    /// <summary>
    /// The peer's SETTINGS_HEADER_TABLE_SIZE changed: the table uses at most that much (never more than
    /// <see cref="MaxTableSize"/>), evicting now, and the next block begins with the update that says so.
    /// </summary>
    public void SetPeerTableSize(uint size)
    {
        int target = (int)Math.Min(size, MaxTableSize);
        if (target == _table.MaxSize)
            return;
        _table.SetMaxSize(target);
        _smallestPending = _smallestPending < 0 ? target : Math.Min(_smallestPending, target);
        _pending = target;
    }

    /// <summary>Starts a block: writes the size updates owed, if any (at most 6 octets). Returns the octets written.</summary>
    public int BeginBlock(Span<byte> destination)
    {
        if (_pending < 0)
            return 0;
        int written = 0;
        // A size lowered and raised again since the last block: the smallest is signalled first, then the last (§4.2).
        if (_smallestPending < _pending)
        {
            HpackEncoder.TryEncodeTableSizeUpdate(_smallestPending, destination, out written);
        }
        HpackEncoder.TryEncodeTableSizeUpdate(_pending, destination[written..], out int last);
        _smallestPending = _pending = -1;
        return written + last;
    }

    /// <summary>
    /// Encodes one field (a lowercase, validated name): an index when the dynamic or the static table holds it whole,
    /// else a literal, indexed as it goes unless <paramref name="neverIndex"/> or the field is one that does not repeat.
    /// </summary>
    /// <returns>Whether <paramref name="destination"/> was large enough; when not, nothing was written nor indexed.</returns>
    public bool TryEncode(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool neverIndex, Span<byte> destination, out int written)
    {
        written = 0;
        if (neverIndex || !Indexable(name, value))
            return HpackEncoder.TryEncodeField(name, value, neverIndex, destination, out written);
        for (int i = 1; i <= _table.Count; i++)
        {
            if (_table.Value(i).SequenceEqual(value) && _table.Name(i).SequenceEqual(name))
            {
                int index = HpackStaticTable.Count + i;
                if (destination.Length < HpackInteger.GetEncodedLength(index, 7))
                    return false;
                written = HpackInteger.Encode(index, 7, 0x80, destination);
                return true;
            }
        }
        int staticIndex = HpackStaticTable.Find(name, value, out bool valueMatches);
        if (valueMatches)
            return HpackEncoder.TryEncodeField(name, value, neverIndex: false, destination, out written);

        // 01xxxxxx: literal with incremental indexing (§6.2.1), the name indexed when the static table knows it.
        if (destination.Length < HpackInteger.GetEncodedLength(staticIndex, 6))
            return false;
        int pos = HpackInteger.Encode(staticIndex, 6, 0x40, destination);
        if ((staticIndex == 0 && !HpackEncoder.TryEncodeString(name, destination[pos..], ref pos))
            || !HpackEncoder.TryEncodeString(value, destination[pos..], ref pos))
        {
            return false;
        }
        _table.Insert(name, value);
        written = pos;
        return true;
    }

    private bool Indexable(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) =>
        (name.Length + value.Length + HpackDynamicTable.EntryOverhead) * 4 <= _table.MaxSize * 3
        && !name.SequenceEqual("content-length"u8) && !name.SequenceEqual("etag"u8)
        && !name.SequenceEqual("location"u8) && !name.SequenceEqual("age"u8);
}

namespace Uvnet.Http.Http2;

/// <summary>
/// The dynamic table of RFC 7541 §2.3.2 and §4: a FIFO of fields, newest at index 1, whose size (name + value + 32
/// per entry) never exceeds its maximum. Entries are stored back to back in one byte array, so each is one
/// contiguous name and one contiguous value that a handler receives as spans, and inserting allocates nothing.
/// </summary>
/// <remarks>
/// The byte store holds twice the capacity: new entries are appended, evicted ones are left behind, and when the
/// end is reached the live entries (at most the capacity) are moved to the front; each byte moves at most once per
/// capacity appended, so inserting is amortised O(length).
/// </remarks>
internal sealed class HpackDynamicTable
{
    /// <summary>The overhead RFC 7541 §4.1 counts for each entry, over its name and value octets.</summary>
    public const int EntryOverhead = 32;

    /// <summary>The largest capacity whose byte store (twice the capacity) an array can hold.</summary>
    public static int MaxCapacity => Array.MaxLength / 2;

    private byte[] _bytes;
    private Entry[] _entries;

    // Logical offset (since the table was created) of _bytes[0], and of the end of the newest entry.
    private long _base;
    private long _end;

    // _entries is a ring: _newest is the slot of index 1, older entries at decreasing slots.
    private int _newest = -1;

    /// <summary>Creates an empty table whose maximum size starts at, and may never exceed, <paramref name="capacity"/>.</summary>
    public HpackDynamicTable(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, MaxCapacity);
        Capacity = capacity;
        MaxSize = capacity;
        _bytes = new byte[2 * capacity];
        _entries = new Entry[Math.Max(1, capacity / EntryOverhead)];
    }

    /// <summary>The largest <see cref="MaxSize"/> allowed: SETTINGS_HEADER_TABLE_SIZE.</summary>
    public int Capacity { get; private set; }

    /// <summary>The current maximum size, set by dynamic table size updates (at most <see cref="Capacity"/>).</summary>
    public int MaxSize { get; private set; }

    /// <summary>The size of the entries: the sum of name + value + 32 over them.</summary>
    public int Size { get; private set; }

    /// <summary>The number of entries.</summary>
    public int Count { get; private set; }

    /// <summary>
    /// Counts the changes that can move or drop entries (an insert, a new size or capacity): two equal versions mean
    /// every index names the same field, so what was encoded against the table encodes to the same octets again.
    /// </summary>
    public long Version { get; private set; }

    /// <summary>The name of entry <paramref name="index"/>, 1 (newest) to <see cref="Count"/>.</summary>
    public ReadOnlySpan<byte> Name(int index)
    {
        ref Entry entry = ref At(index);
        return _bytes.AsSpan((int)(entry.Offset - _base), entry.NameLength);
    }

    /// <summary>The value of entry <paramref name="index"/>, 1 (newest) to <see cref="Count"/>.</summary>
    public ReadOnlySpan<byte> Value(int index)
    {
        ref Entry entry = ref At(index);
        return _bytes.AsSpan((int)(entry.Offset - _base) + entry.NameLength, entry.ValueLength);
    }

    /// <summary>
    /// Entry <paramref name="index"/> (1, newest, to <see cref="Count"/>) whole: its name, its value, and its memo,
    /// a byte the decoder's handler keeps about this field (see <see cref="IHpackHeaderHandler.OnHeader"/>). The
    /// memo is 0 when the entry is inserted and goes with it: an entry evicted takes its memo along, so one inserted
    /// later, even in the same slot, starts at 0.
    /// </summary>
    public ref byte Field(int index, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        ref Entry entry = ref At(index);
        int start = (int)(entry.Offset - _base);
        name = _bytes.AsSpan(start, entry.NameLength);
        value = _bytes.AsSpan(start + entry.NameLength, entry.ValueLength);
        return ref entry.Memo;
    }

    /// <summary>
    /// Changes the capacity (a new SETTINGS_HEADER_TABLE_SIZE took effect). The maximum size follows it down; it
    /// rises only through an update from the peer's encoder. Allocates when the capacity grows.
    /// </summary>
    public void SetCapacity(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, MaxCapacity);
        if (capacity > Capacity)
        {
            Compact(new byte[2 * capacity]);
            var entries = new Entry[Math.Max(1, capacity / EntryOverhead)];
            for (int i = Count; i >= 1; i--)
            {
                entries[Count - i] = At(i);
            }

            _entries = entries;
            _newest = Count - 1;
        }

        Capacity = capacity;
        Version++;
        if (MaxSize > capacity)
        {
            SetMaxSize(capacity);
        }
    }

    /// <summary>Applies a dynamic table size update (the caller checked it against <see cref="Capacity"/>), evicting as needed.</summary>
    public void SetMaxSize(int maxSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxSize, Capacity);
        MaxSize = maxSize;
        Version++;
        EvictUntilFits(0);
    }

    /// <summary>
    /// Adds a field as the newest entry, evicting the oldest until it fits; a field larger than the maximum size
    /// empties the table and is not added (RFC 7541 §4.4). The spans must not point into this table (the decoder
    /// copies a name it takes from the table first): moving entries could overwrite them. Returns whether it was
    /// added.
    /// </summary>
    public bool Insert(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        int size = name.Length + value.Length + EntryOverhead;
        Version++;
        if (size > MaxSize)
        {
            EvictUntilFits(MaxSize + 1);
            return false;
        }

        EvictUntilFits(size);
        int length = name.Length + value.Length;
        if (_end - _base + length > _bytes.Length)
        {
            Compact(_bytes);
        }

        int at = (int)(_end - _base);
        name.CopyTo(_bytes.AsSpan(at));
        value.CopyTo(_bytes.AsSpan(at + name.Length));
        _newest = (_newest + 1) % _entries.Length;
        _entries[_newest] = new Entry { Offset = _end, NameLength = name.Length, ValueLength = value.Length };
        _end += length;
        Count++;
        Size += size;
        return true;
    }

    private ref Entry At(int index)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(index, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, Count);
        int slot = _newest - (index - 1);
        if (slot < 0)
        {
            slot += _entries.Length;
        }

        return ref _entries[slot];
    }

    private void EvictUntilFits(int incoming)
    {
        while (Count > 0 && Size + incoming > MaxSize)
        {
            ref Entry oldest = ref At(Count);
            Size -= oldest.NameLength + oldest.ValueLength + EntryOverhead;
            Count--;
        }
    }

    /// <summary>Moves the live entries' bytes to the start of <paramref name="destination"/>, keeping logical offsets.</summary>
    private void Compact(byte[] destination)
    {
        long start = Count > 0 ? At(Count).Offset : _end;
        _bytes.AsSpan((int)(start - _base), (int)(_end - start)).CopyTo(destination);
        _bytes = destination;
        _base = start;
    }

    private struct Entry
    {
        public long Offset;
        public int NameLength;
        public int ValueLength;
        public byte Memo;
    }
}

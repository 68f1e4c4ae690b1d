namespace Uvnet.Http.Server;

/// <summary>
/// The start of the field block a connection's last HTTP/2 response head encoded (<c>:status</c>, the handler's
/// fields, Date and Server), kept to be copied into the next head that would encode to the same octets: as
/// <see cref="FieldLineCache"/> does for HTTP/1.1, a handler sets the same fields from the same strings at every
/// request, and once the connection's HPACK table holds them each is an index that does not change.
/// </summary>
/// <remarks>
/// The same octets need the same input and the same encoder state: the same status, the same field strings (the same
/// objects: strings do not change), the same Date second, the same fields skipped or added, and the HPACK dynamic
/// table as it was (its <see cref="Uvnet.Http.Http2.HpackDynamicTable.Version"/>). Only a start whose encoding left the
/// table unchanged, and began with no table size update, is kept: encoding it again would write the same octets.
/// Content-Length, which changes per response, is encoded after it each time. One per connection, on its loop.
/// </remarks>
internal sealed class Http2HeadCache
{
    private const int MaxFields = 8; // a handler's usual few; a head with more is encoded every time
    private const int MaxLength = 128; // a start longer than this is mostly literals: little to save

    private readonly string[] _names = new string[MaxFields];
    private readonly string[] _values = new string[MaxFields];
    private readonly byte[] _octets = new byte[MaxLength];
    private int _fieldCount = -1; // -1: nothing kept
    private int _status;
    private int _variant;
    private long _dateSecond;
    private long _tableVersion;
    private int _length;

    // The Content-Length field the last head encoded, and for which length (-1: none).
    private readonly byte[] _contentLengthOctets = new byte[MaxContentLengthOctets];
    private long _contentLength = -1;
    private int _contentLengthOctetsLength;

    // A Content-Length field is a literal with the static name index (2 octets) and a value of at most 19 digits
    // (Huffman-coded, shorter still; a length prefix of 1).
    private const int MaxContentLengthOctets = 2 + 1 + 19;

    /// <summary>
    /// Copies the kept start into <paramref name="destination"/> when it is what this head would encode to; returns
    /// the octets copied, or -1.
    /// </summary>
    /// <param name="status">The response's status.</param>
    /// <param name="fields">The handler's fields, in order.</param>
    /// <param name="variant">Which fields are skipped and which automatic ones are added (the response's own bits).</param>
    /// <param name="dateSecond">The second of the Date field added, or 0.</param>
    /// <param name="tableVersion">The encoder's dynamic table version now.</param>
    /// <param name="destination">Where the block starts.</param>
    internal int TryCopy(int status, List<KeyValuePair<string, string>> fields, int variant, long dateSecond, long tableVersion, Span<byte> destination)
    {
        if (_fieldCount != fields.Count || _status != status || _variant != variant || _dateSecond != dateSecond
            || _tableVersion != tableVersion || destination.Length < _length)
        {
            return -1;
        }
        for (int i = 0; i < _fieldCount; i++)
        {
            if (!ReferenceEquals(_names[i], fields[i].Key) || !ReferenceEquals(_values[i], fields[i].Value))
                return -1;
        }
        _octets.AsSpan(0, _length).CopyTo(destination);
        return _length;
    }

    /// <summary>
    /// Copies the Content-Length field the last head encoded when it was for <paramref name="length"/> (handlers that
    /// send the same body send the same length); returns the octets copied, or -1. The field is never indexed (see
    /// <see cref="Uvnet.Http.Http2.HpackFieldEncoder"/>): its octets do not depend on the dynamic table, nor change it.
    /// </summary>
    internal int TryCopyContentLength(long length, Span<byte> destination)
    {
        if (_contentLength != length || destination.Length < _contentLengthOctetsLength)
            return -1;
        _contentLengthOctets.AsSpan(0, _contentLengthOctetsLength).CopyTo(destination);
        return _contentLengthOctetsLength;
    }

    /// <summary>Keeps <paramref name="octets"/>, the Content-Length field encoded for <paramref name="length"/>, for the next head.</summary>
    internal void KeepContentLength(long length, ReadOnlySpan<byte> octets)
    {
        if (octets.Length > MaxContentLengthOctets)
        {
            _contentLength = -1;
            return;
        }
        octets.CopyTo(_contentLengthOctets);
        _contentLengthOctetsLength = octets.Length;
        _contentLength = length;
    }

    /// <summary>Keeps <paramref name="octets"/>, a start encoded from these inputs without changing the table, for the next head.</summary>
    internal void Keep(int status, List<KeyValuePair<string, string>> fields, int variant, long dateSecond, long tableVersion, ReadOnlySpan<byte> octets)
    {
        if (fields.Count > MaxFields || octets.Length > MaxLength)
        {
            _fieldCount = -1;
            return;
        }
        for (int i = 0; i < fields.Count; i++)
        {
            _names[i] = fields[i].Key;
            _values[i] = fields[i].Value;
        }
        _fieldCount = fields.Count;
        _status = status;
        _variant = variant;
        _dateSecond = dateSecond;
        _tableVersion = tableVersion;
        octets.CopyTo(_octets);
        _length = octets.Length;
    }
}

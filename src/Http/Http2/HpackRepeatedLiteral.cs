namespace Uvnet.Http.Http2;

/// <summary>
/// The last literal field without indexing whose name the static table gave, as sent and as decoded, with a memo
/// for the decoder's handler (see <see cref="IHpackHeaderHandler.OnHeader"/>). Encoders leave the fields that may
/// change at every request out of the dynamic table (nghttp2 sends <c>:path</c> so), yet a client repeats them
/// as often as not: the same octets again decode to the same field, so they are neither Huffman-decoded nor checked
/// again. One per decoder.
/// </summary>
internal sealed class HpackRepeatedLiteral
{
    /// <summary>The longest value kept, as sent: a short path or a small field; longer ones are decoded every time.</summary>
    public const int MaxEncodedLength = 64;

    private readonly byte[] _encoded = new byte[MaxEncodedLength];
    private readonly byte[] _decoded = new byte[(MaxEncodedLength * 8 / 5) + 1]; // Huffman codes are 5 bits at least
    private int _encodedLength = -1; // -1: nothing kept
    private int _decodedLength;
    private int _nameIndex;
    private bool _huffman;

    /// <summary>The handler's memo of the field kept: 0 when it is kept.</summary>
    public byte Memo;

    /// <summary>The value decoded, when the field kept had this static name index and these octets.</summary>
    public bool TryGet(int nameIndex, bool huffman, ReadOnlySpan<byte> encoded, out ReadOnlySpan<byte> decoded)
    {
        if (_encodedLength < 0 || _nameIndex != nameIndex || _huffman != huffman || !encoded.SequenceEqual(_encoded.AsSpan(0, _encodedLength)))
        {
            decoded = default;
            return false;
        }

        decoded = _decoded.AsSpan(0, _decodedLength);
        return true;
    }

    /// <summary>Keeps a field in place of the last, its memo 0; false (nothing kept) when it is too long.</summary>
    public bool Keep(int nameIndex, bool huffman, ReadOnlySpan<byte> encoded, ReadOnlySpan<byte> decoded)
    {
        Memo = 0;
        if (encoded.Length > MaxEncodedLength || decoded.Length > _decoded.Length)
        {
            _encodedLength = -1;
            return false;
        }

        encoded.CopyTo(_encoded);
        decoded.CopyTo(_decoded);
        _encodedLength = encoded.Length;
        _decodedLength = decoded.Length;
        _nameIndex = nameIndex;
        _huffman = huffman;
        return true;
    }
}

namespace Uvnet.Http.Http2;

/// <summary>
/// Why <see cref="HpackDecoder.Decode{THandler}(ReadOnlySpan{byte}, ref THandler)"/> stopped. Every code but
/// <see cref="None"/> and <see cref="HeaderListTooLarge"/> leaves the decoder's dynamic table out of step with the
/// peer's encoder, so the connection must end: RFC 9113 §4.3 makes it a connection error of type
/// COMPRESSION_ERROR.
/// </summary>
internal enum HpackError
{
    /// <summary>The block decoded; every field was handed to the handler.</summary>
    None,

    /// <summary>The block ended inside an integer, a string or a representation.</summary>
    Truncated,

    /// <summary>An integer does not fit in 31 bits, or is spread over more octets than such a value needs.</summary>
    IntegerOverflow,

    /// <summary>An indexed field or name with index 0 (RFC 7541 §6.1: a decoding error).</summary>
    IndexZero,

    /// <summary>An index beyond the static table and the current dynamic table (RFC 7541 §2.3.3).</summary>
    IndexOutOfRange,

    /// <summary>A Huffman string contains the EOS symbol (RFC 7541 §5.2).</summary>
    HuffmanEos,

    /// <summary>A Huffman string ends with padding longer than 7 bits or not made of ones (RFC 7541 §5.2).</summary>
    HuffmanPadding,

    /// <summary>A dynamic table size update after the first field of a block (RFC 7541 §4.2).</summary>
    TableSizeUpdateNotFirst,

    /// <summary>A dynamic table size update above SETTINGS_HEADER_TABLE_SIZE (RFC 7541 §6.3).</summary>
    TableSizeUpdateTooLarge,

    /// <summary>
    /// The limit was lowered below the table's size and the block does not begin with the update RFC 7541 §4.2
    /// requires.
    /// </summary>
    TableSizeUpdateMissing,

    /// <summary>A name or a value (decoded) longer than the decoder's maximum field size.</summary>
    FieldTooLarge,

    /// <summary>
    /// The fields add up to more than the maximum header list size (name + value + 32 each, RFC 9113 §6.5.2). Not
    /// fatal: the decoder went on through the block to keep its table in step, handing the handler no further field;
    /// the stream is refused (431 or RST_STREAM), the connection lives on.
    /// </summary>
    HeaderListTooLarge,
}

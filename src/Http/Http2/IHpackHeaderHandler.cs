namespace Uvnet.Http.Http2;

/// <summary>
/// Receives the fields of a header block from <see cref="HpackDecoder"/>, in order. Implement it on a struct so the
/// decoder's generic Decode is compiled for it and the call is direct, as <c>IHttpParserHandler</c> for HTTP/1.1.
/// </summary>
internal interface IHpackHeaderHandler
{
    /// <summary>
    /// One field, whole (HPACK has no pieces). The spans point into the block, the decoder's scratch or its dynamic
    /// table, and are valid only during the call: copy what must outlive it. Names and values are as sent:
    /// RFC 9113 §8.2's checks (lowercase names, no connection-specific fields, pseudo-headers first) are the
    /// caller's.
    /// </summary>
    /// <param name="name">The field name.</param>
    /// <param name="value">The field value.</param>
    /// <param name="neverIndexed">
    /// The field came as "never indexed" (RFC 7541 §6.2.3): an intermediary forwarding it must keep that form.
    /// </param>
    /// <param name="memo">
    /// A byte the handler may keep about this very field, for the next time the client refers to it: the memo of
    /// the static or dynamic table entry the field is (an indexed field), or becomes (a literal with incremental
    /// indexing); a fresh 0 for any other literal. An entry's memo starts at 0 and goes with the entry, so what a
    /// handler notes about a field's bytes (checks passed, what it is) holds whenever the memo comes back: a
    /// client repeats the same fields by index at every request, and they need not be checked again. What it means
    /// is the handler's: a decoder's handlers must agree on it (the server's decoder has one kind).
    /// </param>
    void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool neverIndexed, ref byte memo);
}

using Uvnet.Http.Http2;

namespace Uvnet.Http.Tests.Http2;

/// <summary>
/// The memo the decoder keeps with each table entry for its handler (what the server's request checks remember
/// about a field): it comes back with the entry it was set on, and with no other.
/// </summary>
public class HpackMemoTests
{
    /// <summary>Records the memo each field arrives with, and marks each field's memo with its own number (from 1).</summary>
    private struct MarkingHandler(List<(string Name, byte Memo)> seen) : IHpackHeaderHandler
    {
        public readonly void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool neverIndexed, ref byte memo)
        {
            seen.Add((System.Text.Encoding.Latin1.GetString(name), memo));
            memo = (byte)seen.Count;
        }
    }

    private static List<(string Name, byte Memo)> Decode(HpackDecoder decoder, string hex)
    {
        var seen = new List<(string, byte)>();
        var handler = new MarkingHandler(seen);
        Assert.Equal(HpackError.None, decoder.Decode(HpackFields.Bytes(hex), ref handler));
        return seen;
    }

    [Fact]
    public void An_indexed_field_brings_back_the_memo_set_when_it_was_inserted()
    {
        var decoder = new HpackDecoder();
        // x-a: 1 inserted (literal with incremental indexing), then referred to twice as index 62.
        Assert.Equal([("x-a", 0)], Decode(decoder, "40 03 782d61 01 31"));
        Assert.Equal([("x-a", 1), ("x-a", 1)], Decode(decoder, "be be"));
    }

    [Fact]
    public void A_static_field_keeps_its_memo_and_a_literal_not_indexed_never_has_one()
    {
        var decoder = new HpackDecoder();
        // :method GET (index 2), then x-a: 1 without indexing, twice each.
        Assert.Equal([(":method", 0), ("x-a", 0)], Decode(decoder, "82 00 03 782d61 01 31"));
        Assert.Equal([(":method", 1), ("x-a", 0)], Decode(decoder, "82 00 03 782d61 01 31"));
    }

    [Fact]
    public void An_entry_that_replaces_an_evicted_one_in_its_slot_starts_without_a_memo()
    {
        // 64 octets hold one 36-octet entry, and the table keeps two slots: the third insertion lands in the slot of
        // the first, evicted by the second.
        var decoder = new HpackDecoder(headerTableSize: 64);
        Assert.Equal([("x-a", 0)], Decode(decoder, "40 03 782d61 01 31"));
        Assert.Equal([("x-a", 1)], Decode(decoder, "be"));
        Assert.Equal([("x-b", 0)], Decode(decoder, "40 03 782d62 01 32"));
        Assert.Equal([("x-c", 0)], Decode(decoder, "40 03 782d63 01 33"));
        Assert.Equal([("x-c", 1)], Decode(decoder, "be"));
    }

    [Fact]
    public void A_size_update_that_empties_the_table_drops_the_memos_with_the_entries()
    {
        var decoder = new HpackDecoder();
        Assert.Equal([("x-a", 0)], Decode(decoder, "40 03 782d61 01 31"));
        // Size 0 then 4096 (an update may come twice), then x-b: 2 inserted as index 62.
        Assert.Equal([("x-b", 0)], Decode(decoder, "20 3fe11f 40 03 782d62 01 32"));
        Assert.Equal([("x-b", 1)], Decode(decoder, "be"));
    }

    [Fact]
    public void A_literal_not_indexed_with_a_static_name_brings_back_its_memo_when_the_same_octets_come_again()
    {
        var decoder = new HpackDecoder();
        // :path /plaintext, a literal without indexing (nghttp2 never indexes :path), three times; another path; the
        // first again: only the last one is kept.
        Assert.Equal([(":path", 0)], Decode(decoder, "04 0a 2f706c61696e74657874"));
        Assert.Equal([(":path", 1), (":path", 1)], Decode(decoder, "04 0a 2f706c61696e74657874 04 0a 2f706c61696e74657874"));
        Assert.Equal([(":path", 0)], Decode(decoder, "04 02 2f61"));
        Assert.Equal([(":path", 0)], Decode(decoder, "04 0a 2f706c61696e74657874"));
    }

    [Fact]
    public void The_same_octets_with_another_name_Huffman_flag_or_representation_are_another_field()
    {
        const string Huffman = "8c f1e3 c2e5 f23a 6ba0 ab90 f4ff"; // www.example.com (RFC 7541 C.4.1)
        const string Raw = "0c f1e3 c2e5 f23a 6ba0 ab90 f4ff"; // the same twelve octets, as they are
        var decoder = new HpackDecoder();
        Assert.Equal([(":authority", 0)], Decode(decoder, "01 " + Huffman));
        Assert.Equal([(":authority", 1)], Decode(decoder, "01 " + Huffman));
        Assert.Equal([("accept", 0)], Decode(decoder, "0f04 " + Huffman)); // name index 19
        Assert.Equal([(":authority", 0)], Decode(decoder, "01 " + Raw));
        Assert.Equal([(":authority", 0)], Decode(decoder, "11 " + Huffman)); // never indexed: not kept
        Assert.Equal([(":authority", 0)], Decode(decoder, "01 " + Huffman));

        // Each decodes to its own value, kept or not.
        Assert.Equal([(":authority", "www.example.com", false)], HpackFields.Decode(decoder, "01 " + Huffman).Fields);
        Assert.Equal([(":authority", "www.example.com", false)], HpackFields.Decode(decoder, "01 " + Huffman).Fields);
        Assert.Equal([(":authority", "\u00f1\u00e3\u00c2\u00e5\u00f2:k\u00a0\u00ab\u0090\u00f4\u00ff", false)],
            HpackFields.Decode(decoder, "01 " + Raw).Fields);
        Assert.Equal([(":authority", "www.example.com", false)], HpackFields.Decode(decoder, "01 " + Huffman).Fields);
    }
}

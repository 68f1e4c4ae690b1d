using System.Text;
using Uvnet.Http.Http2;

namespace Uvnet.Http.Tests.Http2;

/// <summary>The connection's response encoder with a dynamic table: what it indexes, and that a decoder follows it.</summary>
public class HpackFieldEncoderTests
{
    private static byte[] Block(HpackFieldEncoder encoder, params (string Name, string Value, bool NeverIndex)[] fields)
    {
        var buffer = new byte[4096];
        int length = encoder.BeginBlock(buffer);
        foreach (var (name, value, neverIndex) in fields)
        {
            Assert.True(encoder.TryEncode(Encoding.ASCII.GetBytes(name), Encoding.ASCII.GetBytes(value), neverIndex, buffer.AsSpan(length), out int written));
            length += written;
        }
        return buffer[..length];
    }

    private static List<(string Name, string Value, bool NeverIndexed)> Decode(HpackDecoder decoder, byte[] block)
    {
        var fields = HpackFields.Create();
        Assert.Equal(HpackError.None, decoder.Decode(block, ref fields));
        return fields.Fields;
    }

    [Fact]
    public void A_field_repeated_in_a_later_block_is_one_dynamic_table_index()
    {
        var encoder = new HpackFieldEncoder();
        var decoder = new HpackDecoder();
        (string, string, bool)[] head = [("content-type", "text/plain", false), ("server", "uvnet", false)];
        byte[] first = Block(encoder, head);
        byte[] second = Block(encoder, head);
        Assert.Equal(head, Decode(decoder, first));
        Assert.Equal(head, Decode(decoder, second));
        // server is the newest entry (62), content-type the one before (63).
        Assert.Equal(new byte[] { 0x80 | 63, 0x80 | 62 }, second);
    }

    [Fact]
    public void Content_length_and_fields_sent_never_indexed_stay_out_of_the_dynamic_table()
    {
        var encoder = new HpackFieldEncoder();
        var decoder = new HpackDecoder();
        (string, string, bool)[] head = [("content-length", "13", false), ("set-cookie", "a=b", true), ("etag", "\"x\"", false)];
        Decode(decoder, Block(encoder, head));
        Assert.Equal(head, Decode(decoder, Block(encoder, head)));
        Assert.Equal(0, encoder.Table.Count);
        Assert.Equal(0, decoder.Table.Count);
    }

    [Fact]
    public void A_field_larger_than_three_quarters_of_the_table_is_not_indexed()
    {
        var encoder = new HpackFieldEncoder();
        Block(encoder, ("x-big", new string('a', 3100), false));
        Assert.Equal(0, encoder.Table.Count);
    }

    [Fact]
    public void The_peer_lowering_its_table_size_gets_an_update_first_in_the_next_block()
    {
        var encoder = new HpackFieldEncoder();
        var decoder = new HpackDecoder();
        Decode(decoder, Block(encoder, ("server", "uvnet", false)));
        encoder.SetPeerTableSize(0);
        decoder.SetHeaderTableSize(0); // the client's SETTINGS took effect on both sides
        byte[] block = Block(encoder, ("server", "uvnet", false));
        Assert.Equal(0x20, block[0]); // size update to 0 (RFC 7541 §6.3)
        Assert.Equal([("server", "uvnet", false)], Decode(decoder, block));
        Assert.Equal(0, decoder.Table.Count);
    }

    [Fact]
    public void A_size_lowered_then_raised_between_blocks_signals_the_smallest_then_the_last()
    {
        var encoder = new HpackFieldEncoder();
        var decoder = new HpackDecoder();
        Decode(decoder, Block(encoder, ("server", "uvnet", false)));
        encoder.SetPeerTableSize(0);
        encoder.SetPeerTableSize(4096);
        byte[] block = Block(encoder, ("server", "uvnet", false));
        // 0x20: size 0; 0x3f e1 1f: size 4096 (5-bit prefix).
        Assert.Equal(Convert.FromHexString("203fe11f"), block[..4]);
        Assert.Equal([("server", "uvnet", false)], Decode(decoder, block));
    }

    [Fact]
    public void A_peer_table_larger_than_the_default_changes_nothing()
    {
        var encoder = new HpackFieldEncoder();
        encoder.SetPeerTableSize(65536);
        Assert.Equal(HpackFieldEncoder.MaxTableSize, encoder.Table.MaxSize);
        Assert.Empty(Block(encoder));
    }

    [Fact]
    public void A_decoder_follows_many_blocks_through_eviction()
    {
        var encoder = new HpackFieldEncoder();
        var decoder = new HpackDecoder();
        var random = new Random(23);
        for (int block = 0; block < 500; block++)
        {
            var fields = new (string, string, bool)[random.Next(1, 8)];
            for (int i = 0; i < fields.Length; i++)
                fields[i] = ($"x-f{random.Next(40)}", new string('v', random.Next(0, 300)), random.Next(10) == 0);
            Assert.Equal(fields, Decode(decoder, Block(encoder, fields)));
            Assert.Equal(encoder.Table.Count, decoder.Table.Count);
        }
    }

    [Fact]
    public void Too_small_a_destination_writes_and_indexes_nothing()
    {
        var encoder = new HpackFieldEncoder();
        Assert.False(encoder.TryEncode("x-custom"u8, "some value here"u8, false, new byte[4], out int written));
        Assert.Equal(0, written);
        Assert.Equal(0, encoder.Table.Count);
    }
}

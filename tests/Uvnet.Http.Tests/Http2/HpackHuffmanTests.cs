using System.Text;
using Uvnet.Http.Http2;

namespace Uvnet.Http.Tests.Http2;

/// <summary>The Huffman code of RFC 7541 Appendix B and §5.2's rules for decoding it.</summary>
public class HpackHuffmanTests
{
    public static TheoryData<string, string> Examples() => new()
    {
        // The Huffman strings of RFC 7541 Appendix C.4 and C.6.
        { "www.example.com", "f1e3c2e5f23a6ba0ab90f4ff" },
        { "no-cache", "a8eb10649cbf" },
        { "custom-key", "25a849e95ba97d7f" },
        { "custom-value", "25a849e95bb8e8b4bf" },
        { "302", "6402" },
        { "private", "aec3771a4b" },
        { "Mon, 21 Oct 2013 20:13:21 GMT", "d07abe941054d444a8200595040b8166e082a62d1bff" },
        { "https://www.example.com", "9d29ad171863c78f0b97c8e9ae82ae43d3" },
        { "307", "640eff" },
        { "gzip", "9bd9ab" },
        { "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1", "94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007" },
    };

    [Theory]
    [MemberData(nameof(Examples))]
    public void EncodesTheStringsOfAppendixC(string text, string hex)
    {
        byte[] value = Encoding.ASCII.GetBytes(text);
        var buffer = new byte[HpackHuffman.GetEncodedLength(value)];
        Assert.Equal(buffer.Length, HpackHuffman.Encode(value, buffer));
        Assert.Equal(Convert.FromHexString(hex), buffer);
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void DecodesTheStringsOfAppendixC(string text, string hex)
    {
        var buffer = new byte[256];
        Assert.Equal(HpackError.None, HpackHuffman.Decode(Convert.FromHexString(hex), buffer, out int written));
        Assert.Equal(text, Encoding.ASCII.GetString(buffer, 0, written));
    }

    [Fact]
    public void EveryOctetRoundTripsAloneAndTogether()
    {
        var all = new byte[256];
        for (int i = 0; i < 256; i++)
        {
            all[i] = (byte)i;
            AssertRoundTrip([(byte)i]);
        }

        AssertRoundTrip(all);
        AssertRoundTrip([.. all.Reverse()]);
        AssertRoundTrip([]);
    }

    [Fact]
    public void RandomStringsRoundTrip()
    {
        var random = new Random(7541);
        for (int i = 0; i < 2000; i++)
        {
            var value = new byte[random.Next(0, 64)];
            random.NextBytes(value);
            AssertRoundTrip(value);
        }
    }

    // h2spec hpack/5.2/1: padding longer than 7 bits. "a" is 00011 followed by 3 bits of padding; a whole octet of
    // ones more is padding of 11 bits.
    [Fact]
    public void PaddingLongerThanSevenBitsIsRefused() => AssertRefused("1fff", HpackError.HuffmanPadding);

    // A whole octet of ones alone is 8 bits of padding.
    [Fact]
    public void AnOctetOfPaddingAloneIsRefused() => AssertRefused("ff", HpackError.HuffmanPadding);

    // h2spec hpack/5.2/2: padded by zero.
    [Fact]
    public void PaddingOfZerosIsRefused() => AssertRefused("18", HpackError.HuffmanPadding);

    // h2spec hpack/5.2/3: the EOS symbol (30 ones) inside the string.
    [Fact]
    public void TheEosSymbolIsRefused() => AssertRefused("fffffffc", HpackError.HuffmanEos);

    [Fact]
    public void EosAfterASymbolIsRefused() => AssertRefused("1fffffffff", HpackError.HuffmanEos);

    // A string that ends inside a longer code: 11111110 begins '!' (1111111000) and is not all ones.
    [Fact]
    public void AStringEndingInsideALongCodeIsRefused() => AssertRefused("fe", HpackError.HuffmanPadding);

    [Fact]
    public void DecodingMoreThanTheDestinationHoldsIsFieldTooLarge()
    {
        var buffer = new byte[14];
        Assert.Equal(HpackError.FieldTooLarge, HpackHuffman.Decode(Convert.FromHexString("f1e3c2e5f23a6ba0ab90f4ff"), buffer, out _));
    }

    private static void AssertRefused(string hex, HpackError expected)
    {
        var buffer = new byte[64];
        Assert.Equal(expected, HpackHuffman.Decode(Convert.FromHexString(hex), buffer, out _));
    }

    private static void AssertRoundTrip(byte[] value)
    {
        var encoded = new byte[HpackHuffman.GetEncodedLength(value)];
        HpackHuffman.Encode(value, encoded);
        var decoded = new byte[value.Length + 1];
        Assert.Equal(HpackError.None, HpackHuffman.Decode(encoded, decoded, out int written));
        Assert.Equal(value, decoded[..written]);
    }
}

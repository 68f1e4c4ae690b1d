using System.Text;
using Uvnet.Http.Http2;

namespace Uvnet.Http.Tests.Http2;

/// <summary>The response encoder: its exact output for the static table's cases, and round trips through the decoder.</summary>
public class HpackEncoderTests
{
    [Theory]
    [InlineData(200, "88")]
    [InlineData(204, "89")]
    [InlineData(206, "8a")]
    [InlineData(304, "8b")]
    [InlineData(400, "8c")]
    [InlineData(404, "8d")]
    [InlineData(500, "8e")]
    // C.6.1's Huffman "302" after the indexed name, without indexing.
    [InlineData(302, "08826402")]
    // "307" takes 3 octets Huffman-coded as raw: raw is kept.
    [InlineData(307, "0803333037")]
    public void StatusUsesTheStaticTable(int status, string hex)
    {
        var buffer = new byte[8];
        Assert.True(HpackEncoder.TryEncodeStatus(status, buffer, out int written));
        Assert.Equal(Convert.FromHexString(hex), buffer[..written]);
    }

    [Fact]
    public void AWholeStaticMatchIsOneOctet()
    {
        var buffer = new byte[8];
        Assert.True(HpackEncoder.TryEncodeField("accept-encoding"u8, "gzip, deflate"u8, false, buffer, out int written));
        Assert.Equal([0x90], buffer[..written]);
    }

    [Fact]
    public void AKnownNameIsIndexedAndTheValueHuffmanCoded()
    {
        var buffer = new byte[32];
        Assert.True(HpackEncoder.TryEncodeField("cache-control"u8, "private"u8, false, buffer, out int written));
        // Index 24 with a 4-bit prefix: 0f 09; then C.6.1's Huffman "private".
        Assert.Equal(Convert.FromHexString("0f0985aec3771a4b"), buffer[..written]);
    }

    [Fact]
    public void NeverIndexedUsesItsPatternEvenForAStaticMatch()
    {
        var buffer = new byte[32];
        Assert.True(HpackEncoder.TryEncodeField(":method"u8, "GET"u8, true, buffer, out int written));
        var (error, fields) = DecodeAll(buffer[..written]);
        Assert.Equal(HpackError.None, error);
        Assert.Equal([(":method", "GET", true)], fields);
        Assert.Equal(0x12, buffer[0]);
    }

    [Fact]
    public void AStringIsRawWhenHuffmanIsNotShorter()
    {
        var buffer = new byte[32];
        // '&' and '*' take 8 bits each: Huffman would not be shorter.
        Assert.True(HpackEncoder.TryEncodeField("x"u8, "&*"u8, false, buffer, out int written));
        Assert.Equal(Convert.FromHexString("0001 78 02 262a".Replace(" ", "", StringComparison.Ordinal)), buffer[..written]);
    }

    [Fact]
    public void ATooSmallDestinationIsRefusedAtEveryLength()
    {
        var buffer = new byte[64];
        Assert.True(HpackEncoder.TryEncodeField("x-custom"u8, "some value here"u8, false, buffer, out int needed));
        for (int length = 0; length < needed; length++)
        {
            Assert.False(HpackEncoder.TryEncodeField("x-custom"u8, "some value here"u8, false, new byte[length], out _));
        }
    }

    [Fact]
    public void ATableSizeUpdateDecodes()
    {
        var buffer = new byte[8];
        Assert.True(HpackEncoder.TryEncodeTableSizeUpdate(4096, buffer, out int written));
        Assert.Equal(Convert.FromHexString("3fe11f"), buffer[..written]);
    }

    [Fact]
    public void StatusOutsideThreeDigitsIsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => HpackEncoder.TryEncodeStatus(99, new byte[8], out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => HpackEncoder.TryEncodeStatus(1000, new byte[8], out _));
    }

    [Fact]
    public void RandomResponsesRoundTrip()
    {
        var random = new Random(9113);
        string[] names = ["content-type", "date", "server", "x-request-id", "set-cookie", "location", "vary", "x-" + new string('z', 200)];
        var buffer = new byte[1 << 16];
        for (int i = 0; i < 500; i++)
        {
            int status = random.Next(100, 600);
            var expected = new List<(string, string, bool)> { (":status", status.ToString(System.Globalization.CultureInfo.InvariantCulture), false) };
            Assert.True(HpackEncoder.TryEncodeStatus(status, buffer, out int pos));
            for (int f = random.Next(0, 12); f > 0; f--)
            {
                string name = names[random.Next(names.Length)];
                var value = new byte[random.Next(0, 300)];
                for (int k = 0; k < value.Length; k++)
                {
                    // Field values are visible ASCII, space and tab, and obs-text.
                    value[k] = (byte)random.Next(0x20, 0x100);
                }

                bool neverIndex = random.Next(4) == 0;
                Assert.True(HpackEncoder.TryEncodeField(Encoding.ASCII.GetBytes(name), value, neverIndex, buffer.AsSpan(pos), out int written));
                pos += written;
                expected.Add((name, Encoding.Latin1.GetString(value), neverIndex));
            }

            var (error, fields) = DecodeAll(buffer[..pos]);
            Assert.Equal(HpackError.None, error);
            Assert.Equal(expected, fields);
        }
    }

    private static (HpackError, List<(string Name, string Value, bool NeverIndexed)>) DecodeAll(byte[] block)
    {
        HpackFields handler = HpackFields.Create();
        HpackError error = new HpackDecoder().Decode(block, ref handler);
        return (error, handler.Fields);
    }
}

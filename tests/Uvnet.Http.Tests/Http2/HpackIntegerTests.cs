using Uvnet.Http.Http2;

namespace Uvnet.Http.Tests.Http2;

/// <summary>Prefixed integers (RFC 7541 §5.1), with the examples of Appendix C.1.</summary>
public class HpackIntegerTests
{
    [Theory]
    // C.1.1: 10 with a 5-bit prefix.
    [InlineData(10, 5, "0a")]
    // C.1.2: 1337 with a 5-bit prefix.
    [InlineData(1337, 5, "1f9a0a")]
    // C.1.3: 42 starting at an octet boundary.
    [InlineData(42, 8, "2a")]
    [InlineData(31, 5, "1f00")]
    [InlineData(int.MaxValue, 7, "7f80ffffff07")]
    public void EncodesAndDecodesTheExamplesOfAppendixC1(int value, int prefix, string hex)
    {
        byte[] expected = Convert.FromHexString(hex);
        var buffer = new byte[8];
        int written = HpackInteger.Encode(value, prefix, 0, buffer);
        Assert.Equal(expected, buffer[..written]);
        Assert.Equal(written, HpackInteger.GetEncodedLength(value, prefix));

        int pos = 0;
        Assert.Equal(HpackError.None, HpackInteger.TryDecode(expected, ref pos, prefix, out int decoded));
        Assert.Equal(value, decoded);
        Assert.Equal(expected.Length, pos);
    }

    [Fact]
    public void BitsAboveThePrefixAreIgnoredWhenDecoding()
    {
        int pos = 0;
        Assert.Equal(HpackError.None, HpackInteger.TryDecode([0xEA], ref pos, 5, out int value));
        Assert.Equal(10, value);
    }

    [Theory]
    // 2^31: one more than fits.
    [InlineData("7f81ffffff07")]
    // Continuation octets beyond what 31 bits need, even of zeros.
    [InlineData("7f8080808080 00")]
    [InlineData("7fffffffffffffffffff7f")]
    public void ValuesBeyond31BitsAreOverflow(string hex)
    {
        int pos = 0;
        Assert.Equal(HpackError.IntegerOverflow, HpackInteger.TryDecode(HpackFields.Bytes(hex), ref pos, 7, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1f")]
    [InlineData("1f9a")]
    public void AnIntegerCutShortIsTruncated(string hex)
    {
        int pos = 0;
        Assert.Equal(HpackError.Truncated, HpackInteger.TryDecode(HpackFields.Bytes(hex), ref pos, 5, out _));
        Assert.Equal(0, pos);
    }
}

namespace Uvnet.Net.Tests;

/// <summary>
/// The decoder behind <see cref="Socket.Text"/> against Node's StringDecoder (src/string_decoder.cc and
/// test-string-decoder's vectors): whatever the reads' boundaries, the text raised adds up to what Node's decoder
/// gives for the same bytes, its end() included.
/// </summary>
public class SocketTextDecoderTests
{
    /// <summary>The text of <paramref name="bytes"/> read in the pieces <paramref name="cuts"/> makes, then flushed.</summary>
    private static string Decode(string encoding, byte[] bytes, params int[] cuts)
    {
        var decoder = SocketTextDecoder.Create(encoding)!;
        var text = new System.Text.StringBuilder();
        int start = 0;
        foreach (int cut in cuts.Append(bytes.Length))
        {
            text.Append(decoder.Decode(bytes.AsSpan(start, cut - start)));
            start = cut;
        }
        return text.Append(decoder.Flush()).ToString();
    }

    [Theory]
    [InlineData("utf8", "E282ACF0908D88C3A941", @"\u20AC\uD800\uDF48\u00E9A")]
    [InlineData("utf8", "EFBFBDE2", @"\uFFFD\uFFFD")] // test-string-decoder
    [InlineData("utf8", "F141F2", @"\uFFFDA\uFFFD")]
    [InlineData("utf8", "F69BD1", @"\uFFFD\uFFFD\uFFFD")] // nodejs/node#22626
    [InlineData("utf8", "F4BDE5", @"\uFFFD\uFFFD\uFFFD")]
    [InlineData("utf8", "E18B", @"\uFFFD")]
    [InlineData("utf16le", "3DD84DDC4100", @"\uD83D\uDC4DA")]
    [InlineData("utf16le", "00D84100", @"\uD800A")] // Node keeps a lone surrogate as it is (a JS string may hold one)
    [InlineData("utf16le", "4DDC4100", @"\uDC4DA")]
    [InlineData("utf16le", "3DD8", @"\uD83D")] // end() gives the held high surrogate as it is
    [InlineData("utf16le", "410042", @"A")] // end() drops a single trailing byte
    [InlineData("base64", "666F6F626172", @"Zm9vYmFy")]
    [InlineData("base64", "666F6F6261", @"Zm9vYmE=")]
    [InlineData("base64", "66", @"Zg==")]
    [InlineData("base64url", "FBFF66", @"-_9m")]
    [InlineData("base64url", "FBFF", @"-_8")]
    [InlineData("hex", "00FF7A", @"00ff7a")]
    [InlineData("latin1", "41E9FF", @"A\u00E9\u00FF")]
    [InlineData("ascii", "41E9FF", @"Ai\u007F")]
    public void Text_adds_up_to_Nodes_string_decoder_whatever_the_reads(string encoding, string hex, string escaped)
    {
        // Escaped: a lone surrogate would not survive the theory's data as a string.
        string expected = System.Text.RegularExpressions.Regex.Unescape(escaped);
        byte[] bytes = Convert.FromHexString(hex);
        Assert.Equal(expected, Decode(encoding, bytes));
        for (int cut = 0; cut <= bytes.Length; cut++)
            Assert.Equal(expected, Decode(encoding, bytes, cut));
        Assert.Equal(expected, Decode(encoding, bytes, [.. Enumerable.Range(1, Math.Max(0, bytes.Length - 1))]));
    }
}

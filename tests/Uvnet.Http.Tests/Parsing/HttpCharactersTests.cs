using System.Text;
using Uvnet.Http.Parsing;

namespace Uvnet.Http.Tests.Parsing;

/// <summary>The word-at-a-time and vectorised scans agree with the byte-by-byte definitions they replace.</summary>
public class HttpCharactersTests
{
    [Theory]
    [InlineData("close")]
    [InlineData("chunked")]
    [InlineData("keep-alive")]
    [InlineData("content-length")]
    [InlineData("transfer-encoding")]
    public void EqualsLowerCaseFoldsLettersOnlyAtEveryPosition(string lower)
    {
        byte[] expected = Encoding.ASCII.GetBytes(lower);
        Assert.True(HttpCharacters.EqualsLowerCase(Encoding.ASCII.GetBytes(lower.ToUpperInvariant()), expected));
        for (int i = 0; i < expected.Length; i++)
        {
            // Any other byte a name or value may hold (no controls), at any position, differs.
            for (int b = 0x20; b < 0x100; b++)
            {
                if (b == 0x7F || b == expected[i] || (char.IsAsciiLetter((char)expected[i]) && b == (expected[i] & ~0x20)))
                {
                    continue;
                }

                byte[] text = (byte[])expected.Clone();
                text[i] = (byte)b;
                Assert.False(HttpCharacters.EqualsLowerCase(text, expected), $"{lower} with 0x{b:X2} at {i}");
            }
        }
    }

    [Fact]
    public void IndexOfNotTargetFindsEveryByteOutsideVcharAtEveryPosition()
    {
        for (int length = 1; length <= 40; length++)
        {
            for (int at = 0; at < length; at++)
            {
                foreach (byte b in new byte[] { 0x00, 0x1F, 0x20, 0x7F, 0x80, 0xFF })
                {
                    byte[] span = Enumerable.Repeat((byte)'a', length).ToArray();
                    span[at] = b;
                    Assert.Equal(at, HttpCharacters.IndexOfNotTarget(span));
                }
            }

            Assert.Equal(-1, HttpCharacters.IndexOfNotTarget(Enumerable.Range(0, length).Select(i => (byte)(0x21 + (i % 94))).ToArray()));
        }
    }

    [Fact]
    public void IndexOfNotFieldValueFindsEveryControlAndDeleteAtEveryPosition()
    {
        for (int length = 1; length <= 70; length++)
        {
            for (int at = 0; at < length; at++)
            {
                foreach (byte b in new byte[] { 0x00, 0x0A, 0x0D, 0x1F, 0x7F })
                {
                    byte[] span = Enumerable.Repeat((byte)'\t', length).ToArray();
                    span[at] = b;
                    Assert.Equal(at, HttpCharacters.IndexOfNotFieldValue(span));
                }
            }

            Assert.Equal(-1, HttpCharacters.IndexOfNotFieldValue(Enumerable.Range(0, length).Select(i => (byte)(i % 2 == 0 ? 0x80 + i : 0x20 + i)).ToArray()));
        }
    }
}

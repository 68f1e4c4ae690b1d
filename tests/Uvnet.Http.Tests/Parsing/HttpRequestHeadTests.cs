using System.Text;
using Uvnet.Http.Parsing;

namespace Uvnet.Http.Tests.Parsing;

/// <summary>The accumulation path gathers whole elements whatever the split, and trims values.</summary>
public class HttpRequestHeadTests
{
    private const string Request =
        "PROPFIND /dav/file?x=1 HTTP/1.1\r\nHost: example.com\r\nX-Trim:  padded \t\r\nX-Empty:\r\nhost: second\r\n\r\n";

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    public void GathersMethodTargetAndFieldsWhateverTheSplit(int pieceSize)
    {
        var head = new HttpRequestHead();
        var parser = new HttpRequestParser();
        var handler = new HeadAccumulatingHandler(head);
        byte[] input = Encoding.ASCII.GetBytes(Request);
        for (int pos = 0; pos < input.Length; pos += pieceSize)
        {
            int size = Math.Min(pieceSize, input.Length - pos);
            Assert.Equal(HttpParserError.None, parser.Execute(ref handler, input.AsSpan(pos, size), out _));
        }

        Assert.Equal("PROPFIND", Encoding.ASCII.GetString(head.Method));
        Assert.Equal("/dav/file?x=1", Encoding.ASCII.GetString(head.Url));
        Assert.Equal(4, head.HeaderCount);
        Assert.Equal("X-Trim", Encoding.ASCII.GetString(head.GetHeaderName(1)));
        Assert.Equal("padded", Encoding.ASCII.GetString(head.GetHeaderValue(1)));
        Assert.True(head.GetHeaderValue(2).IsEmpty);
        Assert.True(head.TryGetHeaderValue("HOST"u8, out ReadOnlySpan<byte> host));
        Assert.Equal("example.com", Encoding.ASCII.GetString(host));
        Assert.False(head.TryGetHeaderValue("Accept"u8, out _));
        Assert.Equal(1, handler.Messages);
    }

    [Fact]
    public void ClearForgetsTheHeadAndKeepsWorking()
    {
        var head = new HttpRequestHead();
        head.AppendMethod("GET"u8);
        head.AppendUrl("/a"u8);
        head.AppendHeaderName("A"u8);
        head.AppendHeaderValue("1"u8);
        head.Clear();
        Assert.Equal(0, head.HeaderCount);
        Assert.True(head.Url.IsEmpty);
        head.AppendHeaderName("B"u8);
        head.AppendHeaderValue("2"u8);
        Assert.Equal("B", Encoding.ASCII.GetString(head.GetHeaderName(0)));
    }

    [Fact]
    public void GrowsPastItsInitialCapacity()
    {
        var head = new HttpRequestHead();
        for (int i = 0; i < 40; i++)
        {
            head.AppendHeaderName(Encoding.ASCII.GetBytes($"Name{i}"));
            head.AppendHeaderValue(new byte[100]);
        }

        Assert.Equal(40, head.HeaderCount);
        Assert.Equal("Name39", Encoding.ASCII.GetString(head.GetHeaderName(39)));
    }

    [Fact]
    public void RefusesAValueBeforeAnyNameAndAnIndexOutOfRange()
    {
        var head = new HttpRequestHead();
        Assert.Throws<InvalidOperationException>(() => head.AppendHeaderValue("v"u8));
        Assert.Throws<ArgumentOutOfRangeException>(() => head.GetHeaderName(0));
    }
}

using Uvnet.Http.Parsing;

namespace Uvnet.Http.Tests.Parsing;

/// <summary>The head limits: an error at the first byte beyond them, never more memory.</summary>
public class LimitTests
{
    private const string RequestLine = "GET / HTTP/1.1\r\n";

    [Fact]
    public void DefaultsAre16KiBAnd100Fields()
    {
        Assert.Equal(16 * 1024, HttpParserLimits.Default.MaxHeaderBytes);
        Assert.Equal(100, HttpParserLimits.Default.MaxHeaderCount);
        Assert.Equal(16 * 1024, HttpParserLimits.Default.MaxChunkExtensionBytes);
        Assert.Equal(32, HttpParserLimits.Default.MaxMethodLength);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void RejectsLimitsThatAreNotPositive(int value)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HttpParserLimits { MaxHeaderBytes = value });
        Assert.Throws<ArgumentOutOfRangeException>(() => new HttpParserLimits { MaxHeaderCount = value });
        Assert.Throws<ArgumentOutOfRangeException>(() => new HttpParserLimits { MaxChunkExtensionBytes = value });
        Assert.Throws<ArgumentOutOfRangeException>(() => new HttpParserLimits { MaxMethodLength = value });
    }

    private const string ChunkedHead = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";

    [Fact]
    public void CountsChunkExtensionsOfAllChunksAgainstOneBudgetPerRequest()
    {
        // After each ";", "a=b" and the line's CR count: 4 bytes a chunk, so 8 chunks take the budget of 32.
        var limits = new HttpParserLimits { MaxChunkExtensionBytes = 32 };
        string eight = string.Concat(Enumerable.Repeat("1;a=b\r\nx\r\n", 8));
        Assert.EndsWith("complete", ParserRun.Consistent(ChunkedHead + eight + "0\r\n\r\n", limits));
        int overflowAt = ChunkedHead.Length + eight.Length + 2; // after "1;": the extension's first byte
        Assert.EndsWith($"error:ChunkExtensionsOverflow@{overflowAt}", ParserRun.Consistent(ChunkedHead + eight + "1;a=b\r\nx\r\n0\r\n\r\n", limits));
    }

    [Fact]
    public void GivesEachRequestItsOwnChunkExtensionBudget()
    {
        var limits = new HttpParserLimits { MaxChunkExtensionBytes = 4 };
        string request = ChunkedHead + "1;a=b\r\nx\r\n0\r\n\r\n";
        string log = ParserRun.Consistent(request + request + request, limits);
        Assert.Equal(3, log.Split('\n').Count(line => line == "complete"));
    }

    [Fact]
    public void AcceptsAHeadOfExactlyMaxHeaderBytes()
    {
        string head = HeadOfLength(16 * 1024);
        Assert.EndsWith("complete", ParserRun.Consistent(head + "GET / HTTP/1.1\r\n\r\n"));
    }

    [Fact]
    public void RejectsAHeadOneByteOverMaxHeaderBytesAtThatByte()
    {
        string head = HeadOfLength((16 * 1024) + 1);
        Assert.EndsWith($"error:HeaderOverflow@{16 * 1024}", ParserRun.Consistent(head));
    }

    [Fact]
    public void RejectsALongRequestLineAgainstTheSameBudget()
    {
        var limits = new HttpParserLimits { MaxHeaderBytes = 64 };
        string input = $"GET /{new string('a', 100)} HTTP/1.1\r\n\r\n";
        Assert.EndsWith("error:HeaderOverflow@64", ParserRun.Consistent(input, limits));
    }

    [Fact]
    public void CountsLeadingEmptyLinesOutsideTheBudget()
    {
        var limits = new HttpParserLimits { MaxHeaderBytes = RequestLine.Length + 2 };
        Assert.EndsWith("complete", ParserRun.Consistent("\r\n\r\n\r\n" + RequestLine + "\r\n", limits));
    }

    [Fact]
    public void GivesEachRequestOfAPipelineItsOwnBudget()
    {
        var limits = new HttpParserLimits { MaxHeaderBytes = RequestLine.Length + 2 };
        string log = ParserRun.Consistent(string.Concat(Enumerable.Repeat(RequestLine + "\r\n", 20)), limits);
        Assert.Equal(20, log.Split('\n').Count(line => line == "complete"));
    }

    [Fact]
    public void AcceptsMaxHeaderCountFieldsAndRejectsOneMore()
    {
        var limits = new HttpParserLimits { MaxHeaderCount = 3 };
        Assert.EndsWith("complete", ParserRun.Consistent(RequestLine + Fields(3) + "\r\n", limits));
        Assert.StartsWith("error:HeaderOverflow@", ParserRun.Consistent(RequestLine + Fields(4) + "\r\n", limits).Split('\n')[^1]);
    }

    [Fact]
    public void AppliesTheLimitsToTheTrailerSectionSeparately()
    {
        var limits = new HttpParserLimits { MaxHeaderCount = 2 };
        string chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nX: 1\r\n\r\n0\r\n";
        Assert.EndsWith("complete", ParserRun.Consistent(chunked + Fields(2) + "\r\n", limits));
        Assert.StartsWith("error:HeaderOverflow@", ParserRun.Consistent(chunked + Fields(3) + "\r\n", limits).Split('\n')[^1]);
    }

    [Fact]
    public void NeverLimitsTheBody()
    {
        var limits = new HttpParserLimits { MaxHeaderBytes = 64 };
        string body = new('b', 100_000);
        Assert.EndsWith("complete", ParserRun.Whole($"POST / HTTP/1.1\r\nContent-Length: {body.Length}\r\n\r\n{body}", limits));
    }

    private static string Fields(int count) =>
        string.Concat(Enumerable.Range(0, count).Select(i => $"F{i}: v\r\n"));

    /// <summary>A request line and one field padded so the whole head, final CRLF included, has this length.</summary>
    private static string HeadOfLength(int length)
    {
        const string Name = "X-Pad: ";
        int padding = length - RequestLine.Length - Name.Length - 4;
        return RequestLine + Name + new string('p', padding) + "\r\n\r\n";
    }
}

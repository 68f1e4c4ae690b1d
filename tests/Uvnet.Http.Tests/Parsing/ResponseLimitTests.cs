using Uvnet.Http.Parsing;

namespace Uvnet.Http.Tests.Parsing;

/// <summary>
/// The request parser's limits bound a response's head the same way: an error at the first byte beyond them, never
/// more memory; the body is never limited.
/// </summary>
public class ResponseLimitTests
{
    private const string StatusLine = "HTTP/1.1 200 OK\r\n";
    private const string ChunkedHead = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

    [Fact]
    public void AcceptsAHeadOfExactlyMaxHeaderBytes()
    {
        Assert.EndsWith("complete", ParserRun.Consistent(HeadOfLength(16 * 1024), response: true));
    }

    [Fact]
    public void RejectsAHeadOneByteOverMaxHeaderBytesAtThatByte()
    {
        Assert.EndsWith($"error:HeaderOverflow@{16 * 1024}", ParserRun.Consistent(HeadOfLength((16 * 1024) + 1), response: true));
    }

    [Fact]
    public void RejectsALongReasonPhraseAgainstTheSameBudget()
    {
        var limits = new HttpParserLimits { MaxHeaderBytes = 64 };
        string input = $"HTTP/1.1 200 {new string('r', 100)}\r\n\r\n";
        Assert.EndsWith("error:HeaderOverflow@64", ParserRun.Consistent(input, limits, response: true));
    }

    [Fact]
    public void GivesAnInterimResponseAndTheFinalOneEachTheirOwnBudget()
    {
        string final = HeadOfLength(100);
        var limits = new HttpParserLimits { MaxHeaderBytes = final.Length };
        string log = ParserRun.Consistent("HTTP/1.1 100 Continue\r\n\r\n" + final, limits, response: true);
        Assert.Equal(2, log.Split('\n').Count(line => line == "complete"));
    }

    [Fact]
    public void AcceptsMaxHeaderCountFieldsAndRejectsOneMore()
    {
        var limits = new HttpParserLimits { MaxHeaderCount = 3 };
        Assert.EndsWith("complete", ParserRun.Consistent(StatusLine + Fields(2) + "Content-Length: 0\r\n\r\n", limits, response: true));
        Assert.StartsWith("error:HeaderOverflow@", ParserRun.Consistent(StatusLine + Fields(3) + "Content-Length: 0\r\n\r\n", limits, response: true).Split('\n')[^1]);
    }

    [Fact]
    public void AppliesTheLimitsToTheTrailerSectionSeparately()
    {
        var limits = new HttpParserLimits { MaxHeaderCount = 2 };
        string chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX: 1\r\n\r\n0\r\n";
        Assert.EndsWith("complete", ParserRun.Consistent(chunked + Fields(2) + "\r\n", limits, response: true));
        Assert.StartsWith("error:HeaderOverflow@", ParserRun.Consistent(chunked + Fields(3) + "\r\n", limits, response: true).Split('\n')[^1]);
    }

    [Fact]
    public void CountsChunkExtensionsOfAllChunksAgainstOneBudgetPerResponse()
    {
        // After each ";", "a=b" and the line's CR count: 4 bytes a chunk, so 8 chunks take the budget of 32.
        var limits = new HttpParserLimits { MaxChunkExtensionBytes = 32 };
        string eight = string.Concat(Enumerable.Repeat("1;a=b\r\nx\r\n", 8));
        string response = ChunkedHead + eight + "0\r\n\r\n";
        Assert.Equal(2, ParserRun.Consistent(response + response, limits, response: true).Split('\n').Count(line => line == "complete"));
        int overflowAt = ChunkedHead.Length + eight.Length + 2;
        Assert.EndsWith($"error:ChunkExtensionsOverflow@{overflowAt}", ParserRun.Consistent(ChunkedHead + eight + "1;a=b\r\nx\r\n0\r\n\r\n", limits, response: true));
    }

    [Theory]
    [InlineData("8000000000000000", HttpParserError.InvalidChunkSize)]
    [InlineData("00000000000000000000000000000001", HttpParserError.None)]
    [InlineData("7fffffffffffffff", HttpParserError.None)]
    public void RefusesAChunkSizeThatOverflowsWhateverItsDigits(string size, HttpParserError expected)
    {
        string log = ParserRun.Whole(ChunkedHead + size + "\r\n", response: true);
        if (expected == HttpParserError.None)
        {
            Assert.EndsWith($"chunk {Convert.ToInt64(size, 16)}\neof:InvalidEofState", log);
        }
        else
        {
            Assert.StartsWith($"error:{expected}@", log.Split('\n')[^1]);
        }
    }

    [Fact]
    public void RefusesAContentLengthThatOverflows()
    {
        ParserRun.AssertStopsWith("HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\n", HttpParserError.InvalidContentLength, response: true);
        Assert.Contains("cl=9223372036854775807", ParserRun.Whole("HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\n", response: true), StringComparison.Ordinal);
    }

    [Fact]
    public void IgnoresTheMethodLengthLimit()
    {
        var limits = new HttpParserLimits { MaxMethodLength = 1 };
        Assert.EndsWith("complete", ParserRun.Consistent("HTTP/1.1 204 No Content\r\n\r\n", limits, response: true));
    }

    [Fact]
    public void NeverLimitsTheBody()
    {
        var limits = new HttpParserLimits { MaxHeaderBytes = 64 };
        string body = new('b', 100_000);
        Assert.EndsWith("complete", ParserRun.Whole($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n\r\n{body}", limits, response: true));
        Assert.EndsWith("complete", ParserRun.Whole($"HTTP/1.1 200 OK\r\n\r\n{body}", limits, response: true));
    }

    private static string Fields(int count) =>
        string.Concat(Enumerable.Range(0, count).Select(i => $"F{i}: v\r\n"));

    /// <summary>A status line and one field padded so the whole head, final CRLF included, has this length.</summary>
    private static string HeadOfLength(int length)
    {
        const string Name = "Content-Length: 0\r\nX-Pad: ";
        int padding = length - StatusLine.Length - Name.Length - 4;
        return StatusLine + Name + new string('p', padding) + "\r\n\r\n";
    }
}

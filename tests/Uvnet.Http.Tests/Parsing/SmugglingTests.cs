using Uvnet.Http.Parsing;

namespace Uvnet.Http.Tests.Parsing;

/// <summary>
/// Request smuggling (RFC 9112 §11.2): wherever two parsers could disagree on where a request ends, this one
/// either rejects the request or frames it exactly as RFC 9112 §6.1, §6.3 and §7.1 require.
/// </summary>
public class SmugglingTests
{
    public static TheoryData<string, string, HttpParserError> Rejected() => new()
    {
        { "§6.3: Content-Length then Transfer-Encoding", "POST / HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", HttpParserError.InvalidTransferEncoding },
        { "§6.3: Transfer-Encoding then Content-Length", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n", HttpParserError.InvalidContentLength },
        { "§6.3: empty Transfer-Encoding then Content-Length", "POST / HTTP/1.1\r\nTransfer-Encoding:\r\nContent-Length: 4\r\n\r\nbody", HttpParserError.InvalidContentLength },
        { "§6.3: Content-Length then empty Transfer-Encoding", "POST / HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding:\r\n\r\nbody", HttpParserError.InvalidTransferEncoding },
        { "§6.3: differing Content-Lengths", "POST / HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nbody!", HttpParserError.UnexpectedContentLength },
        { "§6.3: repeated identical Content-Length", "POST / HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nbody", HttpParserError.UnexpectedContentLength },
        { "§6.3: Content-Length as a list", "POST / HTTP/1.1\r\nContent-Length: 4, 4\r\n\r\nbody", HttpParserError.InvalidContentLength },
        { "§6.3: Transfer-Encoding whose final coding is not chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nbody", HttpParserError.InvalidTransferEncoding },
        { "§6.3: chunked followed by another coding", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", HttpParserError.InvalidTransferEncoding },
        { "§6.3: chunked in one field, another coding in a later one", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n", HttpParserError.InvalidTransferEncoding },
        { "§7.1: chunked applied twice", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", HttpParserError.InvalidTransferEncoding },
        { "§6.1: chunked with a parameter is not chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked;x=1\r\n\r\n0\r\n\r\n", HttpParserError.InvalidTransferEncoding },
        { "§6.1: a coding that only contains chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", HttpParserError.InvalidTransferEncoding },
        { "§6.1: a coding that is not a token", "POST / HTTP/1.1\r\nTransfer-Encoding: \"chunked\"\r\n\r\n0\r\n\r\n", HttpParserError.InvalidTransferEncoding },
        { "§6.1: two codings without a comma", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip chunked\r\n\r\n0\r\n\r\n", HttpParserError.InvalidTransferEncoding },
        { "§6.1: unknown coding before chunked (501)", "POST / HTTP/1.1\r\nTransfer-Encoding: pigeons, chunked\r\n\r\n0\r\n\r\n", HttpParserError.UnknownTransferEncoding },
        { "§6.1: gzip before chunked is not implemented (501)", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", HttpParserError.UnknownTransferEncoding },
        { "§6.1: registered codings in earlier fields are not implemented (501)", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: deflate , Chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n", HttpParserError.UnknownTransferEncoding },
        { "§5.1: whitespace before the colon of Transfer-Encoding", "POST / HTTP/1.1\r\nTransfer-Encoding : chunked\r\nContent-Length: 4\r\n\r\nbody", HttpParserError.InvalidHeaderToken },
        { "§5.1: whitespace before the colon of Content-Length", "POST / HTTP/1.1\r\nContent-Length : 4\r\n\r\nbody", HttpParserError.InvalidHeaderToken },
        { "§5.2: Transfer-Encoding folded onto a second line", "POST / HTTP/1.1\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n", HttpParserError.InvalidHeaderToken },
        { "§5.2: Content-Length folded onto a second line", "POST / HTTP/1.1\r\nContent-Length:\r\n 4\r\n\r\nbody", HttpParserError.InvalidContentLength },
        { "§2.2: bare CR hiding a second field", "POST / HTTP/1.1\r\nX: y\rContent-Length: 4\r\n\r\nbody", HttpParserError.LfExpected },
        { "§2.2: bare LF hiding a second field", "POST / HTTP/1.1\r\nX: y\nContent-Length: 4\r\n\r\nbody", HttpParserError.CrExpected },
        { "§2.2: bare LF in a chunk line", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\nbody\r\n0\r\n\r\n", HttpParserError.CrExpected },
        { "§7.1: chunk size too large for 63 bits", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF1\r\n", HttpParserError.InvalidChunkSize },
        { "§7.1: chunk size followed by junk", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4 junk\r\nbody\r\n0\r\n\r\n", HttpParserError.InvalidChunkSize },
        { "§7.1: chunk data not followed by CRLF", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nbody\r\n0\r\n\r\n", HttpParserError.Strict },
        { "§7.1.2: Content-Length in the trailer", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 4\r\n\r\n", HttpParserError.InvalidContentLength },
        { "§7.1.2: Transfer-Encoding in the trailer", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nTransfer-Encoding: chunked\r\n\r\n", HttpParserError.InvalidTransferEncoding },
    };

    [Theory]
    [MemberData(nameof(Rejected))]
    public void RejectsAmbiguousFraming(string name, string input, HttpParserError expected)
    {
        Assert.NotEmpty(name);
        ParserRun.AssertStopsWith(input, expected);
    }

    [Fact]
    public void FramesByContentLengthAndParsesWhatFollowsAsTheNextRequest()
    {
        string log = ParserRun.Consistent(
            "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n0\r\n\r\nGET /next HTTP/1.1\r\n\r\n");
        Assert.Contains("body:0\\r\\n\\r\\n", log);
        Assert.Contains("url:/next", log);
        Assert.Equal(2, log.Split('\n').Count(line => line == "complete"));
    }

    [Fact]
    public void FramesByChunkedAndNeverReadsPastTheLastChunk()
    {
        string log = ParserRun.Consistent(
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n0\r\n\r\n\r\n0\r\n\r\nGET /next HTTP/1.1\r\n\r\n");
        Assert.Contains("chunk 5\nbody:0\\r\\n\\r\\n\nchunk-complete\nchunk 0\nchunk-complete\ncomplete", log);
        Assert.Contains("url:/next", log);
    }

    [Fact]
    public void TreatsARequestWithoutFramingAsHavingNoBody()
    {
        string log = ParserRun.Consistent("GET / HTTP/1.1\r\n\r\nGET /second HTTP/1.1\r\n\r\n");
        Assert.DoesNotContain("body:", log);
        Assert.Contains("url:/second", log);
    }

    [Fact]
    public void ClosesAfterAnHttp10RequestWithTransferEncoding()
    {
        string log = ParserRun.Consistent(
            "POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.0\r\n\r\n");
        Assert.Contains("keepalive=False", log);
        Assert.StartsWith("error:ClosedConnection@", log.Split('\n')[^1]);
    }
}

using Uvnet.Http.Parsing;

namespace Uvnet.Http.Tests.Parsing;

/// <summary>
/// Every error class of the response parser: each input fed whole, byte by byte and in random splits must stop
/// with the same error at the same offset.
/// </summary>
public class InvalidResponseTests
{
    public static TheoryData<string, string, HttpParserError> Cases() => new()
    {
        // Status line.
        { "protocol cut short", "HTP/1.1 200 OK\r\n\r\n", HttpParserError.InvalidConstant },
        { "protocol in lower case", "http/1.1 200 OK\r\n\r\n", HttpParserError.InvalidConstant },
        { "RTSP status line", "RTSP/1.0 200 OK\r\n\r\n", HttpParserError.InvalidConstant },
        { "ICE status line", "ICE/1.0 200 OK\r\n\r\n", HttpParserError.InvalidConstant },
        { "two digits of major version", "HTTP/11.1 200 OK\r\n\r\n", HttpParserError.InvalidVersion },
        { "two digits of minor version", "HTTP/1.01 200 OK\r\n\r\n", HttpParserError.InvalidVersion },
        { "version without dot", "HTTP/1-1 200 OK\r\n\r\n", HttpParserError.InvalidVersion },
        { "HTTP/2.0", "HTTP/2.0 200 OK\r\n\r\n", HttpParserError.UnsupportedVersion },
        { "HTTP/0.9", "HTTP/0.9 200 OK\r\n\r\n", HttpParserError.UnsupportedVersion },
        { "tab after the version", "HTTP/1.1\t200 OK\r\n\r\n", HttpParserError.InvalidVersion },
        { "no status code", "HTTP/1.1\r\n\r\n", HttpParserError.InvalidVersion },
        { "two spaces before the status code", "HTTP/1.1  200 OK\r\n\r\n", HttpParserError.InvalidStatus },
        { "one-digit status code", "HTTP/1.1 2 OK\r\n\r\n", HttpParserError.InvalidStatus },
        { "four-digit status code", "HTTP/1.1 2000 OK\r\n\r\n", HttpParserError.InvalidStatus },
        { "reason right after the code", "HTTP/1.1 200OK\r\n\r\n", HttpParserError.InvalidStatus },
        { "tab after the code", "HTTP/1.1 200\tOK\r\n\r\n", HttpParserError.InvalidStatus },
        { "bare LF after the code", "HTTP/1.1 200\nContent-Length: 0\r\n\r\n", HttpParserError.InvalidStatus },
        { "bare LF after the reason", "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", HttpParserError.CrExpected },
        { "bare CR after the reason", "HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n", HttpParserError.Strict },
        { "control character in the reason", "HTTP/1.1 200 O\x01K\r\n\r\n", HttpParserError.InvalidStatus },
        { "DEL in the reason", "HTTP/1.1 200 OK\x7F\r\n\r\n", HttpParserError.InvalidStatus },
        { "bare CR before the status line", "\rHTTP/1.1 200 OK\r\n\r\n", HttpParserError.Strict },

        // Header fields: the request parser's code, so one case of each kind.
        { "space before the first field", "HTTP/1.1 200 OK\r\n Server: a\r\n\r\n", HttpParserError.UnexpectedSpace },
        { "obsolete line folding", "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", HttpParserError.InvalidHeaderToken },
        { "whitespace between name and colon", "HTTP/1.1 200 OK\r\nServer : a\r\n\r\n", HttpParserError.InvalidHeaderToken },
        { "control character in a value", "HTTP/1.1 200 OK\r\nX: a\x01\r\n\r\n", HttpParserError.InvalidHeaderToken },
        { "fields separated by a bare CR", "HTTP/1.1 200 OK\r\nFoo: 1\rBar: 2\r\n\r\n", HttpParserError.LfExpected },

        // Framing: a response two parsers could frame differently.
        { "Content-Length then Transfer-Encoding", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", HttpParserError.InvalidTransferEncoding },
        { "Transfer-Encoding then Content-Length", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", HttpParserError.InvalidContentLength },
        { "two different Content-Lengths", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", HttpParserError.UnexpectedContentLength },
        { "two equal Content-Lengths", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", HttpParserError.UnexpectedContentLength },
        { "a Content-Length list", "HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc", HttpParserError.InvalidContentLength },
        { "a negative Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", HttpParserError.InvalidContentLength },
        { "an empty Content-Length", "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", HttpParserError.InvalidContentLength },
        { "a Content-Length that overflows", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", HttpParserError.InvalidContentLength },
        { "chunked followed by another coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", HttpParserError.InvalidTransferEncoding },
        { "chunked followed by another coding in a second field", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", HttpParserError.InvalidTransferEncoding },
        { "chunked twice", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", HttpParserError.InvalidTransferEncoding },
        { "Content-Length in the trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 1\r\n\r\n", HttpParserError.InvalidContentLength },
        { "Transfer-Encoding in the trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nTransfer-Encoding: chunked\r\n\r\n", HttpParserError.InvalidTransferEncoding },
        { "chunk size not hex", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nz\r\n", HttpParserError.InvalidChunkSize },
        { "space after the chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1 \r\na\r\n0\r\n\r\n", HttpParserError.InvalidChunkSize },
        { "chunk data longer than its size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n", HttpParserError.Strict },

        // Connection management.
        { "data after Connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", HttpParserError.ClosedConnection },
        { "data after an HTTP/1.0 response without keep-alive", "HTTP/1.0 204 No Content\r\n\r\nHTTP/1.0 204 No Content\r\n\r\n", HttpParserError.ClosedConnection },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ParsesTheSameSplitInTwoAtEveryPoint(string name, string input, HttpParserError expected)
    {
        Assert.NotEmpty(name);
        Assert.NotEqual(HttpParserError.None, expected);
        ParserRun.AssertEverySplitPointAgrees(input, response: true);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void StopsWithTheSameErrorWholeByteByByteAndInRandomSplits(string name, string input, HttpParserError expected)
    {
        Assert.NotEmpty(name);
        ParserRun.AssertStopsWith(input, expected, response: true);
    }

    [Fact]
    public void AStatusBelow100IsNotInterimSoItsConnectionCloseEndsTheConnection()
    {
        // Only 1xx is interim (RFC 9110 §15.2): a 099 has a body like any final response, and its Connection: close
        // holds, as llhttp's does; nothing may follow it.
        string log = ParserRun.Consistent("HTTP/1.1 099 Odd\r\nConnection: close\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\n\r\n", response: true);
        Assert.EndsWith("body:a\ncomplete\nerror:ClosedConnection@59", log);
    }

    [Theory]
    [InlineData("HTP/1.1 200 OK\r\n\r\n", 2)]
    [InlineData("HTTP/5.6 200 OK\r\n\r\n", 8)]
    [InlineData("HTTP/1.1 2 OK\r\n\r\n", 10)]
    [InlineData("HTTP/1.1 200 OK\rX", 16)]
    [InlineData("HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nX: \x01\r\n\r\n", 47)]
    public void ReportsTheOffsetOfTheOffendingByteFromTheStartOfTheStream(string input, long offset)
    {
        string last = ParserRun.Consistent(input, response: true).Split('\n')[^1];
        Assert.EndsWith($"@{offset}", last);
    }
}

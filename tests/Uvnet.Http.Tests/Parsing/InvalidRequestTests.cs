using Uvnet.Http.Parsing;

namespace Uvnet.Http.Tests.Parsing;

/// <summary>
/// Every error class of the parser, in the style of llhttp's invalid-request tests: each input fed whole, byte
/// by byte and in random splits must stop with the same error at the same offset.
/// </summary>
public class InvalidRequestTests
{
    public static TheoryData<string, string, HttpParserError> Cases() => new()
    {
        // Request line.
        { "empty method", " / HTTP/1.1\r\n\r\n", HttpParserError.InvalidMethod },
        { "method not a token", "G(T / HTTP/1.1\r\n\r\n", HttpParserError.InvalidMethod },
        { "tab after the method", "GET\t/ HTTP/1.1\r\n\r\n", HttpParserError.InvalidMethod },
        { "two spaces before the target", "GET  / HTTP/1.1\r\n\r\n", HttpParserError.InvalidUrl },
        { "control character in the target", "GET /a\x01" + "b HTTP/1.1\r\n\r\n", HttpParserError.InvalidUrl },
        { "DEL in the target", "GET /a\x7F HTTP/1.1\r\n\r\n", HttpParserError.InvalidUrl },
        { "raw UTF-8 in the target", "GET /\xCE\xB4 HTTP/1.1\r\n\r\n", HttpParserError.InvalidUrl },
        { "target neither origin, absolute nor asterisk form", "GET ?q HTTP/1.1\r\n\r\n", HttpParserError.InvalidUrl },
        { "scheme without //", "GET http:/x HTTP/1.1\r\n\r\n", HttpParserError.InvalidUrl },
        { "two @ in the authority", "GET http://a@b@c/ HTTP/1.1\r\n\r\n", HttpParserError.InvalidUrl },
        { "CONNECT without an authority", "CONNECT /x HTTP/1.1\r\n\r\n", HttpParserError.InvalidUrl },
        { "HTTP/0.9 request line ending in a bare LF", "GET /\n\r\n", HttpParserError.InvalidVersion },
        { "HTTP/0.9 request line ending in a bare CR", "GET /\rHost: a\r\n\r\n", HttpParserError.Strict },
        { "protocol neither HTTP, RTSP nor ICE", "GET / FTP/1.0\r\n\r\n", HttpParserError.InvalidConstant },
        { "protocol that only starts as HTTP", "GET / HTTX/1.1\r\n\r\n", HttpParserError.InvalidConstant },
        { "RTSP with a method RTSP lacks", "PUT / RTSP/1.0\r\n\r\n", HttpParserError.InvalidConstant },
        { "ICE with a method other than SOURCE", "GET / ICE/1.0\r\n\r\n", HttpParserError.InvalidConstant },
        { "RTSP/2.0", "OPTIONS * RTSP/2.0\r\n\r\n", HttpParserError.UnsupportedVersion },
        { "protocol in lower case", "GET / http/1.1\r\n\r\n", HttpParserError.InvalidConstant },
        { "version without dot", "GET / HTTP/1-1\r\n\r\n", HttpParserError.InvalidVersion },
        { "version with two digits", "GET / HTTP/1.10\r\n\r\n", HttpParserError.InvalidVersion },
        { "space after the version", "GET / HTTP/1.1 \r\n\r\n", HttpParserError.InvalidVersion },
        { "bare LF after the request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", HttpParserError.InvalidVersion },
        { "bare CR after the request line", "GET / HTTP/1.1\rHost: a\r\n\r\n", HttpParserError.Strict },
        { "HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", HttpParserError.UnsupportedVersion },
        { "HTTP/0.9 version", "GET / HTTP/0.9\r\n\r\n", HttpParserError.UnsupportedVersion },
        { "HTTP/2 connection preface", "PRI * HTTP/1.1\r\n\r\nSM\r\n\r\n", HttpParserError.InvalidMethod },
        { "bare CR before the request line", "\rGET / HTTP/1.1\r\n\r\n", HttpParserError.Strict },

        // Header fields.
        { "space before the first field", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", HttpParserError.UnexpectedSpace },
        { "tab before the first field", "GET / HTTP/1.1\r\n\tHost: a\r\n\r\n", HttpParserError.InvalidHeaderToken },
        { "whitespace between name and colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", HttpParserError.InvalidHeaderToken },
        { "tab between name and colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", HttpParserError.InvalidHeaderToken },
        { "space inside a name", "GET / HTTP/1.1\r\nHo st: a\r\n\r\n", HttpParserError.InvalidHeaderToken },
        { "empty name", "GET / HTTP/1.1\r\n: a\r\n\r\n", HttpParserError.InvalidHeaderToken },
        { "separator in a name", "GET / HTTP/1.1\r\nFo@: a\r\n\r\n", HttpParserError.InvalidHeaderToken },
        { "name without colon", "GET / HTTP/1.1\r\nHost\r\n\r\n", HttpParserError.InvalidHeaderToken },
        { "NUL in a value", "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", HttpParserError.InvalidHeaderToken },
        { "DEL in a value", "GET / HTTP/1.1\r\nX: a\x7F" + "b\r\n\r\n", HttpParserError.InvalidHeaderToken },
        { "control character in a Connection value", "GET / HTTP/1.1\r\nConnection: clo\x01se\r\n\r\n", HttpParserError.InvalidHeaderToken },
        { "bare CR in a value", "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", HttpParserError.LfExpected },
        { "bare LF ending a field line", "GET / HTTP/1.1\r\nX: a\nY: b\r\n\r\n", HttpParserError.CrExpected },
        { "bare LF ending an empty value", "GET / HTTP/1.1\r\nX:\nY: b\r\n\r\n", HttpParserError.InvalidHeaderToken },
        { "bare CR ending an empty value", "GET / HTTP/1.1\r\nX:\rY: b\r\n\r\n", HttpParserError.Strict },
        { "obsolete line folding", "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", HttpParserError.InvalidHeaderToken },
        { "bare LF ending the header section", "GET / HTTP/1.1\r\nX: a\r\n\n", HttpParserError.InvalidHeaderToken },
        { "bare CR ending the header section", "GET / HTTP/1.1\r\nX: a\r\n\rX", HttpParserError.Strict },

        // Content-Length.
        { "Content-Length not a number", "POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n", HttpParserError.InvalidContentLength },
        { "Content-Length with a sign", "POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello", HttpParserError.InvalidContentLength },
        { "Content-Length negative", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", HttpParserError.InvalidContentLength },
        { "Content-Length in hex", "POST / HTTP/1.1\r\nContent-Length: 0x5\r\n\r\nhello", HttpParserError.InvalidContentLength },
        { "Content-Length with a fraction", "POST / HTTP/1.1\r\nContent-Length: 5.0\r\n\r\nhello", HttpParserError.InvalidContentLength },
        { "Content-Length with inner space", "POST / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n", HttpParserError.InvalidContentLength },
        { "Content-Length empty", "POST / HTTP/1.1\r\nContent-Length:  \r\n\r\n", HttpParserError.InvalidContentLength },
        { "Content-Length overflowing 63 bits", "POST / HTTP/1.1\r\nContent-Length: 9223372036854775808\r\n\r\n", HttpParserError.InvalidContentLength },

        // Chunked bodies.
        { "chunk size not hex", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\ng\r\n", HttpParserError.InvalidChunkSize },
        { "chunk size with a sign", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n", HttpParserError.InvalidChunkSize },
        { "chunk size in 0x form", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n", HttpParserError.InvalidChunkSize },
        { "space before a chunk size", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n", HttpParserError.InvalidChunkSize },
        { "space after a chunk size", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n", HttpParserError.InvalidChunkSize },
        { "junk after a chunk size", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5x\r\nhello\r\n0\r\n\r\n", HttpParserError.InvalidChunkSize },
        { "chunk size overflowing 63 bits", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8000000000000000\r\n", HttpParserError.InvalidChunkSize },
        { "bare LF after a chunk size", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", HttpParserError.CrExpected },
        { "bare CR after a chunk size", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\rhello\r\n0\r\n\r\n", HttpParserError.Strict },
        { "chunk data longer than its size", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello!\r\n0\r\n\r\n", HttpParserError.Strict },
        { "bare LF after chunk data", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n", HttpParserError.CrExpected },
        { "bare CR after chunk data", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r0\r\n\r\n", HttpParserError.Strict },
        { "empty chunk extension", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;\r\nhello\r\n0\r\n\r\n", HttpParserError.Strict },
        { "space in a chunk extension", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5; a=b\r\nhello\r\n0\r\n\r\n", HttpParserError.Strict },
        { "chunk extension with an empty value", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\r\nhello\r\n0\r\n\r\n", HttpParserError.Strict },
        { "unterminated quoted chunk extension", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\"b\r\nhello\r\n0\r\n\r\n", HttpParserError.Strict },
        { "control character in a quoted-pair", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\"\\\x01\"\r\nhello\r\n0\r\n\r\n", HttpParserError.Strict },
        { "junk after a quoted chunk extension", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\"b\"c\r\nhello\r\n0\r\n\r\n", HttpParserError.Strict },
        { "missing last chunk", "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nfoo\r\n\r\n", HttpParserError.InvalidChunkSize },
        { "obsolete folding in a trailer", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: b\r\n c\r\n\r\n", HttpParserError.InvalidHeaderToken },
        { "space before the first trailer", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n A: b\r\n\r\n", HttpParserError.InvalidHeaderToken },

        // Connection management.
        { "data after Connection: close", "GET / HTTP/1.1\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\n\r\n", HttpParserError.ClosedConnection },
        { "data after an HTTP/1.0 request without keep-alive", "GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n", HttpParserError.ClosedConnection },
        { "data after an HTTP/0.9 request", "GET /\r\n\r\nGET / HTTP/1.1\r\n\r\n", HttpParserError.ClosedConnection },
        { "data after an RTSP request with keep-alive", "OPTIONS * RTSP/1.0\r\nConnection: keep-alive\r\n\r\nOPTIONS * RTSP/1.0\r\n\r\n", HttpParserError.ClosedConnection },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void StopsWithTheSameErrorWholeByteByByteAndInRandomSplits(string name, string input, HttpParserError expected)
    {
        Assert.NotEmpty(name);
        ParserRun.AssertStopsWith(input, expected);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nFo@: a\r\n\r\n", 18)]
    [InlineData("GET / HTTP/5.6\r\n\r\n", 14)]
    [InlineData("\r\n\r\nGET / HTTP/1.1\r\nX: a\rb\r\n\r\n", 25)]
    [InlineData("GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nX: \x01\r\n\r\n", 37)]
    public void ReportsTheOffsetOfTheOffendingByteFromTheStartOfTheStream(string input, long offset)
    {
        string last = ParserRun.Consistent(input).Split('\n')[^1];
        Assert.EndsWith($"@{offset}", last);
    }
}

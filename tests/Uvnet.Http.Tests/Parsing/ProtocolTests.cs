using Uvnet.Http.Parsing;

namespace Uvnet.Http.Tests.Parsing;

/// <summary>
/// What lets a server refuse what it must not serve: only HTTP/1.0 and HTTP/1.1 requests are <c>IsHttp1</c>; the
/// RTSP, ICE and HTTP/0.9 requests the parser recognises (as llhttp does) are not, and are never kept alive.
/// </summary>
public class ProtocolTests
{
    [Theory]
    [InlineData("GET / HTTP/1.1\r\n\r\n", HttpProtocol.Http, 1, 1, true)]
    [InlineData("GET / HTTP/1.0\r\n\r\n", HttpProtocol.Http, 1, 0, true)]
    [InlineData("GET /\r\n\r\n", HttpProtocol.Http, 0, 9, false)]
    [InlineData("GET / RTSP/1.0\r\n\r\n", HttpProtocol.Rtsp, 1, 0, false)]
    [InlineData("SOURCE / ICE/1.0\r\n\r\n", HttpProtocol.Ice, 1, 0, false)]
    public void ReportsTheProtocolAndWhetherTheRequestIsHttp1(
        string input, HttpProtocol protocol, int major, int minor, bool isHttp1)
    {
        var parser = new HttpRequestParser();
        var handler = new RecordingHandler(parser);

        HttpParserError error = parser.Execute(ref handler, ParserRun.Bytes(input), out _);

        Assert.Equal(HttpParserError.None, error);
        Assert.Equal(protocol, parser.Protocol);
        Assert.Equal(major, parser.VersionMajor);
        Assert.Equal(minor, parser.VersionMinor);
        Assert.Equal(isHttp1, parser.IsHttp1);
        Assert.True(isHttp1 || !parser.ShouldKeepAlive);
    }
}

using Uvnet.Http.Parsing;

namespace Uvnet.Http.Tests.Parsing;

/// <summary>
/// The request line's rules beyond its grammar (RFC 9112 §3, RFC 9110 §2.5): a higher HTTP/1.x minor version, the
/// asterisk-form, and the method's length. Every input is fed whole, byte by byte and in random splits.
/// </summary>
public class RequestLineRulesTests
{
    private const string Head = "headers Get 1.1 flags=None cl=0 keepalive=True upgrade=False";

    [Theory]
    [InlineData("1.2")]
    [InlineData("1.9")]
    public void AHigherHttp1MinorVersionIsParsedAsHttp11(string version)
    {
        string log = ParserRun.Consistent($"GET / HTTP/{version}\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\n\r\n");

        Assert.Equal($"begin\nmethod:GET\nurl:/\nfield:Host\nvalue:a\n{Head}\ncomplete\nbegin\nmethod:GET\nurl:/b\n{Head}\ncomplete", log);
    }

    [Theory]
    [InlineData("GET / HTTP/2.0\r\n\r\n")]
    [InlineData("GET / HTTP/0.9\r\n\r\n")]
    [InlineData("OPTIONS * RTSP/1.2\r\n\r\n")]
    public void OtherMajorVersionsAndOtherProtocolsMinorsStayUnsupported(string input) =>
        ParserRun.AssertStopsWith(input, HttpParserError.UnsupportedVersion);

    [Theory]
    [InlineData("GET * HTTP/1.1\r\n\r\n", 4)]
    [InlineData("HEAD * HTTP/1.1\r\n\r\n", 5)]
    [InlineData("CUSTOM * HTTP/1.1\r\n\r\n", 7)]
    [InlineData("OPTIONS *x HTTP/1.1\r\n\r\n", 9)]
    [InlineData("OPTIONS */ HTTP/1.1\r\n\r\n", 9)]
    public void TheAsteriskFormIsOnlyForOptionsAndOnlyAlone(string input, int offset) =>
        Assert.EndsWith($"error:InvalidUrl@{offset}", ParserRun.Consistent(input));

    [Fact]
    public void OptionsWithTheAsteriskFormIsAccepted() =>
        Assert.EndsWith("complete", ParserRun.Consistent("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"));

    [Fact]
    public void AMethodAsLongAsTheLimitIsAccepted()
    {
        string method = new('M', HttpParserLimits.Default.MaxMethodLength);

        Assert.EndsWith("complete", ParserRun.Consistent($"{method} / HTTP/1.1\r\nHost: a\r\n\r\n"));
    }

    [Fact]
    public void AMethodLongerThanTheLimitStopsAtItsFirstByteBeyond()
    {
        int limit = HttpParserLimits.Default.MaxMethodLength;
        string method = new('M', limit);

        // No need for the rest of the request line: the byte after the limit decides.
        Assert.Equal($"begin\nmethod:{method}\nerror:MethodOverflow@{limit}", ParserRun.Consistent(method + "M"));
        Assert.EndsWith($"error:MethodOverflow@{limit}", ParserRun.Consistent($"{method}M / HTTP/1.1\r\n\r\n"));
    }

    [Fact]
    public void TheMethodLimitIsConfigurable()
    {
        var limits = new HttpParserLimits { MaxMethodLength = 3 };

        Assert.EndsWith("complete", ParserRun.Consistent("GET / HTTP/1.1\r\n\r\n", limits));
        Assert.EndsWith("error:MethodOverflow@3", ParserRun.Consistent("POST / HTTP/1.1\r\n\r\n", limits));
        Assert.EndsWith("error:MethodOverflow@5", ParserRun.Consistent("\r\nPOST / HTTP/1.1\r\n\r\n", limits));
    }
}

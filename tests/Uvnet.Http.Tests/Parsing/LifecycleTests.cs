using Uvnet.Http.Parsing;

namespace Uvnet.Http.Tests.Parsing;

/// <summary>Errors persist until Reset; Finish tells a clean end from a truncated one; misuse is refused.</summary>
public class LifecycleTests
{
    [Fact]
    public void StaysInErrorUntilReset()
    {
        var parser = new HttpRequestParser();
        var handler = new RecordingHandler(parser);
        Assert.Equal(HttpParserError.InvalidMethod, parser.Execute(ref handler, " x"u8, out _));
        Assert.Equal(HttpParserError.InvalidMethod, parser.Execute(ref handler, "GET / HTTP/1.1\r\n\r\n"u8, out int consumed));
        Assert.Equal(0, consumed);
        Assert.Equal("Invalid method encountered", parser.ErrorReason);

        parser.Reset();
        Assert.Equal(HttpParserError.None, parser.Error);
        Assert.Null(parser.ErrorReason);
        Assert.Equal(HttpParserError.None, parser.Execute(ref handler, "GET / HTTP/1.1\r\n\r\n"u8, out _));
        Assert.Equal(18, parser.BytesConsumed);
    }

    [Theory]
    [InlineData("", HttpParserError.None)]
    [InlineData("GET / HTTP/1.1\r\n\r\n\r\n", HttpParserError.None)]
    [InlineData("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", HttpParserError.None)]
    [InlineData("GET / HTT", HttpParserError.InvalidEofState)]
    [InlineData("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabc", HttpParserError.InvalidEofState)]
    [InlineData("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n", HttpParserError.InvalidEofState)]
    public void FinishSaysWhetherTheStreamMayEndHere(string input, HttpParserError expected)
    {
        var parser = new HttpRequestParser();
        var handler = new RecordingHandler(parser);
        Assert.Equal(HttpParserError.None, parser.Execute(ref handler, ParserRun.Bytes(input), out _));
        Assert.Equal(expected, parser.Finish());
        Assert.Equal(expected, parser.Error);
    }

    [Fact]
    public void ACallbackThatThrowsLeavesTheParserInUserError()
    {
        var parser = new HttpRequestParser();
        var handler = new RecordingHandler(parser) { ThrowIn = "url" };
        Assert.Throws<InvalidOperationException>(() => parser.Execute(ref handler, "GET / HTTP/1.1\r\n\r\n"u8, out _));
        Assert.Equal(HttpParserError.User, parser.Error);
        handler.ThrowIn = null;
        Assert.Equal(HttpParserError.User, parser.Execute(ref handler, "GET / HTTP/1.1\r\n\r\n"u8, out _));
    }

    [Fact]
    public void RefusesExecuteAndResetFromItsOwnCallbacks()
    {
        var parser = new HttpRequestParser();
        var handler = new RecordingHandler(parser) { ResetIn = "begin" };
        Assert.Throws<InvalidOperationException>(() => parser.Execute(ref handler, "GET / HTTP/1.1\r\n\r\n"u8, out _));
        Assert.Equal(HttpParserError.User, parser.Error);
    }

    [Fact]
    public void ReportsMethodVersionAndFramingAtHeadersComplete()
    {
        var parser = new HttpRequestParser();
        var handler = new RecordingHandler(parser);
        parser.Execute(ref handler, "DELETE /x HTTP/1.0\r\nContent-Length: 7\r\n\r\n"u8, out _);
        Assert.Equal(HttpRequestMethod.Delete, parser.Method);
        Assert.Equal((1, 0), (parser.VersionMajor, parser.VersionMinor));
        Assert.Equal(7, parser.ContentLength);
        Assert.Equal(HttpParserFlags.ContentLength, parser.Flags);
        Assert.False(parser.ShouldKeepAlive);
    }
}

using Uvnet.Http.Parsing;

namespace Uvnet.Http.Tests.Parsing;

/// <summary>
/// The response parser's life: Finish completes a close-delimited body or refuses a cut one; the headers-complete
/// actions a client needs (SkipBody for HEAD, Upgrade for CONNECT); pauses; errors; misuse.
/// </summary>
public class ResponseLifecycleTests
{
    private const string Pipeline = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\nto the close";

    [Theory]
    [InlineData("", HttpParserError.None, "")]
    [InlineData("HTTP/1.1 204 No Content\r\n\r\n\r\n", HttpParserError.None, "complete")]
    [InlineData("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", HttpParserError.None, "complete")]
    [InlineData("HTTP/1.1 200 OK\r\n\r\n", HttpParserError.None, "complete")]
    [InlineData("HTTP/1.1 200 OK\r\n\r\npartial", HttpParserError.None, "complete")]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\n\r\nxyz", HttpParserError.None, "complete")]
    [InlineData("HTTP/1.1 2", HttpParserError.InvalidEofState, "begin")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc", HttpParserError.InvalidEofState, "body:abc")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n", HttpParserError.InvalidEofState, "chunk 0")]
    public void FinishCompletesACloseDelimitedBodyAndRefusesACutResponse(string input, HttpParserError expected, string lastEvent)
    {
        var parser = new HttpResponseParser();
        var handler = new RecordingHandler(parser);
        HttpParserError error = parser.Execute(ref handler, ParserRun.Bytes(input), out _);
        Assert.True(error is HttpParserError.None or HttpParserError.PausedUpgrade);
        Assert.Equal(expected, parser.Finish(ref handler));
        Assert.Equal(lastEvent, handler.Log.LastOrDefault() ?? "");
        if (expected != HttpParserError.None)
        {
            Assert.Equal(expected, parser.Error);
        }
    }

    [Fact]
    public void FinishCompletesACloseDelimitedResponseOnce()
    {
        var parser = new HttpResponseParser();
        var handler = new RecordingHandler(parser);
        parser.Execute(ref handler, "HTTP/1.1 200 OK\r\n\r\nbody"u8, out _);
        Assert.Equal(HttpParserError.None, parser.Finish(ref handler));
        Assert.Equal(HttpParserError.None, parser.Finish(ref handler));
        Assert.Single(handler.Log, line => line == "complete");
        Assert.False(parser.ShouldKeepAlive);
        Assert.Equal(HttpParserError.ClosedConnection, parser.Execute(ref handler, "x"u8, out _));
    }

    [Fact]
    public void FinishCompletesACloseDelimitedResponseWhilePaused()
    {
        var parser = new HttpResponseParser();
        var handler = new RecordingHandler(parser) { PauseIn = "body" };
        Assert.Equal(HttpParserError.Paused, parser.Execute(ref handler, "HTTP/1.1 200 OK\r\n\r\nbody"u8, out int consumed));
        Assert.Equal(23, consumed);
        Assert.Equal(HttpParserError.None, parser.Finish(ref handler));
        Assert.Equal("complete", handler.Log[^1]);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\n\r\n", "headers", HttpParserError.None)]
    [InlineData("HTTP/1.1 204 No Content\r\n\r\n", "headers", HttpParserError.None)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", "body", HttpParserError.None)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", "headers", HttpParserError.InvalidEofState)]
    public void FinishCompletesAResponseLeftPendingByAPause(string input, string pauseIn, HttpParserError expected)
    {
        var parser = new HttpResponseParser();
        var handler = new RecordingHandler(parser) { PauseIn = pauseIn };
        Assert.Equal(HttpParserError.Paused, parser.Execute(ref handler, ParserRun.Bytes(input), out int consumed));
        Assert.Equal(input.Length, consumed);
        Assert.Equal(expected, parser.Finish(ref handler));
        Assert.Equal(expected == HttpParserError.None, handler.Log[^1] == "complete");
        Assert.Single(handler.Log, line => line.StartsWith("headers", StringComparison.Ordinal));
    }

    [Fact]
    public void FinishRefusesToBeCalledFromACallback()
    {
        var parser = new HttpResponseParser();
        var handler = new RecordingHandler(parser) { FinishIn = "complete" };
        Assert.Throws<InvalidOperationException>(() => parser.Execute(ref handler, "HTTP/1.1 204 No Content\r\n\r\n"u8, out _));
        Assert.Equal(HttpParserError.User, parser.Error);
    }

    [Fact]
    public void ACallbackThatThrowsInFinishLeavesTheParserInUserError()
    {
        var parser = new HttpResponseParser();
        var handler = new RecordingHandler(parser);
        parser.Execute(ref handler, "HTTP/1.1 200 OK\r\n\r\nbody"u8, out _);
        handler.ThrowIn = "complete";
        Assert.Throws<InvalidOperationException>(() => parser.Finish(ref handler));
        Assert.Equal(HttpParserError.User, parser.Error);
        Assert.Equal(HttpParserError.User, parser.Finish(ref handler));
    }

    [Fact]
    public void SkipBodyForAResponseToHeadIgnoresItsFramingAndKeepsTheConnection()
    {
        string log = Feed("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", out HttpResponseParser parser, HeadersCompleteAction.SkipBody);
        Assert.Equal(3, log.Split('\n').Count(line => line == "complete"));
        Assert.DoesNotContain("body", log, StringComparison.Ordinal);
        Assert.True(parser.ShouldKeepAlive);
        Assert.Equal(HttpParserFlags.SkipBody, parser.Flags & HttpParserFlags.SkipBody);
    }

    [Fact]
    public void UpgradeForA2xxToConnectStopsAtTheHead()
    {
        string input = "HTTP/1.1 200 Connection Established\r\n\r\n\x16\x03\x01";
        string log = Feed(input, out HttpResponseParser parser, HeadersCompleteAction.Upgrade);
        Assert.EndsWith($"complete\nupgrade@{input.Length - 3}", log);
        Assert.True(parser.IsUpgrade);
        Assert.Equal(HttpParserError.PausedUpgrade, parser.Error);
    }

    [Fact]
    public void ResumeAfterUpgradeReadsTheNextResponse()
    {
        const string Switching = "HTTP/1.1 101 Switching Protocols\r\n\r\n";
        Assert.EndsWith($"upgrade@{Switching.Length}", Feed(Switching + "HTTP/1.1 204 No Content\r\n\r\n", out HttpResponseParser parser));
        parser.ResumeAfterUpgrade();
        var handler = new RecordingHandler(parser);
        Assert.Equal(HttpParserError.None, parser.Execute(ref handler, "HTTP/1.1 204 No Content\r\n\r\n"u8, out _));
        Assert.Equal(["begin", "status:No Content", "headers 204 1.1 flags=None cl=0 keepalive=True upgrade=False", "complete"], handler.Log);
    }

    [Theory]
    [InlineData("begin")]
    [InlineData("status")]
    [InlineData("field")]
    [InlineData("value")]
    [InlineData("headers")]
    [InlineData("body")]
    [InlineData("complete")]
    public void PausingInAnyCallbackAndResumingReportsTheSame(string callback)
    {
        string expected = ParserRun.Whole(Pipeline, response: true);
        Assert.Equal(expected, Feed(Pipeline, out _, pauseIn: callback));
        Assert.Equal(expected, Feed(Pipeline, out _, pauseIn: callback, sizes: [1]));
    }

    [Fact]
    public void PauseFromHeadersCompleteThenResumeReportsTheSame() =>
        Assert.Equal(ParserRun.Whole(Pipeline, response: true), Feed(Pipeline, out _, HeadersCompleteAction.Pause, sizes: [1]));

    [Fact]
    public void StaysInErrorUntilReset()
    {
        var parser = new HttpResponseParser();
        var handler = new RecordingHandler(parser);
        Assert.Equal(HttpParserError.InvalidConstant, parser.Execute(ref handler, "HTTX"u8, out _));
        Assert.Equal(HttpParserError.InvalidConstant, parser.Execute(ref handler, "HTTP/1.1 204 No Content\r\n\r\n"u8, out int consumed));
        Assert.Equal(0, consumed);
        Assert.Equal(HttpParserError.InvalidConstant, parser.Finish(ref handler));

        parser.Reset();
        Assert.Equal(HttpParserError.None, parser.Error);
        Assert.Null(parser.ErrorReason);
        Assert.Equal(0, parser.StatusCode);
        Assert.Equal(HttpParserError.None, parser.Execute(ref handler, "HTTP/1.1 204 No Content\r\n\r\n"u8, out _));
        Assert.Equal(27, parser.BytesConsumed);
    }

    [Fact]
    public void ACallbackThatThrowsLeavesTheParserInUserError()
    {
        var parser = new HttpResponseParser();
        var handler = new RecordingHandler(parser) { ThrowIn = "status" };
        Assert.Throws<InvalidOperationException>(() => parser.Execute(ref handler, "HTTP/1.1 200 OK\r\n\r\n"u8, out _));
        Assert.Equal(HttpParserError.User, parser.Error);
    }

    [Fact]
    public void RefusesExecuteAndResetFromItsOwnCallbacks()
    {
        var parser = new HttpResponseParser();
        var handler = new RecordingHandler(parser) { ResetIn = "headers" };
        Assert.Throws<InvalidOperationException>(() => parser.Execute(ref handler, "HTTP/1.1 200 OK\r\n\r\n"u8, out _));
        Assert.Equal(HttpParserError.User, parser.Error);
    }

    [Fact]
    public void ReportsStatusVersionAndFramingAtHeadersComplete()
    {
        var parser = new HttpResponseParser();
        var handler = new RecordingHandler(parser) { PauseIn = "headers" };
        parser.Execute(ref handler, "HTTP/1.0 404 Not Found\r\nContent-Length: 7\r\nConnection: keep-alive\r\n\r\n"u8, out _);
        Assert.Equal(404, parser.StatusCode);
        Assert.Equal((1, 0), (parser.VersionMajor, parser.VersionMinor));
        Assert.Equal(7, parser.ContentLength);
        Assert.Equal(HttpParserFlags.ContentLength | HttpParserFlags.ConnectionKeepAlive, parser.Flags);
        Assert.True(parser.ShouldKeepAlive);
        Assert.False(parser.IsUpgrade);
    }

    [Fact]
    public void RefusesNullLimits()
    {
        Assert.Throws<ArgumentNullException>(() => new HttpResponseParser(null!));
    }

    private static string Feed(string input, out HttpResponseParser parser, HeadersCompleteAction action = HeadersCompleteAction.Continue, string? pauseIn = null, int[]? sizes = null)
    {
        parser = new HttpResponseParser();
        var handler = new RecordingHandler(parser) { OnHeadersCompleteReturns = action, PauseIn = pauseIn };
        return ParserRun.Feed(parser, ref handler, ParserRun.Bytes(input), sizes ?? [int.MaxValue]);
    }
}

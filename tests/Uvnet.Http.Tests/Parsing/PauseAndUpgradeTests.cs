using Uvnet.Http.Parsing;

namespace Uvnet.Http.Tests.Parsing;

/// <summary>Pausing from callbacks and from headers complete, skipping bodies, and upgrades.</summary>
public class PauseAndUpgradeTests
{
    private const string Request = "POST /p HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /next HTTP/1.1\r\n\r\n";

    [Theory]
    [InlineData("begin")]
    [InlineData("method")]
    [InlineData("url")]
    [InlineData("field")]
    [InlineData("value")]
    [InlineData("headers")]
    [InlineData("body")]
    [InlineData("complete")]
    public void PausingInAnyCallbackAndResumingReportsTheSame(string callback)
    {
        string expected = ParserRun.Whole(Request);
        var parser = new HttpRequestParser();
        var handler = new RecordingHandler(parser) { PauseIn = callback };
        Assert.Equal(expected, ParserRun.Feed(parser, ref handler, ParserRun.Bytes(Request), [int.MaxValue]));
    }

    [Fact]
    public void PausesAfterTheElementTheCallbackReported()
    {
        var parser = new HttpRequestParser();
        var handler = new RecordingHandler(parser) { PauseIn = "url" };
        byte[] input = ParserRun.Bytes(Request);
        Assert.Equal(HttpParserError.Paused, parser.Execute(ref handler, input, out int consumed));
        Assert.Equal("POST /p ".Length, consumed);
        Assert.Equal(HttpParserError.Paused, parser.Execute(ref handler, input.AsSpan(consumed), out int none));
        Assert.Equal(0, none);
        parser.Resume();
        Assert.Equal(HttpParserError.Paused, parser.Execute(ref handler, input.AsSpan(consumed), out int untilNextUrl));
        Assert.Equal(Request.IndexOf("GET /next ", StringComparison.Ordinal) + "GET /next ".Length, consumed + untilNextUrl);
    }

    [Fact]
    public void PauseFromHeadersCompleteStopsBeforeTheBody()
    {
        var parser = new HttpRequestParser();
        var handler = new RecordingHandler(parser) { OnHeadersCompleteReturns = HeadersCompleteAction.Pause };
        byte[] input = ParserRun.Bytes(Request);
        Assert.Equal(HttpParserError.Paused, parser.Execute(ref handler, input, out int consumed));
        Assert.Equal(Request.IndexOf("abc", StringComparison.Ordinal), consumed);
        Assert.DoesNotContain(handler.Log, line => line.StartsWith("body", StringComparison.Ordinal));
    }

    [Fact]
    public void PauseOutsideExecuteStopsTheNextExecuteAtOnce()
    {
        var parser = new HttpRequestParser();
        var handler = new RecordingHandler(parser);
        parser.Pause();
        Assert.Equal(HttpParserError.Paused, parser.Execute(ref handler, "GET / HTTP/1.1\r\n\r\n"u8, out int consumed));
        Assert.Equal(0, consumed);
        Assert.Empty(handler.Log);
    }

    [Fact]
    public void SkipBodyCompletesTheMessageAtTheHeaders()
    {
        var parser = new HttpRequestParser();
        var handler = new RecordingHandler(parser) { OnHeadersCompleteReturns = HeadersCompleteAction.SkipBody };
        string log = ParserRun.Feed(parser, ref handler, ParserRun.Bytes("POST / HTTP/1.1\r\nContent-Length: 123\r\n\r\nGET / HTTP/1.1\r\n\r\n"), [int.MaxValue]);
        Assert.Equal(2, log.Split('\n').Count(line => line == "complete"));
        Assert.DoesNotContain("body", log);
        Assert.True(parser.Flags.HasFlag(HttpParserFlags.SkipBody));
    }

    [Fact]
    public void UpgradeFromHeadersCompleteLeavesTheRestUnread()
    {
        var parser = new HttpRequestParser();
        var handler = new RecordingHandler(parser) { OnHeadersCompleteReturns = HeadersCompleteAction.Upgrade };
        byte[] input = ParserRun.Bytes("GET / HTTP/1.1\r\n\r\nnot http");
        Assert.Equal(HttpParserError.PausedUpgrade, parser.Execute(ref handler, input, out int consumed));
        Assert.Equal(18, consumed);
        Assert.True(parser.IsUpgrade);
        Assert.Equal(HttpParserError.None, parser.Finish());
    }

    [Fact]
    public void ResumeAfterUpgradeParsesTheNextRequest()
    {
        var parser = new HttpRequestParser();
        var handler = new RecordingHandler(parser);
        byte[] input = ParserRun.Bytes("GET / HTTP/1.1\r\nUpgrade: h2c\r\nConnection: upgrade\r\n\r\nGET /declined HTTP/1.1\r\n\r\n");
        Assert.Equal(HttpParserError.PausedUpgrade, parser.Execute(ref handler, input, out int consumed));
        parser.Resume();
        Assert.Equal(HttpParserError.PausedUpgrade, parser.Error);
        parser.ResumeAfterUpgrade();
        Assert.Equal(HttpParserError.None, parser.Execute(ref handler, input.AsSpan(consumed), out _));
        Assert.Contains("url:/declined", handler.Log);
    }

    [Fact]
    public void UpgradeFieldWithoutConnectionUpgradeIsNoUpgrade()
    {
        string log = ParserRun.Consistent("GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\nGET / HTTP/1.1\r\n\r\n");
        Assert.Contains("upgrade=False", log);
        Assert.DoesNotContain("upgrade@", log);
    }
}

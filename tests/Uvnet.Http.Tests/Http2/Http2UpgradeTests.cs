using System.Text;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;
using static Uvnet.Http.Tests.Http2.Http2Wire;
using T = Uvnet.Http.Http2.Http2FrameType;

namespace Uvnet.Http.Tests.Http2;

/// <summary>h2c by <c>Upgrade</c> from HTTP/1.1 (RFC 7540 §3.2): the request that asks is answered on stream 1 after the 101.</summary>
public class Http2UpgradeTests
{
    private static void Echo(IncomingMessage req, ServerResponse res)
    {
        long body = 0;
        req.Data += (_, data) => body += data.Length;
        req.End += r => res.End($"{r.HttpVersion} {r.Method} {r.Url} body={body}");
    }

    private const string UpgradeHead =
        "GET /up HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n";

    [Fact]
    public void Upgrade_h2c_answers_101_then_the_request_on_stream_1_and_the_connection_speaks_http2()
    {
        using var fixture = ServerFixture.Start(Echo);
        var (head, first, second) = fixture.Run(async () =>
        {
            using var wire = await ConnectAsync(fixture.Port);
            await wire.SendAsync(Encoding.ASCII.GetBytes(UpgradeHead + "\r\n"));
            string head = await wire.ReadHttp1HeadAsync();
            await wire.SendAsync([.. Uvnet.Http.Http2.Http2Preface.Bytes, .. Frame(T.Settings, 0, 0, [])]);
            var first = await wire.ReadResponseAsync(1);
            await wire.SendAsync(Headers(3, true, Get("/next")));
            return (head, first, await wire.ReadResponseAsync(3));
        });
        Assert.Equal("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n", head);
        Assert.Equal("200", first.Status);
        Assert.Equal("2.0 GET /up body=0", first.Text);
        Assert.Equal("2.0 GET /next body=0", second.Text);
    }

    [Theory]
    [InlineData("a body must be read as HTTP/1.1 first", "POST /up HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\nContent-Length: 3\r\n\r\nabc")]
    [InlineData("no HTTP2-Settings", "GET /up HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n")]
    [InlineData("HTTP2-Settings not a SETTINGS payload", "GET /up HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMA\r\n\r\n")]
    [InlineData("another protocol", "GET /up HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: websocket\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n")]
    public void Upgrade_h2c_that_cannot_be_honoured_is_served_as_http1(string because, string request)
    {
        _ = because;
        using var fixture = ServerFixture.Start(Echo);
        string answer = fixture.Exchange(request, endAfterSending: true);
        Assert.StartsWith("HTTP/1.1 200 OK", answer);
        Assert.EndsWith("1.1 " + request[..request.IndexOf(' ', StringComparison.Ordinal)] + $" /up body={(request.StartsWith("POST", StringComparison.Ordinal) ? 3 : 0)}", answer);
    }

    [Fact]
    public void Upgrade_h2c_is_ignored_by_an_http1_only_server()
    {
        using var fixture = ServerFixture.Start(Echo, new HttpServerOptions { Http2 = false });
        string answer = fixture.Exchange(UpgradeHead + "Connection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK", answer);
        Assert.EndsWith("1.1 GET /up body=0", answer);
    }
}

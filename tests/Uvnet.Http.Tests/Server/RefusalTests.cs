using System.Text;
using Uvnet.Http.Server;

namespace Uvnet.Http.Tests.Server;

/// <summary>Malformed requests get their status, <c>Connection: close</c>, and a clean close; handlers never see them.</summary>
public class RefusalTests
{
    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400)]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n", 400)]
    [InlineData("GE T / HTTP/1.1\r\nHost: x\r\n\r\n", 400)]
    [InlineData("GET / HTTP/1.1\rHost: x\r\n\r\n", 400)]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 2\r\n\r\n", 400)]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: x-custom, chunked\r\n\r\n", 501)]
    [InlineData("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505)]
    [InlineData("DESCRIBE rtsp://x/ RTSP/1.0\r\nCSeq: 1\r\n\r\n", 505)]
    public void Malformed_request_gets_its_status_and_a_close(string request, int status)
    {
        int handled = 0;
        using var fixture = ServerFixture.Start((req, res) => { handled++; res.End(); });
        string raw = fixture.Exchange(request);
        Assert.StartsWith($"HTTP/1.1 {status} ", raw);
        Assert.Contains("Connection: close\r\n", raw);
        Assert.Equal(0, handled);
    }

    [Fact]
    public void Oversized_request_line_gets_414_and_oversized_headers_431()
    {
        using var fixture = ServerFixture.Start((req, res) => res.End());
        string longUrl = fixture.Exchange($"GET /{new string('a', 20_000)} HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 414 URI Too Long\r\n", longUrl);
        string bigHeaders = fixture.Exchange($"GET / HTTP/1.1\r\nHost: x\r\nX-Big: {new string('b', 20_000)}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n", bigHeaders);
    }

    [Fact]
    public void Endless_chunk_extensions_get_413_and_a_close_even_while_the_handler_waits_for_the_body()
    {
        Exception? bodyError = null;
        using var fixture = ServerFixture.Start(async (req, res) =>
        {
            bodyError = await Record.ExceptionAsync(req.ReadBodyAsync);
            if (!res.WritableEnded)
                res.End("unexpected");
        });
        // Node's CVE-2024-22019: extensions cost the peer nothing and carry no body; past 16 KiB they are refused.
        string extensions = string.Concat(Enumerable.Repeat(";e=" + new string('v', 60), 300));
        string raw = fixture.Exchange($"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1{extensions}\r\nx\r\n0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 413 ", raw);
        Assert.Contains("Connection: close\r\n", raw);
        Assert.DoesNotContain("unexpected", raw);
        Assert.NotNull(bodyError);
    }

    [Fact]
    public void A_body_error_after_the_handler_answered_keeps_every_queued_response_then_closes()
    {
        ServerResponse? first = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/first")
                first = res; // answered later: the second response waits behind it
            else
                res.End("second"); // answered before its body has arrived
        });
        using var socket = fixture.Run(async () =>
        {
            var s = await RawClient.ConnectAsync(fixture.Port);
            await s.SendAsync(Encoding.ASCII.GetBytes(
                "GET /first HTTP/1.1\r\nHost: x\r\n\r\nPOST /second HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nnot-hex\r\n"));
            return s;
        });
        LoopDriver.RunUntil(fixture.Loop, () => first is not null && fixture.Server.WaitingResponses == 2);
        first!.End("first");
        string raw = fixture.Run(() => RawClient.ReadToCloseAsync(socket));
        Assert.Equal(2, RawClient.Count(raw, "HTTP/1.1 200 OK"));
        Assert.True(raw.IndexOf("first", StringComparison.Ordinal) < raw.IndexOf("second", StringComparison.Ordinal), raw);
        Assert.EndsWith("second", raw);
    }

    [Fact]
    public void Error_after_a_good_pipelined_request_answers_the_good_one_first()
    {
        using var fixture = ServerFixture.Start((req, res) => res.End("good"));
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\nBROKEN\r\n\r\n");
        int good = raw.IndexOf("good", StringComparison.Ordinal);
        int bad = raw.IndexOf("HTTP/1.1 400", StringComparison.Ordinal);
        Assert.True(good > 0 && bad > good, raw);
    }

    [Fact]
    public void Client_error_handler_takes_charge_of_the_socket()
    {
        HttpClientError? reported = null;
        using var fixture = ServerFixture.Start((req, res) => res.End());
        fixture.Server.ClientError += (error, socket) =>
        {
            reported = error;
            socket.End(Encoding.ASCII.GetBytes("HTTP/1.1 400 Custom\r\nConnection: close\r\n\r\n"));
        };
        string raw = fixture.Exchange("NOT HTTP AT ALL\r\n\r\n");
        Assert.Equal("HTTP/1.1 400 Custom\r\nConnection: close\r\n\r\n", raw);
        Assert.Equal(400, reported!.StatusCode);
    }
}

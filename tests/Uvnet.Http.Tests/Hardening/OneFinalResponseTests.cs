using System.Text;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Hardening;

/// <summary>
/// A handler that answers before the body has arrived: a body that then goes wrong closes the connection without a
/// second final response (RFC 9110 §15), and a body the handler goes on reading reaches it whole.
/// </summary>
public class OneFinalResponseTests
{
    private const string ChunkedHead = "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";

    [Theory]
    [InlineData("5\r\nhello\r\nzz\r\n", null)] // a malformed chunk size: 400 on main
    [InlineData("8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n", 10L)] // past MaxRequestBodySize: 413 on main
    public void A_body_error_after_the_response_was_sent_closes_without_a_second_response(string body, long? limit)
    {
        using var fixture = ServerFixture.Start((req, res) => res.End("hello"), new HttpServerOptions { MaxRequestBodySize = limit });
        string raw = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes(ChunkedHead));
            // The response has gone out before the rest of the body arrives.
            string first = await RawClient.ReadUntilAsync(socket, t => t.EndsWith("hello", StringComparison.Ordinal));
            await socket.SendAsync(Encoding.ASCII.GetBytes(body));
            return first + await RawClient.ReadToCloseAsync(socket);
        });
        Assert.Equal(1, RawClient.Count(raw, "HTTP/1.1 "));
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw);
        Assert.EndsWith("hello", raw);
    }

    [Fact]
    public void A_body_too_slow_after_the_response_was_sent_closes_without_a_408()
    {
        var options = new HttpServerOptions { RequestTimeout = 500, ConnectionsCheckingInterval = 100 };
        using var fixture = ServerFixture.Start((req, res) => res.End("hello"), options);
        string raw = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            // Half the body, and no more: the request timeout strikes after the response has gone out.
            await socket.SendAsync(Encoding.ASCII.GetBytes("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234"));
            return await RawClient.ReadToCloseAsync(socket);
        });
        Assert.Equal(1, RawClient.Count(raw, "HTTP/1.1 "));
        Assert.EndsWith("hello", raw);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the response closes the connection: the upload is still read to its end, as in Node
    public void A_handler_that_answers_early_and_reads_on_gets_the_whole_upload(bool close)
    {
        const int size = 1024 * 1024;
        int received = -1;
        using var fixture = ServerFixture.Start(async (req, res) =>
        {
            if (close)
                res.SetHeader("Connection", "close");
            res.StatusCode = 202;
            res.End("accepted");
            received = (await req.ReadBodyAsync()).Length;
        });
        string raw = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes($"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: {size}\r\n\r\n"));
            string answer = await RawClient.ReadUntilAsync(socket, t => t.EndsWith("accepted", StringComparison.Ordinal));
            await socket.SendAsync(new byte[size]);
            return answer;
        });
        Assert.StartsWith("HTTP/1.1 202 Accepted\r\n", raw);
        LoopDriver.RunUntil(fixture.Loop, () => received >= 0);
        Assert.Equal(size, received);
    }
}

using Uvnet.Http.Server;

namespace Uvnet.Http.Tests.Server;

/// <summary>
/// HttpConnection.Cork: a writer outside the connection's own read (the proxy, answering from an upstream's read)
/// sends a head, its body and its end in one write.
/// </summary>
public class CorkTests
{
    [Theory]
    [InlineData(false, 2)] // WriteHead sends the head at once, End the body: one write each
    [InlineData(true, 1)]
    public void A_response_written_outside_the_read_while_corked_leaves_in_one_write(bool corked, long writes)
    {
        long before = -1;
        ServerFixture? started = null;
        using var fixture = started = ServerFixture.Start((req, res) =>
        {
            // Later, as an upstream's answer comes: outside the read that brought the request.
            req.Socket.Loop.Post(() =>
            {
                before = started!.Server.WritesIssued;
                HttpConnection connection = res.Connection;
                if (corked)
                    connection.Cork();
                res.WriteHead(200, null, [new("Content-Length", "5")]);
                res.End("hello"u8);
                if (corked)
                    connection.Uncork();
            });
        });

        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");

        Assert.EndsWith("\r\n\r\nhello", raw);
        Assert.Equal(writes, fixture.Server.WritesIssued - before);
    }
}

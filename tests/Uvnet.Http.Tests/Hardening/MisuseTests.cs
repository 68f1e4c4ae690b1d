using System.Text;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Hardening;

/// <summary>Handlers that misuse the API: the misuse is reported to them (or ignored) and the server goes on serving.</summary>
public class MisuseTests
{
    private const string TwoRequests = "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

    private static void AssertServesNext(ServerFixture fixture)
    {
        string raw = fixture.Exchange("GET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK", raw);
        Assert.EndsWith("next", raw);
    }

    [Fact]
    public void End_twice_is_a_no_op_and_the_next_pipelined_response_is_intact()
    {
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.End(req.Url);
            res.End("again");
        });
        string raw = fixture.Exchange(TwoRequests);
        Assert.Equal(2, RawClient.Count(raw, "HTTP/1.1 200 OK"));
        Assert.DoesNotContain("again", raw);
        Assert.EndsWith("/2", raw);
    }

    [Fact]
    public void Write_after_end_raises_Error_with_ERR_STREAM_WRITE_AFTER_END_and_the_response_is_unchanged()
    {
        // Node's test-http-res-write-after-end.js: write after end returns false and emits 'error', it does not throw.
        var codes = new List<string>();
        var returned = new List<bool>();
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.Error += (_, e) => codes.Add(e.Code!);
            res.End(req.Url);
            returned.Add(res.Write("more"));
        });
        string raw = fixture.Exchange(TwoRequests);
        LoopDriver.RunUntil(fixture.Loop, () => codes.Count == 2);
        Assert.Equal([false, false], returned);
        Assert.Equal(["ERR_STREAM_WRITE_AFTER_END", "ERR_STREAM_WRITE_AFTER_END"], codes);
        Assert.Equal(2, RawClient.Count(raw, "HTTP/1.1 200 OK"));
        Assert.DoesNotContain("more", raw);
    }

    [Fact]
    public void SetHeader_after_the_head_was_sent_throws_and_the_response_goes_on()
    {
        Exception? thrown = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.Write("a");
            thrown = Record.Exception(() => res.SetHeader("X-Late", "1"));
            res.End("b");
        });
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.IsType<InvalidOperationException>(thrown);
        Assert.DoesNotContain("X-Late", raw);
        Assert.EndsWith("1\r\na\r\n1\r\nb\r\n0\r\n\r\n", raw);
    }

    [Fact]
    public void A_handler_that_destroys_its_socket_closes_the_connection_and_its_response_is_harmless()
    {
        bool closed = false, finished = false;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/next")
            {
                res.End("next");
                return;
            }
            res.Close += _ => closed = true;
            res.Finish += _ => finished = true;
            req.Socket.Destroy();
            res.End("too late"); // harmless
        });
        string raw = fixture.Exchange("GET /destroy HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal("", raw);
        LoopDriver.RunUntil(fixture.Loop, () => closed && fixture.Server.ConnectionCount == 0);
        Assert.False(finished); // nothing was sent
        AssertServesNext(fixture);
    }

    [Fact]
    public void A_handler_that_throws_after_writing_the_head_destroys_the_connection_and_the_server_goes_on()
    {
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/next")
            {
                res.End("next");
                return;
            }
            res.Write("partial");
            throw new InvalidOperationException("handler bug");
        });
        string raw = fixture.Exchange("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n");
        // Destroyed: what was written may or may not have left, but the body never ends, so the client can tell.
        Assert.DoesNotContain("0\r\n\r\n", raw);
        LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.ConnectionCount == 0);
        AssertServesNext(fixture);
    }

    [Fact]
    public void Server_close_from_inside_a_handler_finishes_that_response_then_closes()
    {
        bool serverClosed = false;
        HttpServer? server = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            server!.Close(() => serverClosed = true);
            res.End("bye");
        });
        server = fixture.Server;
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK", raw);
        Assert.Contains("Connection: close\r\n", raw);
        Assert.EndsWith("bye", raw);
        LoopDriver.RunUntil(fixture.Loop, () => serverClosed && fixture.Server.ConnectionCount == 0);
        var refused = Record.Exception(() => fixture.Run(() => RawClient.ConnectAsync(fixture.Port)));
        Assert.IsType<System.Net.Sockets.SocketException>(refused);
    }
}

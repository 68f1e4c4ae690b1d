using System.Text;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Hardening;

/// <summary>
/// User code the server runs for a connection or a request that throws, of every kind: the exception never leaves
/// Loop.Run (Exchange would rethrow it); the request gets 500 if nothing of its response was sent, its connection is
/// destroyed if something was, and the server goes on serving with nothing leaked.
/// </summary>
public class ThrowingHandlerTests
{
    private const string PostHello = "POST /throw HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";

    [Fact]
    public void Request_handler_that_throws_before_sending_anything_gets_500()
    {
        using var server = MisuseServer.Start((_, _) => throw new CallbackException());
        AssertAnswered500(server.Exchange("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n"));
        server.AssertServesNextAndHoldsNothing();
    }

    [Fact]
    public void Body_Data_handler_that_throws_before_anything_was_sent_gets_500()
    {
        using var server = MisuseServer.Start((req, _) => req.Data += (_, _) => throw new CallbackException());
        AssertAnswered500(server.Exchange(PostHello));
        server.AssertServesNextAndHoldsNothing();
    }

    [Fact]
    public void Body_Data_handler_that_throws_after_the_head_was_sent_destroys_the_connection()
    {
        using var server = MisuseServer.Start((req, res) =>
        {
            res.Write("partial");
            req.Data += (_, _) => throw new CallbackException();
        });
        AssertCutShort(server.Exchange(PostHello));
        server.AssertServesNextAndHoldsNothing();
    }

    [Fact]
    public void Body_Data_handler_that_threw_gets_no_more_of_the_body()
    {
        int calls = 0;
        using var server = MisuseServer.Start((req, _) => req.Data += (_, _) =>
        {
            calls++;
            throw new CallbackException();
        });
        // Three chunks in one read: the parser reports each; only the first reaches the handler that threw.
        AssertAnswered500(server.Exchange(
            "POST /throw HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n1\r\nc\r\n0\r\n\r\n"));
        Assert.Equal(1, calls);
        server.AssertServesNextAndHoldsNothing();
    }

    [Fact]
    public void Body_End_handler_that_throws_gets_500()
    {
        using var server = MisuseServer.Start((req, _) => req.End += _ => throw new CallbackException());
        AssertAnswered500(server.Exchange(PostHello));
        server.AssertServesNextAndHoldsNothing();
    }

    [Fact]
    public void Finish_handler_that_throws_leaves_the_response_whole_and_closes_its_connection_after_it()
    {
        using var server = MisuseServer.Start((_, res) =>
        {
            res.Finish += _ => throw new CallbackException();
            res.End("done");
        });
        // A keep-alive request: the connection closes only because the Finish handler threw.
        string raw = server.Exchange("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK", raw);
        Assert.EndsWith("\r\n\r\ndone", raw);
        server.AssertServesNextAndHoldsNothing();
    }

    [Fact]
    public void Close_handler_that_throws_leaves_the_connection_closed_and_forgotten()
    {
        bool raised = false;
        using var server = MisuseServer.Start((req, res) =>
        {
            res.Close += _ =>
            {
                raised = true;
                throw new CallbackException();
            };
            req.Socket.Destroy();
        });
        Assert.Equal("", server.Exchange("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n"));
        LoopDriver.RunUntil(server.Loop, () => raised);
        server.AssertServesNextAndHoldsNothing();
    }

    [Fact]
    public void Drain_handler_that_throws_destroys_the_connection()
    {
        bool raised = false;
        using var server = MisuseServer.Start((_, res) =>
        {
            res.Drain += _ =>
            {
                raised = true;
                throw new CallbackException();
            };
            // Past the high-water mark, unended: Drain comes once the client has read enough.
            Assert.False(res.Write(new byte[1024 * 1024]));
        });
        AssertCutShort(server.Exchange("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n"));
        Assert.True(raised);
        server.AssertServesNextAndHoldsNothing();
    }

    [Fact]
    public void CheckContinue_handler_that_throws_gets_500()
    {
        using var server = MisuseServer.Start((_, res) => res.End());
        server.Server.CheckContinue += (_, _) => throw new CallbackException();
        AssertAnswered500(server.Exchange("POST /throw HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
        server.AssertServesNextAndHoldsNothing();
    }

    [Fact]
    public void ClientError_handler_that_throws_destroys_the_connection()
    {
        bool raised = false;
        using var server = MisuseServer.Start((_, res) => res.End());
        server.Server.ClientError += (_, _) =>
        {
            raised = true;
            throw new CallbackException();
        };
        // The handler had charge of the socket: what it meant to send is unknown, so nothing more is.
        Assert.Equal("", server.Exchange("GET /throw HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n"));
        Assert.True(raised);
        server.AssertServesNextAndHoldsNothing();
    }

    [Fact]
    public void Connection_handler_that_throws_destroys_that_connection()
    {
        int connections = 0;
        using var server = MisuseServer.Start((_, res) => res.End("should not be sent"));
        server.Server.Connection += _ =>
        {
            if (++connections == 1)
                throw new CallbackException();
        };
        Assert.Equal("", server.Exchange("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n"));
        server.AssertServesNextAndHoldsNothing();
    }

    [Fact]
    public void Upgrade_handler_that_throws_destroys_the_socket_it_was_given()
    {
        using var server = MisuseServer.Start((_, res) => res.End());
        server.Server.Upgrade += (_, _, _) => throw new CallbackException();
        Assert.Equal("", server.Exchange("GET /throw HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n"));
        server.AssertServesNextAndHoldsNothing();
    }

    [Fact]
    public void Handler_that_throws_on_one_connection_does_not_disturb_a_request_in_flight_on_another()
    {
        ServerResponse? waiting = null;
        using var server = MisuseServer.Start((req, res) =>
        {
            if (req.Url == "/wait")
                waiting = res;
            else
                req.Data += (_, _) => throw new CallbackException();
        });
        string slow = "";
        server.Fixture.Run(async () =>
        {
            using var first = await RawClient.ConnectAsync(server.Fixture.Port);
            await first.SendAsync(Encoding.ASCII.GetBytes("GET /wait HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
            using var second = await RawClient.ConnectAsync(server.Fixture.Port);
            await second.SendAsync(Encoding.ASCII.GetBytes(PostHello));
            AssertAnswered500(await RawClient.ReadToCloseAsync(second));
            server.Loop.Post(() => waiting!.End("waited"));
            slow = await RawClient.ReadToCloseAsync(first);
        });
        Assert.EndsWith("waited", slow);
        server.AssertServesNextAndHoldsNothing();
    }

    private static void AssertAnswered500(string raw)
    {
        Assert.StartsWith("HTTP/1.1 500 Internal Server Error\r\n", raw);
        Assert.Contains("Connection: close\r\n", raw);
        Assert.Equal(1, RawClient.Count(raw, "HTTP/1.1"));
    }

    /// <summary>A response begun and never finished: the client can tell (its chunked body has no last chunk).</summary>
    private static void AssertCutShort(string raw)
    {
        Assert.DoesNotContain("0\r\n\r\n", raw);
        Assert.DoesNotContain("500", raw);
    }
}

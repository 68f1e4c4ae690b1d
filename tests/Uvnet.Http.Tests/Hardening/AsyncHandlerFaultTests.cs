using System.Text;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Hardening;

/// <summary>
/// Async handlers whose task faults, before, during and after their response: contained as a throwing handler is
/// (500 if nothing was sent, the connection destroyed if something was, nothing once the response has finished),
/// without touching any other request's response.
/// </summary>
public class AsyncHandlerFaultTests
{
    [Fact]
    public void Fault_after_an_await_before_anything_was_sent_gets_500()
    {
        using var server = MisuseServer.Start(async (_, _) =>
        {
            await Task.Yield();
            throw new CallbackException();
        });
        string raw = server.Exchange("GET /fault HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 500 Internal Server Error\r\n", raw);
        Assert.Contains("Connection: close\r\n", raw);
        server.AssertServesNextAndHoldsNothing();
    }

    [Fact]
    public void Fault_after_reading_the_body_gets_500()
    {
        using var server = MisuseServer.Start(async (req, _) =>
        {
            byte[] body = await req.ReadBodyAsync();
            Assert.Equal("hello", Encoding.ASCII.GetString(body));
            throw new CallbackException();
        });
        string raw = server.Exchange("POST /fault HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
        Assert.StartsWith("HTTP/1.1 500 Internal Server Error\r\n", raw);
        server.AssertServesNextAndHoldsNothing();
    }

    [Fact]
    public void Fault_after_the_head_was_sent_destroys_the_connection()
    {
        using var server = MisuseServer.Start(async (_, res) =>
        {
            res.Write("partial");
            await Task.Yield();
            throw new CallbackException();
        });
        string raw = server.Exchange("GET /fault HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.DoesNotContain("0\r\n\r\n", raw);
        Assert.DoesNotContain("500", raw);
        server.AssertServesNextAndHoldsNothing();
    }

    [Fact]
    public void Fault_after_the_response_finished_leaves_the_next_pipelined_response_alone()
    {
        var answerSecond = new TaskCompletionSource();
        bool firstFaulted = false;
        using var server = MisuseServer.Start(async (req, res) =>
        {
            if (req.Url == "/1")
            {
                res.End("one");
                await Task.Yield(); // by now the response object may answer /2: the pool reuses it
                firstFaulted = true;
                throw new CallbackException();
            }
            await answerSecond.Task;
            res.End("two");
        });
        string raw = server.Fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(server.Fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes(
                "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
            string first = await RawClient.ReadUntilAsync(socket, t => t.EndsWith("one", StringComparison.Ordinal));
            server.Loop.Post(() =>
            {
                Assert.True(firstFaulted);
                answerSecond.SetResult();
            });
            return first + await RawClient.ReadToCloseAsync(socket);
        });
        Assert.Equal(2, RawClient.Count(raw, "HTTP/1.1 200 OK"));
        Assert.DoesNotContain("500", raw);
        Assert.EndsWith("two", raw);
        server.AssertServesNextAndHoldsNothing();
    }
}

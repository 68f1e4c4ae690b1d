using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Hardening;

/// <summary>
/// Every exception the server contains for user code is reported through HttpServer.HandlerError, with the request it
/// concerns (readable during the event), before the server answers for it.
/// </summary>
public class HandlerErrorTests
{
    private static List<string> Reports(MisuseServer server)
    {
        var reports = new List<string>();
        server.Server.HandlerError += (e, req) => reports.Add($"{e.GetType().Name} {req?.Method} {req?.Url}");
        return reports;
    }

    [Fact]
    public void Throwing_request_handler_is_reported_with_its_request_and_answered_500()
    {
        using var server = MisuseServer.Start((_, _) => throw new CallbackException());
        var reports = Reports(server);
        string raw = server.Exchange("GET /boom HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 500 Internal Server Error\r\n", raw);
        Assert.Equal(["CallbackException GET /boom"], reports);
    }

    [Fact]
    public void Async_handler_that_faults_after_an_await_is_reported_with_its_request()
    {
        using var server = MisuseServer.Start(async (_, _) =>
        {
            await Task.Yield();
            throw new CallbackException();
        });
        var reports = Reports(server);
        string raw = server.Exchange("POST /later HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 500 Internal Server Error\r\n", raw);
        Assert.Equal(["CallbackException POST /later"], reports);
    }

    [Fact]
    public void Async_handler_that_faults_after_its_response_finished_is_reported_with_its_request()
    {
        var faulted = new TaskCompletionSource();
        using var server = MisuseServer.Start(async (_, res) =>
        {
            res.End("done");
            await Task.Yield();
            throw new CallbackException();
        });
        var reports = Reports(server);
        server.Server.HandlerError += (_, _) => faulted.TrySetResult();
        // Keep-alive: the finished response and its request go back to the connection's pool only once the task has
        // completed, so the fault still concerns this request.
        string raw = server.Fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(server.Fixture.Port);
            await socket.SendAsync("GET /done HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
            return await RawClient.ReadUntilAsync(socket, t => t.EndsWith("done", StringComparison.Ordinal));
        });
        server.Loop.RunUntil(faulted.Task);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw);
        Assert.Equal(["CallbackException GET /done"], reports);
    }

    [Fact]
    public void Throwing_body_handler_is_reported_with_its_request()
    {
        using var server = MisuseServer.Start((req, _) => req.Data += (_, _) => throw new CallbackException());
        var reports = Reports(server);
        string raw = server.Exchange("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
        Assert.StartsWith("HTTP/1.1 500 Internal Server Error\r\n", raw);
        Assert.Equal(["CallbackException POST /upload"], reports);
    }

    [Fact]
    public void Throwing_connection_handler_is_reported_without_a_request()
    {
        using var server = MisuseServer.Start((_, res) => res.End());
        var reports = Reports(server);
        server.Server.Connection += _ => throw new CallbackException();
        server.Exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(["CallbackException  "], reports);
    }

    [Fact]
    public void A_HandlerError_handler_that_throws_does_not_stop_the_server_answering()
    {
        using var server = MisuseServer.Start((_, _) => throw new CallbackException());
        server.Server.HandlerError += (_, _) => throw new InvalidOperationException("the logger failed");
        string raw = server.Exchange("GET /boom HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 500 Internal Server Error\r\n", raw);
        server.AssertServesNextAndHoldsNothing();
    }
}

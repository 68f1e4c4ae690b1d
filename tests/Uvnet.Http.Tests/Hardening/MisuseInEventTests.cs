using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Hardening;

/// <summary>
/// The socket destroyed or ended, the response ended, or the server closed, from inside the request's body events,
/// the response's Finish and Close, ClientError, CheckContinue and Connection: what was finished is delivered, what
/// was cut short is cut cleanly, and the server serves on (or closes, when asked) with nothing leaked.
/// </summary>
public class MisuseInEventTests
{
    private const string ChunkedBody =
        "POST /misuse HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n1\r\nc\r\n0\r\n\r\n";

    private const string Get = "GET /misuse HTTP/1.1\r\nHost: x\r\n\r\n";

    [Fact]
    public void Destroy_inside_Finish_still_delivers_the_finished_response()
    {
        using var server = MisuseServer.Start((req, res) =>
        {
            res.Finish += _ => req.Socket.Destroy();
            res.End("delivered");
        });
        string raw = server.Exchange(Get);
        Assert.StartsWith("HTTP/1.1 200 OK", raw);
        Assert.EndsWith("\r\n\r\ndelivered", raw);
        server.AssertServesNextAndHoldsNothing();
    }

    [Fact]
    public void Ending_the_socket_inside_Finish_delivers_the_response_then_closes()
    {
        NetExceptionLog errors = new();
        using var server = MisuseServer.Start((req, res) =>
        {
            errors.Watch(req.Socket);
            res.Finish += _ => req.Socket.End();
            res.End("delivered");
        });
        string raw = server.Exchange(Get);
        Assert.EndsWith("\r\n\r\ndelivered", raw);
        Assert.Empty(errors.Codes);
        server.AssertServesNextAndHoldsNothing();
    }

    [Fact]
    public void Closing_the_server_inside_Finish_delivers_the_response_then_closes()
    {
        bool serverClosed = false;
        HttpServer? http = null;
        using var server = MisuseServer.Start((_, res) =>
        {
            res.Finish += _ => http!.Close(() => serverClosed = true);
            res.End("delivered");
        });
        http = server.Server;
        // Keep-alive: the connection closes because the server closed.
        string raw = server.Exchange(Get);
        Assert.EndsWith("\r\n\r\ndelivered", raw);
        LoopDriver.RunUntil(server.Loop, () => serverClosed);
    }

    /// <summary>One response, marked as the connection's last, with <paramref name="body"/>.</summary>
    private static void AssertLastResponse(string raw, string body)
    {
        Assert.Equal(1, RawClient.Count(raw, "HTTP/1.1 "));
        Assert.Contains("Connection: close\r\n", raw);
        Assert.EndsWith(body, raw);
    }

    /// <summary>The errors a socket raised, by code.</summary>
    private sealed class NetExceptionLog
    {
        public List<string> Codes { get; } = [];

        public void Watch(Net.Socket socket) => socket.Error += (_, e) => Codes.Add(e.Code);
    }
}

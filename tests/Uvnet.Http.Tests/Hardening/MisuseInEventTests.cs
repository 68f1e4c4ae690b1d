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
    public void Destroy_inside_body_Data_raises_no_more_body_events_and_the_response_Close()
    {
        int data = 0, ends = 0;
        bool closed = false;
        using var server = MisuseServer.Start((req, res) =>
        {
            res.Close += _ => closed = true;
            req.End += _ => ends++;
            req.Data += (r, _) =>
            {
                data++;
                r.Socket.Destroy();
            };
        });
        // Three chunks in one read: the parser reports each, but the socket is gone after the first.
        Assert.Equal("", server.Exchange(ChunkedBody));
        LoopDriver.RunUntil(server.Loop, () => closed);
        Assert.Equal(1, data);
        Assert.Equal(0, ends);
        server.AssertServesNextAndHoldsNothing();
    }

    [Fact]
    public void Destroy_inside_body_Data_dispatches_no_later_request_of_the_same_read()
    {
        var urls = new List<string>();
        using var server = MisuseServer.Start((req, _) =>
        {
            urls.Add(req.Url);
            req.Data += (r, _) => r.Socket.Destroy();
        });
        Assert.Equal("", server.Exchange(ChunkedBody + "GET /after HTTP/1.1\r\nHost: x\r\n\r\n"));
        Assert.Equal(["/misuse"], urls);
        server.AssertServesNextAndHoldsNothing();
    }

    [Fact]
    public void Destroy_inside_body_Data_fails_a_body_reader_with_aborted()
    {
        Exception? failure = null;
        using var server = MisuseServer.Start(async (req, _) =>
        {
            req.Data += (r, _) => r.Socket.Destroy();
            failure = await Record.ExceptionAsync(req.ReadBodyAsync);
        });
        Assert.Equal("", server.Exchange(ChunkedBody));
        LoopDriver.RunUntil(server.Loop, () => failure is not null);
        Assert.Equal("ECONNRESET", Assert.IsType<Net.NetException>(failure).Code);
        server.AssertServesNextAndHoldsNothing();
    }

    [Fact]
    public void Client_reset_in_the_middle_of_a_body_fails_a_body_reader_with_aborted()
    {
        Exception? failure = null;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var server = MisuseServer.Start(async (req, _) =>
        {
            started.SetResult();
            failure = await Record.ExceptionAsync(req.ReadBodyAsync);
        });
        server.Fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(server.Fixture.Port);
            await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes("POST /misuse HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhalf"));
            await started.Task;
            socket.LingerState = new System.Net.Sockets.LingerOption(true, 0); // a reset, not an end (which gets 400)
        });
        LoopDriver.RunUntil(server.Loop, () => failure is not null);
        Assert.Equal("ECONNRESET", Assert.IsType<Net.NetException>(failure).Code);
        server.AssertServesNextAndHoldsNothing();
    }

    [Fact]
    public void Ending_the_response_inside_body_Data_answers_and_keeps_the_connection_serving()
    {
        using var server = MisuseServer.Start((req, res) =>
        {
            if (req.Url == "/2")
                res.End("second");
            else
                req.Data += (_, _) => res.End("answered early");
        });
        string raw = server.Exchange(ChunkedBody + "GET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.Equal(2, RawClient.Count(raw, "HTTP/1.1 200 OK"));
        Assert.Contains("answered early", raw);
        Assert.EndsWith("second", raw);
        server.AssertServesNextAndHoldsNothing();
    }

    [Fact]
    public void Closing_the_server_inside_body_Data_answers_with_close_then_closes()
    {
        bool serverClosed = false;
        HttpServer? http = null;
        using var server = MisuseServer.Start((req, res) =>
        {
            req.Data += (_, _) => http!.Close(() => serverClosed = true);
            req.End += _ => res.End("last");
        });
        http = server.Server;
        string raw = server.Exchange(ChunkedBody);
        AssertLastResponse(raw, "last");
        LoopDriver.RunUntil(server.Loop, () => serverClosed);
    }

    [Fact]
    public void Destroy_inside_body_End_raises_the_response_Close()
    {
        bool closed = false;
        using var server = MisuseServer.Start((req, res) =>
        {
            res.Close += _ => closed = true;
            req.End += r => r.Socket.Destroy();
        });
        Assert.Equal("", server.Exchange(ChunkedBody));
        LoopDriver.RunUntil(server.Loop, () => closed);
        server.AssertServesNextAndHoldsNothing();
    }

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

    [Fact]
    public void Destroy_and_closing_the_server_inside_the_response_Close_are_harmless()
    {
        bool serverClosed = false;
        HttpServer? http = null;
        using var server = MisuseServer.Start((req, res) =>
        {
            res.Close += _ =>
            {
                req.Socket.Destroy();
                http!.Close(() => serverClosed = true);
            };
            req.Socket.Destroy();
        });
        http = server.Server;
        Assert.Equal("", server.Exchange(Get));
        LoopDriver.RunUntil(server.Loop, () => serverClosed);
    }

    [Fact]
    public void Destroy_inside_ClientError_closes_without_an_answer()
    {
        using var server = MisuseServer.Start((_, res) => res.End());
        server.Server.ClientError += (_, socket) => socket.Destroy();
        Assert.Equal("", server.Exchange("GET /misuse HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n"));
        server.AssertServesNextAndHoldsNothing();
    }

    [Fact]
    public void Answering_and_closing_the_server_inside_ClientError_sends_the_answer_then_closes()
    {
        bool serverClosed = false;
        using var server = MisuseServer.Start((_, res) => res.End());
        server.Server.ClientError += (error, socket) =>
        {
            server.Server.Close(() => serverClosed = true);
            socket.End(System.Text.Encoding.ASCII.GetBytes($"HTTP/1.1 {error.StatusCode} Custom\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
        };
        string raw = server.Exchange("GET /misuse HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n");
        Assert.Equal("HTTP/1.1 400 Custom\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", raw);
        LoopDriver.RunUntil(server.Loop, () => serverClosed);
    }

    [Fact]
    public void Destroy_inside_CheckContinue_sends_nothing()
    {
        using var server = MisuseServer.Start((_, res) => res.End());
        server.Server.CheckContinue += (req, _) => req.Socket.Destroy();
        Assert.Equal("", server.Exchange("POST /misuse HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
        server.AssertServesNextAndHoldsNothing();
    }

    [Fact]
    public void Refusing_inside_CheckContinue_and_closing_the_server_answers_then_closes()
    {
        bool serverClosed = false;
        using var server = MisuseServer.Start((_, res) => res.End());
        server.Server.CheckContinue += (_, res) =>
        {
            server.Server.Close(() => serverClosed = true);
            res.StatusCode = 417;
            res.End("no body wanted");
        };
        string raw = server.Exchange("POST /misuse HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 417 ", raw);
        AssertLastResponse(raw, "no body wanted");
        Assert.DoesNotContain("100 Continue", raw);
        LoopDriver.RunUntil(server.Loop, () => serverClosed);
    }

    [Fact]
    public void Destroy_inside_Connection_closes_before_any_request()
    {
        int requests = 0, connections = 0;
        using var server = MisuseServer.Start((_, res) =>
        {
            requests++;
            res.End();
        });
        server.Server.Connection += socket =>
        {
            if (++connections == 1)
                socket.Destroy();
        };
        Assert.Equal("", server.Exchange(Get));
        Assert.Equal(0, requests);
        server.AssertServesNextAndHoldsNothing();
    }

    [Fact]
    public void Closing_the_server_inside_Connection_closes_that_connection_as_idle_then_closes()
    {
        bool serverClosed = false;
        using var server = MisuseServer.Start((_, res) => res.End("answered"));
        server.Server.Connection += _ => server.Server.Close(() => serverClosed = true);
        // As Node's server.close(): a connection with no request yet is idle, and idle connections are closed.
        Assert.Equal("", server.Exchange(Get));
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

using System.Net;
using System.Net.Sockets;
using System.Text;
using Uvnet.Server.Commands;
using Uvnet.Server.Logging;

namespace Uvnet.Server.Tests;

/// <summary>A handler that throws in uvnet: its request gets a 500, and the failure is written to stderr with the request line.</summary>
public class HandlerErrorLogTests
{
    [Fact]
    public void A_throwing_handler_is_logged_with_its_request_line_and_the_client_gets_500()
    {
        var loop = new Loop();
        var errors = new StringWriter();
        var service = new HttpLoopService(loop, (_, _) => throw new InvalidOperationException("the handler's bug"), log: null, errors);
        int port = 0;
        service.Listen(0, "127.0.0.1", p => port = p, e => Assert.Fail(e.Message));
        LoopDriver.RunUntil(loop, () => port != 0);

        string response = loop.RunUntil(Task.Run(() => Exchange(port, "GET /boom?q=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")));

        Assert.StartsWith("HTTP/1.1 500 ", response);
        string logged = errors.ToString();
        Assert.StartsWith("uvnet: a handler failed on \"GET /boom?q=1 HTTP/1.1\": System.InvalidOperationException: the handler's bug", logged);
        service.Stop();
        LoopDriver.RunUntil(loop, () => service.ConnectionCount == 0);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void The_request_line_is_escaped_so_a_request_cannot_forge_log_lines() =>
        Assert.Equal("GET /a\\x0auvnet: forged HTTP/1.1", CommonLogFormat.RequestLine("GET", "/a\nuvnet: forged", "1.1"));

    [Fact]
    public void An_exception_that_quotes_client_bytes_cannot_forge_log_lines_or_send_terminal_escapes()
    {
        // .NET's FormatException quotes its input: a handler that parses a request's body passes the client's bytes on.
        Exception error;
        try
        {
            throw new FormatException("The input string '1\r\nuvnet: a handler failed on \"GET /admin HTTP/1.1\"\u001b[2J\u009b31m' was not in a correct format.");
        }
        catch (FormatException e)
        {
            error = e;
        }

        string logged = HandlerErrorLog.Format(error, null);

        string[] lines = logged.Split('\n');
        Assert.Single(lines, line => line.StartsWith("uvnet:", StringComparison.Ordinal));
        Assert.StartsWith("uvnet: a handler failed outside a request (or after its response finished): System.FormatException: The input string '1\\x0d", lines[0]);
        Assert.All(lines.Skip(1), line => Assert.StartsWith("  ", line)); // the forged line and the stack, indented
        Assert.Contains(lines, line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        Assert.DoesNotContain(logged, c => char.IsControl(c) && c != '\n');
    }

    private static async Task<string> Exchange(int port, string request)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        var text = new StringBuilder();
        var buffer = new byte[4096];
        int n;
        while ((n = await socket.ReceiveAsync(buffer)) > 0)
            text.Append(Encoding.Latin1.GetString(buffer, 0, n));
        return text.ToString();
    }
}

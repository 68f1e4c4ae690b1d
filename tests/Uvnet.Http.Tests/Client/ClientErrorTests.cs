using System.Net;
using System.Text;
using Uvnet.Http.Client;
using Uvnet.Net;

namespace Uvnet.Http.Tests.Client;

/// <summary>What fails, fails loudly and once: connect errors, cut and malformed responses (test-http-client-*-error.js).</summary>
public class ClientErrorTests
{
    // test-http-client-error-rawbytes? / test-http-econnrefused: ECONNREFUSED reaches the request's Error, then Close.
    [Fact]
    public void Refused_connect_raises_ECONNREFUSED()
    {
        using var kit = new ClientKit();
        var o = kit.Exchange(kit.To(ClosedPorts.Next().Port));
        Assert.Equal("ECONNREFUSED", Assert.IsType<NetException>(o.Error).Code);
        Assert.Equal(["socket", "error", "close"], o.Events);
        Assert.Equal(0, kit.Agent.TotalSockets);
    }

    // test-http-dns-error.js
    [Fact]
    public void Unknown_host_raises_the_lookup_error()
    {
        using var kit = new ClientKit();
        var o = kit.Exchange(new RequestOptions { Host = "no-such-host.invalid", Port = 80, Agent = kit.Agent });
        var error = Assert.IsType<NetException>(o.Error);
        Assert.Equal("getaddrinfo", error.Syscall);
    }

    // A listener whose backlog is full drops the SYN: the connect never completes, and the request's timeout fires.
    [Fact]
    public void Connect_timeout_raises_Timeout_and_Destroy_ends_the_request()
    {
        using var listener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var fillers = new List<System.Net.Sockets.Socket>();
        for (int i = 0; i < 8; i++)
        {
            var s = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { Blocking = false };
            try { s.Connect(listener.LocalEndPoint!); } catch (System.Net.Sockets.SocketException) { }
            fillers.Add(s);
        }
        using var kit = new ClientKit();
        bool timedOut = false;
        var o = kit.Send(kit.To(port) with { Timeout = 200 }, r =>
        {
            r.Timeout += q => { timedOut = true; q.Destroy(new NetException("ETIMEDOUT", "connect timed out")); };
            r.End();
        });
        LoopDriver.RunUntil(kit.Loop, () => o.Done);
        Assert.True(timedOut);
        Assert.Equal("ETIMEDOUT", Assert.IsType<NetException>(o.Error).Code);
        fillers.ForEach(f => f.Dispose());
    }

    // test-http-client-response-aborted? : the server resets mid-body: the response errors, nothing hangs.
    [Fact]
    public void Server_reset_mid_body_raises_Error_on_the_response()
    {
        using var kit = new ClientKit();
        int port = kit.StartCanned((s, _, _) =>
        {
            s.Write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial"u8.ToArray(), _ => s.ResetAndDestroy());
        });
        var o = kit.Exchange(kit.To(port));
        Assert.Equal("partial", o.Text);
        Assert.Equal("ECONNRESET", Assert.IsType<NetException>(o.ResponseError).Code);
        Assert.False(o.Ended);
        Assert.True(o.Response!.Aborted);
        Assert.Equal(0, kit.Agent.TotalSockets);
    }

    [Fact]
    public void Reset_mid_body_fails_a_pending_ReadBodyAsync()
    {
        using var kit = new ClientKit();
        int port = kit.StartCanned((s, _, _) => s.Write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial"u8.ToArray(), _ => s.ResetAndDestroy()));
        Task<byte[]>? body = null;
        var request = Http.Request(kit.Loop, kit.To(port), res => { res.Error += (_, _) => { }; body = res.ReadBodyAsync(); });
        request.End();
        LoopDriver.RunUntil(kit.Loop, () => body is { IsCompleted: true });
        Assert.IsType<NetException>(body!.Exception!.InnerException);
    }

    // test-http-client-parse-error.js, and the connection is not reused.
    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello")]
    [InlineData("HTTP/1.1 2000 OK\r\n\r\n")]
    [InlineData("XTTP/1.1 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")]
    public void Malformed_response_raises_a_parse_error_and_destroys_the_connection(string response)
    {
        using var kit = new ClientKit();
        int port = kit.StartCanned((s, _, _) => s.Write(Encoding.ASCII.GetBytes(response)));
        var o = kit.Exchange(kit.To(port));
        var error = o.Error ?? o.ResponseError;
        Assert.StartsWith("HPE_", Assert.IsType<HttpResponseError>(error).Code);
        LoopDriver.RunUntil(kit.Loop, () => kit.Agent.TotalSockets == 0);
        Assert.Equal(0, kit.Agent.GetStats("127.0.0.1", port).Free);
    }

    // test-http-client-abort-destroy? : a close before any response byte on a fresh socket is "socket hang up".
    [Fact]
    public void Close_before_the_response_raises_socket_hang_up()
    {
        using var kit = new ClientKit();
        int port = kit.StartCanned((s, _, _) => s.End());
        var o = kit.Exchange(kit.To(port, method: "POST"), r => r.End("x"u8));
        var error = Assert.IsType<NetException>(o.Error);
        Assert.Equal("ECONNRESET", error.Code);
        Assert.StartsWith("socket hang up", error.Message);
    }

    [Fact]
    public void Destroy_with_an_error_raises_it_then_Close_once()
    {
        using var kit = new ClientKit();
        int port = kit.StartCanned((_, _, _) => { });
        var o = kit.Send(kit.To(port));
        LoopDriver.RunUntil(kit.Loop, () => o.Socket is not null);
        var boom = new InvalidOperationException("boom");
        o.Request!.Destroy(boom);
        o.Request.Destroy(new InvalidOperationException("second"));
        LoopDriver.RunUntil(kit.Loop, () => o.Done && kit.Agent.TotalSockets == 0);
        LoopDriver.RunFor(kit.Loop, 20);
        Assert.Same(boom, o.Error);
        Assert.Equal(["socket", "error", "close"], o.Events);
    }
}

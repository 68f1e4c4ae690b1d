using System.Text;
using Uvnet.Http.Client;
using Uvnet.Net;

namespace Uvnet.Http.Tests.Client;

/// <summary>Node's http.request against Uvnet's server and raw upstreams: the request's head and body, the response's framing.</summary>
public class ClientRequestTests
{
    // test/parallel/test-http-client-get-url.js, test-http-request-end.js
    [Fact]
    public void Get_receives_status_headers_and_body_from_uvnet_server()
    {
        using var kit = new ClientKit();
        string? host = null;
        int port = kit.StartServer((req, res) =>
        {
            host = req.Headers["host"];
            res.SetHeader("X-Answer", "42");
            res.End("hello"u8);
        });
        var o = kit.Exchange(kit.To(port, "/a?b=1"));
        Assert.Null(o.Error);
        Assert.Equal(200, o.Response!.StatusCode);
        Assert.Equal("OK", o.Response.StatusMessage);
        Assert.Equal("42", o.Response.Headers["x-answer"]);
        Assert.Equal("hello", o.Text);
        Assert.Equal($"127.0.0.1:{port}", host);
        Assert.Equal(["socket", "response", "end", "close"], o.Events);
    }

    [Fact]
    public void Get_by_url_sends_path_and_query()
    {
        using var kit = new ClientKit();
        string? url = null;
        int port = kit.StartServer((req, res) => { url = req.Url; res.End(); });
        ClientResponse? response = null;
        Http.Get(kit.Loop, $"http://127.0.0.1:{port}/p/q?x=1", r => response = r).Close += _ => { };
        LoopDriver.RunUntil(kit.Loop, () => response is not null);
        Assert.Equal("/p/q?x=1", url);
    }

    /// <summary>A server on the kit's loop that records each request's framing fields and body.</summary>
    private static int FramingRecorder(ClientKit kit, List<(string? Length, string? Te, string Body)> seen) =>
        kit.StartServer(async (req, res) =>
        {
            string? length = req.Headers["content-length"], te = req.Headers["transfer-encoding"];
            seen.Add((length, te, Encoding.ASCII.GetString(await req.ReadBodyAsync())));
            res.End();
        });

    // test-http-content-length.js: a body given to end() is sent with Content-Length, a written one chunked.
    [Fact]
    public void Body_given_to_End_is_sent_with_content_length()
    {
        using var kit = new ClientKit();
        var seen = new List<(string? Length, string? Te, string Body)>();
        int port = FramingRecorder(kit, seen);
        var o = kit.Exchange(kit.To(port, method: "POST"), r => r.End("payload"u8));
        Assert.Null(o.Error);
        Assert.Equal(("7", null, "payload"), Assert.Single(seen));
    }

    [Fact]
    public void Body_written_before_End_is_sent_chunked()
    {
        using var kit = new ClientKit();
        var seen = new List<(string? Length, string? Te, string Body)>();
        int port = FramingRecorder(kit, seen);
        var o = kit.Exchange(kit.To(port, method: "PUT"), r =>
        {
            r.Write("one,"u8);
            r.Write("two"u8);
            r.End();
        });
        Assert.Null(o.Error);
        Assert.Equal((null, "chunked", "one,two"), Assert.Single(seen));
    }

    [Fact]
    public void Get_without_body_sends_no_framing_fields_and_Post_sends_content_length_zero()
    {
        using var kit = new ClientKit();
        var heads = new List<string>();
        int port = kit.StartCanned((s, head, _) => { heads.Add(head); ClientKit.Canned(s, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"); });
        kit.Exchange(kit.To(port));
        kit.Exchange(kit.To(port, method: "POST"));
        Assert.DoesNotContain("Content-Length", heads[0]);
        Assert.DoesNotContain("Transfer-Encoding", heads[0]);
        Assert.Contains("Content-Length: 0\r\n", heads[1]);
        Assert.Contains("Connection: keep-alive\r\n", heads[0]);
    }

    // test-http-client-invalid-path.js, test-http-invalidheaderfield2.js, test-http-client-check-http-token.js
    [Theory]
    [InlineData("GET", "/a\r\nX: y", "ERR_UNESCAPED_CHARACTERS")]
    [InlineData("GET", "/a b", "ERR_UNESCAPED_CHARACTERS")]
    [InlineData("GET", "/a\0", "ERR_UNESCAPED_CHARACTERS")]
    [InlineData("GE T", "/", "ERR_INVALID_HTTP_TOKEN")]
    [InlineData("", "/", "ERR_INVALID_HTTP_TOKEN")]
    public void Invalid_method_or_path_is_refused_before_anything_is_sent(string method, string path, string code)
    {
        using var kit = new ClientKit();
        var error = Assert.Throws<ArgumentException>(() => Http.Request(kit.Loop, new RequestOptions { Method = method, Path = path, Port = 1, Agent = kit.Agent }));
        Assert.Contains(code, error.Message);
        Assert.Equal(0, kit.Agent.TotalSockets);
    }

    [Fact]
    public void Invalid_header_name_or_value_is_refused()
    {
        using var kit = new ClientKit();
        Assert.Throws<ArgumentException>(() => Http.Request(kit.Loop, kit.To(1) with { Headers = [new("X-A", "b\r\nEvil: 1")] }));
        Assert.Throws<ArgumentException>(() => Http.Request(kit.Loop, kit.To(1) with { Headers = [new("Bad Name", "v")] }));
        var request = Http.Request(kit.Loop, kit.To(ClosedPorts.Next().Port));
        request.Error += (_, _) => { };
        Assert.Throws<ArgumentException>(() => request.SetHeader("X", "a\nb"));
        Assert.Throws<ArgumentException>(() => request.SetHeader("X:", "a"));
        request.Destroy();
        LoopDriver.RunUntil(kit.Loop, () => kit.Agent.TotalSockets == 0);
    }

    [Fact]
    public void Headers_cannot_change_after_they_are_sent()
    {
        using var kit = new ClientKit();
        int port = kit.StartServer((_, res) => res.End());
        var o = kit.Send(kit.To(port), r =>
        {
            r.SetHeader("X-One", "1");
            Assert.Equal("1", r.GetHeader("x-one"));
            r.FlushHeaders();
            Assert.True(r.HeadersSent);
            Assert.Throws<InvalidOperationException>(() => r.SetHeader("X-Two", "2"));
            Assert.Throws<InvalidOperationException>(() => r.RemoveHeader("X-One"));
            r.End();
            Assert.Throws<InvalidOperationException>(() => r.Write("late"u8));
        });
        LoopDriver.RunUntil(kit.Loop, () => o.Done);
        Assert.Null(o.Error);
    }

    [Fact]
    public void Calls_from_another_thread_are_refused()
    {
        using var kit = new ClientKit();
        kit.Loop.Run(RunMode.NoWait); // the loop's thread is this one
        Exception? error = null;
        var thread = new Thread(() => error = Record.Exception(() => Http.Request(kit.Loop, kit.To(1))));
        thread.Start();
        thread.Join();
        Assert.IsType<InvalidOperationException>(error);
    }

    // test-http-head-response-has-no-body.js
    [Fact]
    public void Head_response_has_no_body_whatever_its_content_length()
    {
        using var kit = new ClientKit();
        int port = kit.StartServer((_, res) => res.End("not sent for HEAD"u8));
        var o = kit.Exchange(kit.To(port, method: "HEAD"));
        Assert.Null(o.Error);
        Assert.True(o.Ended);
        Assert.Equal(0, o.Body.Length);
        // The connection is still good: the next response is read right.
        var next = kit.Exchange(kit.To(port));
        Assert.Equal("not sent for HEAD", next.Text);
        Assert.Equal(1, kit.Agent.GetStats("127.0.0.1", port).Created);
    }

    [Fact]
    public void Head_response_without_framing_fields_keeps_its_connection()
    {
        // The parser's keep-alive answer is final only at message complete: read at the head, a HEAD response with
        // neither Content-Length nor Transfer-Encoding looked delimited by the close, and its connection was dropped.
        using var kit = new ClientKit();
        int port = kit.StartCanned((s, head, _) => ClientKit.Canned(s, head.StartsWith("HEAD", StringComparison.Ordinal)
            ? "HTTP/1.1 200 OK\r\nX-Probe: 1\r\n\r\n"
            : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        var o = kit.Exchange(kit.To(port, method: "HEAD"));
        Assert.Null(o.Error);
        Assert.True(o.Ended);
        var next = kit.Exchange(kit.To(port));
        Assert.Equal("ok", next.Text);
        Assert.Equal(1, kit.Agent.GetStats("127.0.0.1", port).Created);
    }

    // test-http-204.js, test-http-304.js
    [Theory]
    [InlineData("204 No Content")]
    [InlineData("304 Not Modified")]
    public void No_content_responses_complete_without_a_body(string status)
    {
        using var kit = new ClientKit();
        int port = kit.StartCanned((s, _, _) => ClientKit.Canned(s, $"HTTP/1.1 {status}\r\nContent-Length: 10\r\n\r\n"));
        var o = kit.Exchange(kit.To(port));
        Assert.Null(o.Error);
        Assert.True(o.Ended);
        Assert.Equal(0, o.Body.Length);
    }

    // test-http-client-response-trailers? (Node: res.trailers after 'end')
    [Fact]
    public void Chunked_response_with_trailers()
    {
        using var kit = new ClientKit();
        int port = kit.StartCanned((s, _, _) => ClientKit.Canned(s,
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nX-Sum: 5\r\n\r\n"));
        var o = kit.Exchange(kit.To(port));
        Assert.Null(o.Error);
        Assert.Equal("abcde", o.Text);
        Assert.Equal("5", o.Response!.Trailers["x-sum"]);
        Assert.Null(o.Response.Headers["x-sum"]);
    }

    [Fact]
    public void Close_delimited_response_ends_with_the_connection()
    {
        using var kit = new ClientKit();
        int port = kit.StartCanned((s, _, _) => { ClientKit.Canned(s, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it"); s.End(); });
        var o = kit.Exchange(kit.To(port));
        Assert.Null(o.Error);
        Assert.Null(o.ResponseError);
        Assert.True(o.Response!.Complete);
        Assert.Equal("all of it", o.Text);
        LoopDriver.RunUntil(kit.Loop, () => kit.Agent.TotalSockets == 0);
    }

    // test-http-information-processing.js, test-http-early-hints.js (client side)
    [Fact]
    public void Interim_responses_raise_Information_before_Response()
    {
        using var kit = new ClientKit();
        int port = kit.StartCanned((s, _, _) => ClientKit.Canned(s,
            "HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        var o = kit.Exchange(kit.To(port));
        Assert.Null(o.Error);
        Assert.Equal(["socket", "information", "information", "response", "end", "close"], o.Events);
        Assert.Equal(102, o.Information[0].StatusCode);
        Assert.Equal("</a.css>; rel=preload", o.Information[1].Headers["link"]);
        Assert.Equal("ok", o.Text);
    }

    // test-http-expect-continue.js (client side)
    [Fact]
    public void Expect_continue_body_is_sent_after_the_100()
    {
        using var kit = new ClientKit();
        string? body = null;
        int port = kit.StartServer(async (req, res) =>
        {
            body = Encoding.ASCII.GetString(await req.ReadBodyAsync());
            res.End("got it"u8);
        });
        bool continued = false;
        var o = kit.Send(kit.To(port, method: "POST") with { Headers = [new("Expect", "100-continue")] }, r =>
        {
            r.SetHeader("Content-Length", "4");
            r.Continue += q => { continued = true; q.End("data"u8); };
            r.FlushHeaders();
        });
        LoopDriver.RunUntil(kit.Loop, () => o.Done);
        Assert.True(continued);
        Assert.Equal("data", body);
        Assert.Equal("got it", o.Text);
    }

    // test-http-upgrade-client.js
    [Fact]
    public void Upgrade_hands_over_the_socket_with_the_bytes_past_the_head()
    {
        using var kit = new ClientKit();
        int port = kit.StartCanned((s, _, _) => ClientKit.Canned(s, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nfirst"));
        Socket? socket = null;
        string? head = null;
        ClientResponse? upgraded = null;
        var request = Http.Request(kit.Loop, kit.To(port) with { Headers = [new("Connection", "Upgrade"), new("Upgrade", "echo")] });
        request.Upgrade += (_, res, s, bytes) => { upgraded = res; socket = s; head = Encoding.ASCII.GetString(bytes); };
        request.End();
        LoopDriver.RunUntil(kit.Loop, () => socket is not null);
        Assert.Equal(101, upgraded!.StatusCode);
        Assert.Equal("first", head);
        Assert.Equal(0, kit.Agent.GetStats("127.0.0.1", port).Connected); // out of the pool
        socket!.Destroy();
    }

    // test-http-client-write-drain? (Node: req.write returns false past the high-water mark, 'drain' follows)
    [Fact]
    public void Write_returns_false_past_the_high_water_mark_and_Drain_follows()
    {
        const int Total = 4 << 20;
        using var kit = new ClientKit();
        long received = 0;
        int port = kit.StartServer((req, res) =>
        {
            req.Data += (_, data) => received += data.Length;
            req.End += _ => res.End();
        });
        var chunk = new byte[64 * 1024];
        int sent = 0, refusals = 0, drains = 0;
        var o = kit.Send(kit.To(port, method: "POST"), r =>
        {
            void Pump()
            {
                while (sent < Total)
                {
                    sent += chunk.Length;
                    if (sent >= Total)
                    {
                        r.End(chunk);
                        return;
                    }
                    if (!r.Write(chunk))
                    {
                        refusals++;
                        return;
                    }
                }
            }
            r.Drain += _ => { drains++; Pump(); };
            Pump();
        });
        LoopDriver.RunUntil(kit.Loop, () => o.Done);
        Assert.Null(o.Error);
        Assert.Equal(Total, received);
        Assert.True(refusals > 0);
        Assert.Equal(refusals, drains);
    }
}

using Uvnet.Http.Client;
using Uvnet.Net;

namespace Uvnet.Http.Tests.Client;

/// <summary>
/// An outside review of the request side: a request is never sent mis-framed (smuggling), whatever its caller sets,
/// and a request whose connection is gone says so instead of buffering forever.
/// </summary>
public class ClientFramingReviewTests
{
    // lib/_http_client.js: method = this.method = StringPrototypeToUpperCase(method). A "head" left lower case would
    // read the HEAD response's Content-Length as a body that never comes.
    [Fact]
    public void Method_is_upper_cased_so_a_lower_case_head_skips_the_body()
    {
        using var kit = new ClientKit();
        var heads = new List<string>();
        int port = kit.StartCanned((s, head, _) => { heads.Add(head); ClientKit.Canned(s, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"); });
        var o = kit.Exchange(kit.To(port, method: "head"));
        Assert.Null(o.Error);
        Assert.Equal("HEAD", o.Request!.Method);
        Assert.StartsWith("HEAD / HTTP/1.1\r\n", Assert.Single(heads));
        Assert.True(o.Ended);
        Assert.Equal("", o.Text);
    }

    // _http_outgoing.js's strictContentLength (ERR_HTTP_CONTENT_LENGTH_MISMATCH), always on here: bytes past a
    // Content-Length the caller set would be read by the server as the next request.
    [Fact]
    public void Write_past_a_user_content_length_is_refused_before_anything_is_sent()
    {
        using var kit = new ClientKit();
        var heads = new List<string>();
        int port = kit.StartCanned((s, head, _) => heads.Add(head));
        var request = Http.Request(kit.Loop, kit.To(port, method: "POST") with { Headers = [new("Content-Length", "5")] });
        request.Error += (_, _) => { };
        var error = Assert.Throws<InvalidOperationException>(() => request.Write("0123456789"u8));
        Assert.Contains("ERR_HTTP_CONTENT_LENGTH_MISMATCH", error.Message);
        Assert.False(request.HeadersSent);
        Assert.True(request.Write("01"u8));
        Assert.Throws<InvalidOperationException>(() => request.End("3456"u8));
        Assert.Throws<InvalidOperationException>(() => request.End("3"u8)); // 3 of 5: the server would wait for 2 more
        request.End("234"u8);
        LoopDriver.RunUntil(kit.Loop, () => heads.Count == 1);
        request.Destroy();
        LoopDriver.RunUntil(kit.Loop, () => kit.Agent.TotalSockets == 0);
    }

    [Fact]
    public void End_short_of_a_user_content_length_is_refused()
    {
        using var kit = new ClientKit();
        var request = Http.Request(kit.Loop, kit.To(ClosedPorts.Next().Port, method: "PUT") with { Headers = [new("Content-Length", "4")] });
        request.Error += (_, _) => { };
        var error = Assert.Throws<InvalidOperationException>(() => request.End("ab"u8));
        Assert.Contains("ERR_HTTP_CONTENT_LENGTH_MISMATCH", error.Message);
        Assert.False(request.WritableEnded);
        request.Destroy();
        LoopDriver.RunUntil(kit.Loop, () => kit.Agent.TotalSockets == 0);
    }

    // The framing the request was made with is checked once (Make) and kept: a field set or removed since must be
    // checked again, or the body would be held to the length the request no longer declares.
    [Fact]
    public void A_content_length_changed_after_the_request_was_made_is_the_one_held_to()
    {
        using var kit = new ClientKit();
        var request = Http.Request(kit.Loop, kit.To(ClosedPorts.Next().Port, method: "PUT") with { Headers = [new("Content-Length", "4")] });
        request.Error += (_, _) => { };
        request.SetHeader("Content-Length", "2");
        Assert.Throws<InvalidOperationException>(() => request.End("abcd"u8));
        request.RemoveHeader("Content-Length");
        request.SetHeader("Transfer-Encoding", "chunked");
        Assert.True(request.Write("abcd"u8)); // chunked now: no length to hold it to
        request.End();
        Assert.True(request.WritableEnded);
        request.Destroy();
        LoopDriver.RunUntil(kit.Loop, () => kit.Agent.TotalSockets == 0);
    }

    // RFC 9112 §6.3: Content-Length beside Transfer-Encoding, a Content-Length that is not one decimal, a
    // Transfer-Encoding that does not end with chunked, or two Host fields (RFC 9112 §3.2) are framed differently by
    // different servers: never sent.
    [Theory]
    [InlineData("Content-Length", "5", "Transfer-Encoding", "chunked")]
    [InlineData("Content-Length", "5", "Content-Length", "6")]
    [InlineData("Content-Length", "-1", null, null)]
    [InlineData("Content-Length", "0x10", null, null)]
    [InlineData("Host", "a.example", "Host", "b.example")]
    [InlineData("Transfer-Encoding", "gzip", null, null)]
    [InlineData("Transfer-Encoding", "xchunked", null, null)]
    [InlineData("Transfer-Encoding", "chunked, gzip", null, null)]
    public void Ambiguous_framing_fields_are_refused_before_anything_is_sent(string name1, string value1, string? name2, string? value2)
    {
        using var kit = new ClientKit();
        var heads = new List<string>();
        int port = kit.StartCanned((s, head, _) => heads.Add(head));
        var headers = new List<KeyValuePair<string, string>> { new(name1, value1) };
        if (name2 is not null)
            headers.Add(new(name2, value2!));
        Assert.Throws<ArgumentException>(() => Http.Request(kit.Loop, kit.To(port, method: "POST") with { Headers = headers }));
        var request = Http.Request(kit.Loop, kit.To(port, method: "POST"));
        request.Error += (_, _) => { };
        request.SetHeader(name1, value1);
        if (name2 is not null && name2 != name1) // SetHeader replaces: a second value of one name cannot be set
            request.SetHeader(name2, value2!);
        if (name1 != name2)
        {
            Assert.Throws<InvalidOperationException>(() => request.End("hello"u8));
            Assert.False(request.HeadersSent);
        }
        request.Destroy();
        LoopDriver.RunUntil(kit.Loop, () => kit.Agent.TotalSockets == 0);
        Assert.Empty(heads);
    }

    [Theory]
    [InlineData("evil\r\nX-Injected: 1")]
    [InlineData("user@evil")]
    [InlineData("a b")]
    [InlineData("a\0b")]
    public void Host_that_would_inject_into_the_head_is_refused(string host)
    {
        using var kit = new ClientKit();
        Assert.Throws<ArgumentException>(() => Http.Request(kit.Loop, kit.To(1) with { Host = host }));
        Assert.Throws<ArgumentException>(() => Http.Request(kit.Loop, kit.To(1) with { Hostname = host }));
        Assert.Equal(0, kit.Agent.TotalSockets);
    }

    // lib/_http_outgoing.js: a Connection: close set by the caller clears shouldKeepAlive; the client closes the
    // connection after the response even when the server's response says nothing of it.
    [Fact]
    public void User_connection_close_is_not_reused()
    {
        using var kit = new ClientKit();
        int port = kit.StartCanned((s, _, _) => ClientKit.Canned(s, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), out List<Socket> accepted);
        var first = kit.Exchange(kit.To(port) with { Headers = [new("Connection", "close")] });
        Assert.Null(first.Error);
        var second = kit.Exchange(kit.To(port));
        Assert.Null(second.Error);
        Assert.False(second.Request!.ReusedSocket);
        Assert.Equal(2, accepted.Count);
    }

    // An early final response (413 before the body was sent, test-http-client-response-before-end style): the
    // connection is closed without the rest of the body, and the request is destroyed with it (Node's req.destroyed),
    // so a writer is told at once instead of filling a buffer that is never sent and waiting for a Drain that never comes.
    [Fact]
    public void Write_after_an_early_response_closed_the_request_is_refused()
    {
        using var kit = new ClientKit();
        int port = kit.StartCanned((s, _, _) => ClientKit.Canned(s, "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n"));
        var o = kit.Send(kit.To(port, method: "POST"), r => r.Write("first"u8));
        LoopDriver.RunUntil(kit.Loop, () => o.Done);
        Assert.Equal(413, o.Response!.StatusCode);
        Assert.True(o.Request!.Destroyed);
        Assert.Throws<InvalidOperationException>(() => o.Request.Write(new byte[32 * 1024]));
        Assert.Throws<InvalidOperationException>(() => o.Request.End());
        LoopDriver.RunUntil(kit.Loop, () => kit.Agent.TotalSockets == 0);
        Assert.Equal(["socket", "response", "end", "close"], o.Events);
    }
}

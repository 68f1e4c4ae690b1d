using Uvnet.Http.Client;
using Uvnet.Net;

namespace Uvnet.Http.Tests.Client;

/// <summary>An outside review of the request side's events: Close exactly once on every path, whoever destroys what, when.</summary>
public class ClientEventsReviewTests
{
    // lib/_http_client.js socketOnData: an upgrade (or CONNECT) nobody listens for destroys the socket, and the socket's
    // close listener, still attached, closes the request.
    [Theory]
    [InlineData("GET", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nbytes")]
    [InlineData("CONNECT", "HTTP/1.1 200 Connection Established\r\n\r\n")]
    public void Upgrade_with_no_handler_destroys_the_socket_and_closes_the_request(string method, string response)
    {
        using var kit = new ClientKit();
        int port = kit.StartCanned((s, _, _) => ClientKit.Canned(s, response));
        var o = kit.Exchange(kit.To(port, method: method) with { Headers = [new("Connection", "Upgrade"), new("Upgrade", "echo")] });
        LoopDriver.RunUntil(kit.Loop, () => kit.Agent.TotalSockets == 0);
        Assert.Null(o.Error);
        Assert.Equal(["socket", "close"], o.Events);
    }

    [Fact]
    public void SendAsync_of_an_upgrade_with_no_handler_fails_instead_of_hanging()
    {
        using var kit = new ClientKit();
        int port = kit.StartCanned((s, _, _) => ClientKit.Canned(s, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"));
        var client = new LoopHttpClient(kit.Loop, kit.Agent);
        // Driven with a deadline rather than Loop.RunUntil: the defect was a task that never completes. Awaited with no
        // context, so that its continuation runs where the loop completes it, not on xunit's (busy) context.
        SynchronizationContext? saved = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        Task<ClientResponse> send;
        try
        {
            send = client.SendAsync(kit.To(port) with { Headers = [new("Connection", "Upgrade"), new("Upgrade", "echo")] }).AsTask();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(saved);
        }
        LoopDriver.RunUntil(kit.Loop, () => send.IsCompleted);
        Assert.Equal("ECONNRESET", Assert.IsType<NetException>(send.Exception?.InnerException).Code);
    }

    // A body refused by its own Content-Length must not leave the request it made connecting and holding the loop.
    [Fact]
    public void SendAsync_with_a_body_its_content_length_refuses_leaves_no_request_behind()
    {
        using var kit = new ClientKit();
        var heads = new List<string>();
        int port = kit.StartCanned((_, head, _) => heads.Add(head));
        var client = new LoopHttpClient(kit.Loop, kit.Agent);
        var error = kit.Loop.RunUntil(async () => await Record.ExceptionAsync(async () =>
            await client.SendAsync(kit.To(port, method: "POST") with { Headers = [new("Content-Length", "10")] }, "short"u8.ToArray())));
        Assert.Contains("ERR_HTTP_CONTENT_LENGTH_MISMATCH", Assert.IsType<InvalidOperationException>(error).Message);
        LoopDriver.RunUntil(kit.Loop, () => kit.Agent.TotalSockets == 0);
        LoopDriver.RunFor(kit.Loop, 20);
        Assert.Equal(0, kit.Agent.TotalSockets);
        Assert.Empty(heads);
    }

    // test-http-client-abort*.js, test-http-abort-*.js: destroy() from inside any event; Close once, nothing after it.
    [Theory]
    [InlineData("socket")]
    [InlineData("information")]
    [InlineData("response")]
    [InlineData("data")]
    [InlineData("end")]
    [InlineData("response-close")]
    [InlineData("close")]
    [InlineData("res.destroy-in-response")]
    [InlineData("res.destroy-in-data")]
    [InlineData("twice")]
    public void Destroy_inside_each_event_closes_the_request_once(string where)
    {
        using var kit = new ClientKit();
        int port = kit.StartCanned((s, _, _) => ClientKit.Canned(s,
            "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd"));
        var events = new List<string>();
        ClientRequest request = Http.Request(kit.Loop, kit.To(port));
        void Kill(string at)
        {
            if (at != where && !(where == "twice" && at == "data"))
                return;
            request.Destroy();
            if (where == "twice")
                request.Destroy(new InvalidOperationException("late"));
        }
        request.Socket += (_, _) => { events.Add("socket"); Kill("socket"); };
        request.Information += (_, _) => { events.Add("information"); Kill("information"); };
        request.Response += (_, res) =>
        {
            events.Add("response");
            res.Data += (r, _) =>
            {
                events.Add("data");
                Kill("data");
                if (where == "res.destroy-in-data")
                    r.Destroy();
            };
            res.End += _ => { events.Add("end"); Kill("end"); };
            res.Error += (_, _) => events.Add("response-error");
            res.Close += _ => { events.Add("response-close"); Kill("response-close"); };
            Kill("response");
            if (where == "res.destroy-in-response")
                res.Destroy();
        };
        request.Error += (_, e) => events.Add("error");
        request.Close += _ => { events.Add("close"); Kill("close"); };
        request.End();
        LoopDriver.RunUntil(kit.Loop, () => events.Contains("close"));
        LoopDriver.RunFor(kit.Loop, 20);
        Assert.Single(events, e => e == "close");
        Assert.Equal("close", events[^1]);
        Assert.DoesNotContain("error", events); // Destroy() without an error raises none
        Assert.True(request.Destroyed);
    }
}

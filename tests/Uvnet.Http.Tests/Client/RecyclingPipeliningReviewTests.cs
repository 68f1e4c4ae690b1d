using Uvnet.Http.Client;

namespace Uvnet.Http.Tests.Client;

/// <summary>
/// An outside review of <see cref="AgentOptions.RecycleRequests"/> and <see cref="AgentOptions.Pipelining"/>: events and
/// calls queued for one use of a recycled pair that must not reach the next, and timeouts on a pipelined connection.
/// </summary>
public class RecyclingPipeliningReviewTests
{
    private static string Ok(string body) => $"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n\r\n{body}";

    /// <summary>
    /// Destroy while the response is in progress aborts the response, which closes the request at once; the Error and
    /// Close that Destroy queued for a later turn must not run on the pair once it was recycled (they marked it closed
    /// and destroyed, so its next use refused End with ERR_STREAM_DESTROYED).
    /// </summary>
    [Theory]
    [InlineData("response")]
    [InlineData("data")]
    public void A_request_destroyed_while_its_response_is_in_progress_is_recycled_whole(string where)
    {
        using var kit = new ClientKit(new AgentOptions { RecycleRequests = true });
        int port = kit.StartCanned((s, _, _) => ClientKit.Canned(s, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello"));
        int closes = 0;
        ClientRequest first = Http.Request(kit.Loop, kit.To(port));
        first.Response += (req, res) =>
        {
            if (where == "response")
                req.Destroy();
            else
                res.Data += (_, _) => req.Destroy();
        };
        first.Close += _ => closes++;
        first.End();
        LoopDriver.RunUntil(kit.Loop, () => closes == 1 && kit.Agent.RecycledCount == 1);
        LoopDriver.RunFor(kit.Loop, 20); // the turns after the recycling, where Destroy's queued close ran
        Assert.Equal(1, closes);

        int port2 = kit.StartServer((_, res) => res.End("second"));
        ClientKit.Outcome second = kit.Exchange(kit.To(port2)); // ended by the kit: threw ERR_STREAM_DESTROYED
        Assert.Same(first, second.Request);
        Assert.Null(second.Error);
        Assert.Equal("second", second.Text);
        Assert.Equal(["socket", "response", "end", "close"], second.Events);
    }

    /// <summary>
    /// A request's timeout is its own (Node's <c>req.setTimeout</c> arms the socket for it): a request pipelined behind
    /// one with a timeout must not replace that timeout with its own (here none), or the first waits forever.
    /// </summary>
    [Fact]
    public void A_request_pipelined_behind_one_with_a_timeout_does_not_disarm_it()
    {
        using var kit = new ClientKit(new AgentOptions { Pipelining = 2 });
        int port = kit.StartCanned((_, _, _) => { }); // never answers
        int timeouts = 0;
        ClientKit.Outcome first = kit.Send(kit.To(port, "/a") with { Timeout = 50 }, r =>
        {
            r.Timeout += req => { timeouts++; req.Destroy(); };
            r.End();
        });
        ClientKit.Outcome second = kit.Send(kit.To(port, "/b"));
        LoopDriver.RunUntil(kit.Loop, () => second.Socket is not null);
        Assert.Same(first.Socket, second.Socket);

        LoopDriver.RunUntil(kit.Loop, () => first.Closed, seconds: 5);
        Assert.Equal(1, timeouts);
    }

    /// <summary>
    /// Once the head of the pipeline is answered, the request behind it is read next under its own timeout, not the
    /// answered one's: here only the second has one, and its Timeout comes while the server keeps it unanswered.
    /// </summary>
    [Fact]
    public void The_request_behind_an_answered_one_is_read_under_its_own_timeout()
    {
        using var kit = new ClientKit(new AgentOptions { Pipelining = 2 });
        int port = kit.StartCanned((s, _, index) =>
        {
            if (index == 0)
                ClientKit.Canned(s, Ok("a")); // the second is never answered
        });
        int timeouts = 0;
        ClientKit.Outcome first = kit.Send(kit.To(port, "/a"));
        ClientKit.Outcome second = kit.Send(kit.To(port, "/b"), r =>
        {
            r.SetTimeout(50, req => { timeouts++; req.Destroy(); });
            r.End();
        });
        // The first is assigned (and arms the socket) after the second's SetTimeout: only the second's Start comes later.
        LoopDriver.RunUntil(kit.Loop, () => first.Closed && second.Closed, seconds: 5);
        Assert.Same(first.Socket, second.Socket);
        Assert.Equal("a", first.Text);
        Assert.Equal(1, timeouts);
    }

    /// <summary>
    /// <see cref="AgentOptions.MaxRequestsPerSocket"/> caps what one connection is given, pipelined requests included: a
    /// connection that may serve two takes no third behind them (it would go past the cap, and meet the close that a
    /// server with the same cap makes after its second answer).
    /// </summary>
    [Fact]
    public void A_connection_is_given_no_more_pipelined_requests_than_MaxRequestsPerSocket()
    {
        using var kit = new ClientKit(new AgentOptions { Pipelining = 4, MaxRequestsPerSocket = 2, MaxSockets = 1 });
        var perConnection = new Dictionary<Uvnet.Net.Socket, int>();
        int port = kit.StartCanned((s, head, _) =>
        {
            perConnection[s] = perConnection.GetValueOrDefault(s) + 1;
            ClientKit.Canned(s, Ok(head.Split(' ')[1]));
        });
        ClientKit.Outcome[] o = new[] { "/a", "/b", "/c", "/d" }.Select(p => kit.Send(kit.To(port, p))).ToArray();
        LoopDriver.RunUntil(kit.Loop, () => o.All(x => x.Closed));

        Assert.Equal(["/a", "/b", "/c", "/d"], o.Select(x => x.Text));
        Assert.All(perConnection.Values, n => Assert.True(n <= 2, $"a connection was sent {n} requests"));
        Assert.Equal(2, kit.Agent.GetStats("127.0.0.1", port).Created);
    }
}

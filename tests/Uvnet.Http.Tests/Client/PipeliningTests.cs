using System.Text;
using Uvnet.Http.Client;
using Uvnet.Net;

namespace Uvnet.Http.Tests.Client;

/// <summary>
/// <see cref="AgentOptions.Pipelining"/>, as undici's <c>pipelining</c> option (test/pipeline-pipelining.js,
/// test/client-pipelining.js): requests sent behind others on one connection, answered in order; only those safe to
/// repeat; a connection that ends mid-pipeline retries once, then fails, each request it did not answer.
/// </summary>
public class PipeliningTests
{
    private static string Ok(string body, string extra = "") =>
        $"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n{extra}\r\n{body}";

    private static string PathOf(string head) => head.Split(' ')[1];

    /// <summary>
    /// A raw upstream whose first connection runs <paramref name="first"/> once its three pipelined heads came, and
    /// whose later connections run <paramref name="later"/> on each head. Returns the port.
    /// </summary>
    private static int ThreeOnTheFirstConnection(ClientKit kit, Action<Socket> first, Action<Socket, string> later)
    {
        List<Socket>? accepted = null;
        return kit.StartCanned((s, head, index) =>
        {
            if (s != accepted![0]) // by connection, not by index: the client may destroy the first before it is read
                later(s, head);
            else if (index == 2)
                first(s);
        }, out accepted);
    }

    private static void Answer(Socket s, string head) => ClientKit.Canned(s, Ok(PathOf(head)));

    private static ClientKit.Outcome[] SendAll(ClientKit kit, int port, params string[] paths) =>
        paths.Select(p => kit.Send(kit.To(port, p))).ToArray();

    [Fact]
    public void Requests_go_out_behind_each_other_on_one_connection_and_are_answered_in_order()
    {
        using var kit = new ClientKit(new AgentOptions { Pipelining = 3 });
        // Answers only once all three heads came: they must have been sent before any response.
        var seen = new List<string>();
        int port = kit.StartCanned((s, head, index) =>
        {
            seen.Add(PathOf(head));
            if (index == 2)
                ClientKit.Canned(s, string.Concat(seen.Select(p => Ok(p, $"X-Path: {p}\r\n"))));
        });
        ClientKit.Outcome[] o = SendAll(kit, port, "/a", "/b", "/c");
        LoopDriver.RunUntil(kit.Loop, () => o.All(x => x.Closed));

        Assert.Equal(["/a", "/b", "/c"], o.Select(x => x.Text));
        Assert.Equal(["/a", "/b", "/c"], o.Select(x => x.Response!.Headers["x-path"])); // each its own head, read after all
        Assert.All(o, x => Assert.Null(x.Error));
        Assert.Same(o[0].Socket, o[2].Socket);
        Assert.Equal(1, kit.Agent.GetStats("127.0.0.1", port).Created);
    }

    /// <summary>
    /// The requests a turn pipelines on a connection leave in one write at the turn's end, as wrk's pipelined batch
    /// (not a send(2) each, which a server then reads one by one): when each request is given the connection, nothing of
    /// those before it has gone to the kernel yet. (No Node or undici test: neither batches, this is uvnet load's need.)
    /// </summary>
    [Fact]
    public void Requests_pipelined_in_one_turn_leave_in_one_write()
    {
        using var kit = new ClientKit(new AgentOptions { Pipelining = 4 });
        int port = kit.StartCanned((s, head, _) => Answer(s, head));
        ClientKit.Outcome first = kit.Exchange(kit.To(port, "/first")); // the connection is open and idle
        long before = first.Socket!.BytesSent;

        var sentWhenAssigned = new List<long>();
        ClientKit.Outcome[] o = SendAll(kit, port, "/a", "/b", "/c");
        foreach (ClientKit.Outcome x in o)
            x.Request!.Socket += (_, socket) => sentWhenAssigned.Add(socket.BytesSent);
        LoopDriver.RunUntil(kit.Loop, () => o.All(x => x.Closed));

        Assert.Equal([before, before, before], sentWhenAssigned);
        Assert.Equal(["/a", "/b", "/c"], o.Select(x => x.Text));
        Assert.All(o, x => Assert.Same(first.Socket, x.Socket));
    }

    /// <summary>Responses to HEAD have no body whatever their Content-Length: each pipelined one ends at its head.</summary>
    [Fact]
    public void Pipelined_HEAD_requests_are_matched_to_their_bodiless_responses()
    {
        using var kit = new ClientKit(new AgentOptions { Pipelining = 3 });
        int port = kit.StartCanned((s, head, index) =>
        {
            if (index == 2)
                ClientKit.Canned(s, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-N: 1\r\n\r\n" + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-N: 2\r\n\r\n" + Ok("third"));
        });
        ClientKit.Outcome[] o = [kit.Send(kit.To(port, "/1", "HEAD")), kit.Send(kit.To(port, "/2", "HEAD")), kit.Send(kit.To(port, "/3"))];
        LoopDriver.RunUntil(kit.Loop, () => o.All(x => x.Closed));

        Assert.Equal(["1", "2"], o[..2].Select(x => x.Response!.Headers["x-n"]));
        Assert.Equal(["", "", "third"], o.Select(x => x.Text));
        Assert.All(o, x => Assert.Same(o[0].Socket, x.Socket));
    }

    [Fact]
    public void Without_pipelining_each_request_in_flight_has_its_own_connection()
    {
        using var kit = new ClientKit();
        int port = kit.StartServer((req, res) => res.End(req.Url));
        ClientKit.Outcome[] o = SendAll(kit, port, "/a", "/b");
        LoopDriver.RunUntil(kit.Loop, () => o.All(x => x.Closed));
        Assert.Equal(["/a", "/b"], o.Select(x => x.Text));
        Assert.Equal(2, kit.Agent.GetStats("127.0.0.1", port).Created);
    }

    [Fact]
    public void Many_requests_pipelined_to_Uvnets_server_all_get_their_own_answers()
    {
        using var kit = new ClientKit(new AgentOptions { Pipelining = 8, MaxSockets = 2 });
        int port = kit.StartServer((req, res) => res.End(req.Url));
        string[] paths = Enumerable.Range(0, 64).Select(i => $"/{i}").ToArray();
        ClientKit.Outcome[] o = SendAll(kit, port, paths);
        LoopDriver.RunUntil(kit.Loop, () => o.All(x => x.Closed));
        Assert.Equal(paths, o.Select(x => x.Text));
        Assert.All(o, x => Assert.Null(x.Error));
        // Room on a busy connection comes before a new one: eight in flight on the first before the second opens.
        Assert.Equal(2, kit.Agent.GetStats("127.0.0.1", port).Created);
        Assert.All(o[..8], x => Assert.Same(o[0].Socket, x.Socket));
        Assert.NotSame(o[0].Socket, o[8].Socket);
    }

    [Theory]
    [InlineData("POST", null)]
    [InlineData("DELETE", null)]
    [InlineData("GET", "Expect: 100-continue")]
    [InlineData("GET", "Connection: close")]
    [InlineData("GET", "Upgrade: websocket")]
    public void A_request_unsafe_to_pipeline_waits_for_a_connection_of_its_own(string method, string? header)
    {
        using var kit = new ClientKit(new AgentOptions { Pipelining = 4 });
        int answered = 0;
        int port = kit.StartCanned((s, head, _) =>
        {
            answered++;
            ClientKit.Canned(s, head.Contains("100-continue") ? "HTTP/1.1 100 Continue\r\n\r\n" + Ok("x") : Ok("x"));
        });
        ClientKit.Outcome first = kit.Send(kit.To(port, "/first"));
        ClientKit.Outcome second = kit.Send(kit.To(port, "/second", method), r =>
        {
            if (header is not null)
            {
                int colon = header.IndexOf(':');
                r.SetHeader(header[..colon], header[(colon + 2)..]);
            }
            r.End();
        });
        LoopDriver.RunUntil(kit.Loop, () => first.Closed && second.Closed);
        Assert.NotSame(first.Socket, second.Socket);
        Assert.Equal(2, kit.Agent.GetStats("127.0.0.1", port).Created);
    }

    [Fact]
    public void Nothing_is_pipelined_behind_a_request_unsafe_to_pipeline()
    {
        using var kit = new ClientKit(new AgentOptions { Pipelining = 4 });
        int port = kit.StartCanned((s, _, _) => ClientKit.Canned(s, Ok("x")));
        ClientKit.Outcome post = kit.Send(kit.To(port, "/post", "POST"));
        ClientKit.Outcome get = kit.Send(kit.To(port, "/get"));
        LoopDriver.RunUntil(kit.Loop, () => post.Closed && get.Closed);
        Assert.NotSame(post.Socket, get.Socket);
    }

    /// <summary>As undici's client, which sends the requests behind a failed pipeline again (client-h1.js onSocketClose).</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_connection_closed_mid_pipeline_retries_each_unanswered_request_once_on_a_fresh_connection(bool reset)
    {
        using var kit = new ClientKit(new AgentOptions { Pipelining = 3 });
        int port = ThreeOnTheFirstConnection(kit, s =>
        {
            ClientKit.Canned(s, Ok("/a")); // the first request only, then the connection goes
            if (reset)
                s.ResetAndDestroy();
            else
                s.End();
        }, Answer);
        ClientKit.Outcome[] o = SendAll(kit, port, "/a", "/b", "/c");
        LoopDriver.RunUntil(kit.Loop, () => o.All(x => x.Closed));

        Assert.All(o, x => Assert.Null(x.Error));
        Assert.Equal(["/a", "/b", "/c"], o.Select(x => x.Text));
        Assert.Equal(["socket", "socket", "response", "end", "close"], o[1].Events);
        Assert.True(kit.Agent.GetStats("127.0.0.1", port).Created >= 2);
    }

    [Fact]
    public void A_pipeline_that_fails_again_reports_socket_hang_up_on_each_unanswered_request()
    {
        using var kit = new ClientKit(new AgentOptions { Pipelining = 3 });
        int port = ThreeOnTheFirstConnection(kit, s =>
        {
            ClientKit.Canned(s, Ok("/a"));
            s.End();
        }, (s, _) => s.End()); // every later connection closes unanswered
        ClientKit.Outcome[] o = SendAll(kit, port, "/a", "/b", "/c");
        LoopDriver.RunUntil(kit.Loop, () => o.All(x => x.Closed));

        Assert.Null(o[0].Error);
        Assert.Equal("/a", o[0].Text);
        foreach (ClientKit.Outcome unanswered in o[1..])
        {
            var error = Assert.IsType<NetException>(unanswered.Error);
            Assert.Equal("ECONNRESET", error.Code);
            Assert.Equal(["socket", "socket", "error", "close"], unanswered.Events);
        }
    }

    [Fact]
    public void A_response_with_Connection_close_ends_the_pipeline_and_those_behind_go_to_a_fresh_connection()
    {
        using var kit = new ClientKit(new AgentOptions { Pipelining = 3 });
        // The server keeps the connection open after its Connection: close: the client closes it.
        int port = ThreeOnTheFirstConnection(kit, s => ClientKit.Canned(s, Ok("/a", "Connection: close\r\n")), Answer);
        ClientKit.Outcome[] o = SendAll(kit, port, "/a", "/b", "/c");
        LoopDriver.RunUntil(kit.Loop, () => o.All(x => x.Closed));

        Assert.All(o, x => Assert.Null(x.Error));
        Assert.Equal(["/a", "/b", "/c"], o.Select(x => x.Text));
        Assert.NotSame(o[0].Socket, o[1].Socket);
    }

    /// <summary>
    /// As undici's: destroying a request sent behind another destroys the connection; the head of the pipeline, first on
    /// a new connection (nothing to retry on), fails, and the requests behind are sent again.
    /// </summary>
    [Fact]
    public void A_pipelined_request_destroyed_by_its_user_ends_the_pipeline_and_each_request_closes_once()
    {
        using var kit = new ClientKit(new AgentOptions { Pipelining = 3 });
        int port = ThreeOnTheFirstConnection(kit, _ => { }, Answer); // the first connection never answers
        ClientKit.Outcome[] o = SendAll(kit, port, "/a", "/b", "/c");
        LoopDriver.RunUntil(kit.Loop, () => o[2].Socket is not null);
        o[1].Request!.Destroy();
        LoopDriver.RunUntil(kit.Loop, () => o.All(x => x.Closed));

        Assert.Equal(["socket", "close"], o[1].Events);
        Assert.Equal("ECONNRESET", Assert.IsType<NetException>(o[0].Error).Code);
        Assert.Null(o[2].Error);
        Assert.Equal("/c", o[2].Text);
        Assert.All(o, x => Assert.Single(x.Events, e => e == "close"));
    }

    [Fact]
    public void Pipelining_below_one_is_refused()
    {
        using var loop = new Loop();
        Assert.Throws<ArgumentOutOfRangeException>(() => new Agent(loop, new AgentOptions { Pipelining = 0 }));
    }
}

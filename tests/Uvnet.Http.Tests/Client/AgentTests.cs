using System.Text;
using Uvnet.Http.Client;
using Uvnet.Http.Server;
using Uvnet.Net;

namespace Uvnet.Http.Tests.Client;

/// <summary>The pool: reuse, limits, scheduling, idle eviction (test/parallel/test-http-agent-*.js, undici's test/client-keep-alive.js).</summary>
public class AgentTests
{
    private static readonly byte[] s_ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray();

    // test-http-agent-keepalive.js: the second request goes out on the first one's socket.
    [Fact]
    public void Keep_alive_reuses_the_same_socket()
    {
        using var kit = new ClientKit();
        int port = kit.StartServer((_, res) => res.End("x"u8));
        var first = kit.Exchange(kit.To(port));
        int? localPort = first.Response!.Socket.LocalPort;
        var second = kit.Exchange(kit.To(port));
        Assert.Equal(localPort, second.Response!.Socket.LocalPort);
        Assert.Equal(new PoolStats(1, 1, 0, 1, 1), kit.Agent.GetStats("127.0.0.1", port));
    }

    // The agent tries the pool it found last first (a proxy's requests go to one origin after another): requests that
    // alternate between origins on one host must still each find their own origin's pool.
    [Fact]
    public void Requests_alternating_between_origins_each_reuse_their_own_pool()
    {
        using var kit = new ClientKit();
        int a = kit.StartServer((_, res) => res.End("a"u8));
        int b = kit.StartServer((_, res) => res.End("b"u8));
        foreach (int port in new[] { a, b, a, b, a })
            Assert.Equal(port == a ? "a" : "b", kit.Exchange(kit.To(port)).Text);
        Assert.Equal(new PoolStats(1, 1, 0, 1, 2), kit.Agent.GetStats("127.0.0.1", a));
        Assert.Equal(new PoolStats(1, 1, 0, 1, 1), kit.Agent.GetStats("127.0.0.1", b));
    }

    // Node's Agent sets noDelay true: a request pipelined behind an unacknowledged one must not wait for the
    // server's delayed ACK (Nagle), nor a body written after its head.
    [Fact]
    public void Pooled_connections_have_Nagle_off()
    {
        using var kit = new ClientKit();
        int port = kit.StartServer((_, res) => res.End("x"u8));
        var outcome = kit.Exchange(kit.To(port));
        using var socket = new System.Net.Sockets.Socket(new System.Net.Sockets.SafeSocketHandle(outcome.Response!.Socket.Handle!.FileDescriptor, ownsHandle: false));
        Assert.NotEqual(0, (int)socket.GetSocketOption(System.Net.Sockets.SocketOptionLevel.Tcp, System.Net.Sockets.SocketOptionName.NoDelay)!);
    }

    [Fact]
    public void Global_agent_is_one_per_loop()
    {
        using var a = new Loop();
        using var b = new Loop();
        Assert.Same(Agent.GetGlobal(a), Agent.GetGlobal(a));
        Assert.NotSame(Agent.GetGlobal(a), Agent.GetGlobal(b));
        Assert.True(Agent.GetGlobal(a).Options.KeepAlive);
    }

    [Fact]
    public void Agent_options_out_of_range_are_refused()
    {
        using var loop = new Loop();
        Assert.Throws<ArgumentOutOfRangeException>(() => new Agent(loop, new AgentOptions { MaxSockets = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Agent(loop, new AgentOptions { MaxFreeSockets = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Agent(loop, new AgentOptions { Timeout = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Agent(loop, new AgentOptions { Scheduling = (AgentScheduling)7 }));
    }

    // test-http-agent-maxsockets.js: requests beyond maxSockets wait for a socket.
    [Fact]
    public void MaxSockets_queues_requests_beyond_the_limit()
    {
        using var kit = new ClientKit(new AgentOptions { MaxSockets = 2 });
        var parked = new List<ServerResponse>();
        int port = kit.StartServer((_, res) => parked.Add(res));
        var outcomes = Enumerable.Range(0, 5).Select(_ => kit.Send(kit.To(port))).ToList();
        LoopDriver.RunUntil(kit.Loop, () => parked.Count == 2);
        Assert.Equal(new PoolStats(2, 0, 3, 2, 0), kit.Agent.GetStats("127.0.0.1", port));
        while (!outcomes.All(o => o.Done))
        {
            LoopDriver.RunUntil(kit.Loop, () => parked.Count > 0 || outcomes.All(o => o.Done));
            foreach (ServerResponse res in parked.ToArray())
                res.End("x"u8);
            parked.Clear();
        }
        Assert.All(outcomes, o => Assert.Equal("x", o.Text));
        Assert.Equal(2, kit.Server!.ConnectionCount);
        Assert.Equal(2, kit.Agent.GetStats("127.0.0.1", port).Created);
    }

    // test-http-agent-maxtotalsockets.js
    [Fact]
    public void MaxTotalSockets_counts_every_origin()
    {
        using var kit = new ClientKit(new AgentOptions { MaxTotalSockets = 1 });
        int a = kit.StartCanned((s, _, _) => s.Write(s_ok));
        int b = kit.StartCanned((s, _, _) => s.Write(s_ok));
        var first = kit.Send(kit.To(a));
        var second = kit.Send(kit.To(b));
        LoopDriver.RunUntil(kit.Loop, () => first.Done && second.Done);
        Assert.Equal("ok", second.Text);
        Assert.True(kit.Agent.TotalSockets <= 1);
    }

    // test-http-agent-maxfreesockets? (Node: sockets freed beyond maxFreeSockets are destroyed)
    [Fact]
    public void MaxFreeSockets_closes_the_surplus()
    {
        using var kit = new ClientKit(new AgentOptions { MaxFreeSockets = 1 });
        var parked = new List<ServerResponse>();
        int port = kit.StartServer((_, res) => parked.Add(res));
        var outcomes = Enumerable.Range(0, 3).Select(_ => kit.Send(kit.To(port))).ToList();
        LoopDriver.RunUntil(kit.Loop, () => parked.Count == 3);
        parked.ForEach(r => r.End());
        LoopDriver.RunUntil(kit.Loop, () => outcomes.All(o => o.Done) && kit.Agent.TotalSockets == 1);
        Assert.Equal(new PoolStats(1, 1, 0, 3, 0), kit.Agent.GetStats("127.0.0.1", port));
    }

    // test-http-agent-scheduling.js
    [Theory]
    [InlineData(AgentScheduling.Lifo)]
    [InlineData(AgentScheduling.Fifo)]
    public void Scheduling_picks_the_last_or_first_freed_socket(AgentScheduling scheduling)
    {
        using var kit = new ClientKit(new AgentOptions { Scheduling = scheduling });
        var parked = new List<ServerResponse>();
        int port = kit.StartServer((_, res) => parked.Add(res));
        var a = kit.Send(kit.To(port));
        var b = kit.Send(kit.To(port));
        LoopDriver.RunUntil(kit.Loop, () => parked.Count == 2);
        parked[0].End();
        LoopDriver.RunUntil(kit.Loop, () => a.Done);
        parked[1].End();
        LoopDriver.RunUntil(kit.Loop, () => b.Done);
        var next = kit.Send(kit.To(port));
        LoopDriver.RunUntil(kit.Loop, () => parked.Count == 3);
        var expected = scheduling == AgentScheduling.Lifo ? b : a;
        Assert.Equal(expected.Socket!.LocalPort, next.Socket!.LocalPort);
        parked[2].End();
        LoopDriver.RunUntil(kit.Loop, () => next.Done);
    }

    [Fact]
    public void MaxRequestsPerSocket_closes_the_connection_after_the_cap()
    {
        using var kit = new ClientKit(new AgentOptions { MaxRequestsPerSocket = 2 });
        int port = kit.StartServer((_, res) => res.End());
        for (int i = 0; i < 3; i++)
            Assert.Null(kit.Exchange(kit.To(port)).Error);
        Assert.Equal(2, kit.Agent.GetStats("127.0.0.1", port).Created);
    }

    // undici: a server's FIN on an idle keep-alive socket removes it from the pool (no request needed to notice).
    [Fact]
    public void Idle_connection_closed_by_the_server_leaves_the_pool_at_once()
    {
        using var kit = new ClientKit();
        int port = kit.StartServer((_, res) => res.End());
        kit.Exchange(kit.To(port));
        Assert.Equal(1, kit.Agent.GetStats("127.0.0.1", port).Free);
        kit.Server!.CloseIdleConnections();
        LoopDriver.RunUntil(kit.Loop, () => kit.Agent.GetStats("127.0.0.1", port).Connected == 0);
    }

    [Fact]
    public void Idle_connection_reset_by_the_server_leaves_the_pool_at_once()
    {
        using var kit = new ClientKit();
        int port = kit.StartCanned((s, _, _) => { s.Write(s_ok); s.Loop.Post(() => s.ResetAndDestroy()); });
        kit.Exchange(kit.To(port));
        LoopDriver.RunUntil(kit.Loop, () => kit.Agent.GetStats("127.0.0.1", port).Connected == 0);
    }

    [Fact]
    public void Stray_bytes_on_an_idle_connection_close_it()
    {
        using var kit = new ClientKit();
        int port = kit.StartCanned((s, _, _) => { s.Write(s_ok); s.Write("HTTP/1.1 200 OK\r\n"u8.ToArray()); });
        var o = kit.Exchange(kit.To(port));
        Assert.Equal("ok", o.Text);
        LoopDriver.RunUntil(kit.Loop, () => kit.Agent.GetStats("127.0.0.1", port).Connected == 0);
    }

    [Fact]
    public void Idle_timeout_closes_a_free_connection()
    {
        using var kit = new ClientKit(new AgentOptions { Timeout = 50 });
        int port = kit.StartCanned((s, _, _) => s.Write(s_ok));
        kit.Exchange(kit.To(port));
        LoopDriver.RunUntil(kit.Loop, () => kit.Agent.GetStats("127.0.0.1", port).Connected == 0);
    }

    // undici keepAliveTimeoutThreshold: the client gives an idle connection up before the server's hint.
    [Fact]
    public void Keep_alive_hint_shortens_the_idle_timeout()
    {
        using var kit = new ClientKit(new AgentOptions { Timeout = 60_000, KeepAliveTimeoutThreshold = 950 });
        int port = kit.StartCanned((s, _, _) => s.Write("HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 0\r\n\r\n"u8.ToArray()));
        kit.Exchange(kit.To(port));
        Assert.Equal(1, kit.Agent.GetStats("127.0.0.1", port).Free);
        LoopDriver.RunUntil(kit.Loop, () => kit.Agent.GetStats("127.0.0.1", port).Connected == 0, seconds: 10);
    }

    [Fact]
    public void Keep_alive_hint_within_the_threshold_is_never_reused()
    {
        using var kit = new ClientKit();
        int port = kit.StartCanned((s, _, _) => s.Write("HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 0\r\n\r\n"u8.ToArray()));
        kit.Exchange(kit.To(port));
        kit.Exchange(kit.To(port));
        Assert.Equal(2, kit.Agent.GetStats("127.0.0.1", port).Created);
    }

    [Fact]
    public void Connection_close_response_is_not_reused()
    {
        using var kit = new ClientKit();
        int port = kit.StartCanned((s, _, _) => s.Write("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"u8.ToArray()));
        kit.Exchange(kit.To(port));
        kit.Exchange(kit.To(port));
        Assert.Equal(2, kit.Agent.GetStats("127.0.0.1", port).Created);
    }

    [Fact]
    public void Response_destroyed_before_its_end_never_returns_its_connection()
    {
        using var kit = new ClientKit();
        int port = kit.StartCanned((s, _, _) => s.Write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"u8.ToArray()));
        var o = kit.Send(kit.To(port));
        LoopDriver.RunUntil(kit.Loop, () => o.Body.Length == 3);
        o.Response!.Destroy();
        LoopDriver.RunUntil(kit.Loop, () => o.Done && kit.Agent.TotalSockets == 0);
        Assert.True(o.Response.Aborted);
    }

    [Fact]
    public void No_agent_uses_a_connection_of_its_own_closed_after_the_response()
    {
        using var kit = new ClientKit();
        string? connection = null;
        int port = kit.StartServer((req, res) => { connection = req.Headers["connection"]; res.End(); });
        var o = kit.Exchange(kit.To(port) with { NoAgent = true });
        Assert.Null(o.Error);
        Assert.Equal("close", connection);
        LoopDriver.RunUntil(kit.Loop, () => kit.Server!.ConnectionCount == 0);
    }

    [Fact]
    public void Destroy_in_every_callback_leaves_nothing_behind()
    {
        using var kit = new ClientKit();
        int port = kit.StartCanned((s, _, _) => s.Write(Encoding.ASCII.GetBytes(
            "HTTP/1.1 103 Early\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")));
        foreach (string at in new[] { "socket", "information", "response", "data", "end" })
        {
            int closes = 0;
            var request = Http.Request(kit.Loop, kit.To(port));
            void Kill(string point) { if (point == at) request.Destroy(); }
            request.Socket += (_, _) => Kill("socket");
            request.Information += (_, _) => Kill("information");
            request.Response += (_, res) =>
            {
                res.Data += (_, _) => Kill("data");
                res.End += _ => Kill("end");
                Kill("response");
            };
            request.Close += _ => closes++;
            request.End();
            LoopDriver.RunUntil(kit.Loop, () => closes > 0);
            LoopDriver.RunFor(kit.Loop, 20);
            Assert.Equal(1, closes);
        }
    }

    // Node: with no 'response' listener the response is dumped; res.resume() does so too.
    [Fact]
    public void Response_nobody_listens_to_is_dumped_and_its_connection_reused()
    {
        using var kit = new ClientKit();
        int port = kit.StartServer((_, res) => res.End("unread body"u8));
        bool closed = false;
        var request = Http.Request(kit.Loop, kit.To(port));
        request.Close += _ => closed = true;
        request.End();
        LoopDriver.RunUntil(kit.Loop, () => closed);
        bool ended = false;
        Http.Get(kit.Loop, kit.To(port), res => { res.End += _ => ended = true; res.Resume(); });
        LoopDriver.RunUntil(kit.Loop, () => ended);
        Assert.Equal(new PoolStats(1, 1, 0, 1, 1), kit.Agent.GetStats("127.0.0.1", port));
    }

    [Fact]
    public void Destroy_in_an_End_handler_leaves_the_connection_to_the_next_request()
    {
        using var kit = new ClientKit(new AgentOptions { MaxSockets = 1 });
        int port = kit.StartServer((_, res) => res.End("x"u8));
        var first = kit.Send(kit.To(port), r =>
        {
            r.Response += (q, res) => res.End += _ => q.Destroy();
            r.End();
        });
        var second = kit.Send(kit.To(port));
        LoopDriver.RunUntil(kit.Loop, () => first.Done && second.Done);
        Assert.Null(second.Error);
        Assert.Equal("x", second.Text);
        Assert.Equal(new PoolStats(1, 1, 0, 1, 1), kit.Agent.GetStats("127.0.0.1", port));
    }

    [Fact]
    public void Agent_Destroy_closes_every_idle_connection_and_leaves_no_handle()
    {
        var kit = new ClientKit(); // closed by AssertNothingLeft, not disposed
        int port = kit.StartServer((_, res) => res.End());
        var outcomes = Enumerable.Range(0, 3).Select(_ => kit.Send(kit.To(port))).ToList();
        LoopDriver.RunUntil(kit.Loop, () => outcomes.All(o => o.Done));
        Assert.Equal(3, kit.Agent.GetStats("127.0.0.1", port).Free);
        kit.Agent.Destroy();
        LoopDriver.RunUntil(kit.Loop, () => kit.Agent.TotalSockets == 0);
        kit.Server!.Close();
        LoopDriver.RunUntil(kit.Loop, () => kit.Server.ConnectionCount == 0);
        LoopDriver.AssertNothingLeft(kit.Loop);
    }

    // test-http-agent-abort-controller.js / Node's removeRequest: a queued request that is destroyed leaves the queue.
    [Fact]
    public void Queued_request_destroyed_while_waiting_leaves_the_queue()
    {
        using var kit = new ClientKit(new AgentOptions { MaxSockets = 1 });
        var parked = new List<ServerResponse>();
        int port = kit.StartServer((_, res) => parked.Add(res));
        var first = kit.Send(kit.To(port));
        var queued = kit.Send(kit.To(port));
        LoopDriver.RunUntil(kit.Loop, () => parked.Count == 1);
        Assert.Equal(new PoolStats(1, 0, 1, 1, 0), kit.Agent.GetStats("127.0.0.1", port));
        queued.Request!.Destroy();
        LoopDriver.RunUntil(kit.Loop, () => queued.Done);
        Assert.Equal(new PoolStats(1, 0, 0, 1, 0), kit.Agent.GetStats("127.0.0.1", port));
        parked[0].End("x"u8);
        LoopDriver.RunUntil(kit.Loop, () => first.Done);
        Assert.Null(queued.Socket);
        Assert.Equal(new PoolStats(1, 1, 0, 1, 0), kit.Agent.GetStats("127.0.0.1", port));
    }

    // test-http-agent-maxtotalsockets.js: an idle socket of another origin gives way, and the total never passes the cap.
    [Fact]
    public void MaxTotalSockets_is_not_exceeded_while_an_idle_connection_gives_way()
    {
        using var kit = new ClientKit(new AgentOptions { MaxTotalSockets = 1 });
        int a = kit.StartCanned((s, _, _) => s.Write(s_ok));
        int b = kit.StartCanned((s, _, _) => s.Write(s_ok));
        kit.Exchange(kit.To(a));
        Assert.Equal(new PoolStats(1, 1, 0, 1, 0), kit.Agent.GetStats("127.0.0.1", a));
        int totalAtSocket = -1;
        PoolStats aAtSocket = default;
        var second = kit.Exchange(kit.To(b), r =>
        {
            r.Socket += (_, _) => { totalAtSocket = kit.Agent.TotalSockets; aAtSocket = kit.Agent.GetStats("127.0.0.1", a); };
            r.End();
        });
        Assert.Equal("ok", second.Text);
        Assert.Equal(1, totalAtSocket);
        Assert.Equal(new PoolStats(0, 0, 0, 1, 0), aAtSocket);
        LoopDriver.RunUntil(kit.Loop, () => kit.Agent.GetStats("127.0.0.1", a).Connected == 0);
        Assert.Equal(1, kit.Agent.TotalSockets);
        Assert.Equal(new PoolStats(1, 1, 0, 1, 0), kit.Agent.GetStats("127.0.0.1", b));
    }

    [Fact]
    public void Request_with_an_agent_of_another_loop_is_refused()
    {
        using var kit = new ClientKit();
        using var other = new Loop();
        var agent = new Agent(other);
        Assert.Throws<ArgumentException>(() => Http.Request(kit.Loop, kit.To(80) with { Agent = agent }));
    }

    // Node frees a socket only once the request is finished and the response ended (responseOnEnd waits for 'finish').
    [Fact]
    public void Connection_whose_request_body_is_still_being_written_goes_back_to_the_pool_only_after_Finish()
    {
        using var kit = new ClientKit();
        bool answered = false;
        long received = 0;
        const int Size = 16 << 20;
        Uvnet.Net.Server server = Uvnet.Net.Net.CreateServer(kit.Loop, socket =>
        {
            socket.Error += (_, _) => { };
            socket.Data += (s, data) =>
            {
                received += data.Length;
                if (!answered)
                {
                    answered = true;
                    s.Pause(); // the request's body waits in the client until the response is complete
                    s.Write(s_ok);
                    s.Loop.Post(() => s.Resume());
                }
            };
        });
        bool listening = false;
        server.Listen(0, "127.0.0.1", () => listening = true);
        LoopDriver.RunUntil(kit.Loop, () => listening);
        int port = server.Port;
        bool finished = false;
        PoolStats atFinish = default;
        var o = kit.Send(kit.To(port, method: "PUT"), r =>
        {
            r.Finish += _ => { finished = true; atFinish = kit.Agent.GetStats("127.0.0.1", port); };
            r.End(new byte[Size]);
        });
        LoopDriver.RunUntil(kit.Loop, () => o.Done && finished);
        Assert.Equal("ok", o.Text);
        Assert.Equal(0, atFinish.Free); // still the request's while it writes
        LoopDriver.RunUntil(kit.Loop, () => kit.Agent.GetStats("127.0.0.1", port).Free == 1);
        server.Close();
    }

    // RFC 9110 §5.3: several Keep-Alive fields are one list; §5.6.6: parameter names are case-insensitive. A hint that is
    // not a count of seconds is ignored (the agent's own timeout applies, and the connection is reused).
    [Theory]
    [InlineData("Keep-Alive: max=5\r\nKeep-Alive: timeout=1\r\n", 2)]
    [InlineData("Keep-Alive: max=5, Timeout=1\r\n", 2)]
    [InlineData("Keep-Alive: timeout=0\r\n", 2)]
    [InlineData("Keep-Alive: timeout=abc\r\n", 1)]
    [InlineData("Keep-Alive: timeout=-1\r\n", 1)]
    [InlineData("Keep-Alive: timeout=1x\r\n", 1)]
    [InlineData("Keep-Alive: notimeout=1\r\n", 1)]
    [InlineData("Keep-Alive: timeout=99999999999999999999\r\n", 1)]
    public void Keep_alive_hint_is_read_from_every_field_and_malformed_ones_are_ignored(string fields, int created)
    {
        using var kit = new ClientKit();
        int port = kit.StartCanned((s, _, _) => s.Write(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\n{fields}Content-Length: 0\r\n\r\n")));
        Assert.Null(kit.Exchange(kit.To(port)).Error);
        Assert.Null(kit.Exchange(kit.To(port)).Error);
        Assert.Equal(created, kit.Agent.GetStats("127.0.0.1", port).Created);
    }

    // test-http-agent-maxtotalsockets.js: a socket freed while another origin waits under MaxTotalSockets makes room for
    // it (it would idle in its own pool while the other request waited for its idle timeout; with none, forever).
    [Fact]
    public void Connection_freed_while_another_origin_waits_under_MaxTotalSockets_makes_room()
    {
        using var kit = new ClientKit(new AgentOptions { MaxTotalSockets = 1, Timeout = 0 });
        var parked = new List<Socket>();
        int a = kit.StartCanned((s, _, _) => parked.Add(s)); // answers when told; never closes an idle connection
        int b = kit.StartCanned((s, _, _) => s.Write(s_ok));
        var first = kit.Send(kit.To(a));
        var second = kit.Send(kit.To(b));
        LoopDriver.RunUntil(kit.Loop, () => parked.Count == 1);
        Assert.Equal(new PoolStats(0, 0, 1, 0, 0), kit.Agent.GetStats("127.0.0.1", b));
        parked[0].Write(s_ok);
        LoopDriver.RunUntil(kit.Loop, () => first.Done && second.Done);
        Assert.Equal("ok", second.Text);
        LoopDriver.RunUntil(kit.Loop, () => kit.Agent.GetStats("127.0.0.1", a).Connected == 0);
        Assert.Equal(1, kit.Agent.TotalSockets);
        Assert.Equal(new PoolStats(1, 1, 0, 1, 0), kit.Agent.GetStats("127.0.0.1", b));
    }

    // A refused connect fails its request and frees its place: the queued request gets its own try, and nothing is left counted.
    [Fact]
    public void Refused_connects_leave_no_count_behind_and_serve_the_queue()
    {
        using var kit = new ClientKit(new AgentOptions { MaxSockets = 1 });
        int port = kit.StartCanned((s, _, _) => s.Write(s_ok));
        kit.Exchange(kit.To(port));
        var outcomes = new List<ClientKit.Outcome>();
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        for (int i = 0; i < 3; i++)
            outcomes.Add(kit.Send(kit.To(port)));
        LoopDriver.RunUntil(kit.Loop, () => outcomes.All(o => o.Done));
        Assert.All(outcomes, o => Assert.Equal("ECONNREFUSED", Assert.IsType<NetException>(o.Error).Code));
        Assert.Equal(new PoolStats(0, 0, 0, 3, 0), kit.Agent.GetStats("127.0.0.1", port));
        Assert.Equal(1, kit.Agent.TotalSockets); // the first origin's idle connection
    }
}

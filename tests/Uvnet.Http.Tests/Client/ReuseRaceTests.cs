using System.Text;
using Uvnet.Http.Client;
using Uvnet.Http.Server;
using Uvnet.Net;

namespace Uvnet.Http.Tests.Client;

/// <summary>
/// A request sent on a pooled connection the server is closing at that moment (Node #47130, #52649): retried once on a
/// fresh connection when that is safe (idempotent, or no body sent), reported otherwise.
/// </summary>
public class ReuseRaceTests
{
    private static readonly byte[] s_ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray();

    /// <summary>An upstream that answers the first request of each connection and closes at the second, unanswered.</summary>
    private static int ClosingAtSecondRequest(ClientKit kit, bool reset) => kit.StartCanned((s, _, index) =>
    {
        if (index == 0)
            s.Write(s_ok);
        else if (reset)
            s.ResetAndDestroy();
        else
            s.End();
    });

    [Theory]
    [InlineData("GET", false)]
    [InlineData("GET", true)]
    [InlineData("PUT", false)]
    [InlineData("DELETE", true)]
    public void Idempotent_request_on_a_connection_closed_as_it_was_sent_is_retried_once(string method, bool reset)
    {
        using var kit = new ClientKit();
        int port = ClosingAtSecondRequest(kit, reset);
        kit.Exchange(kit.To(port));
        var o = kit.Exchange(kit.To(port, method: method), r => r.End(method == "PUT" ? "body"u8 : default));
        Assert.Null(o.Error);
        Assert.Equal("ok", o.Text);
        Assert.Equal(2, kit.Agent.GetStats("127.0.0.1", port).Created);
        Assert.Equal(["socket", "socket", "response", "end", "close"], o.Events);
    }

    [Fact]
    public void Post_with_a_body_is_not_retried()
    {
        using var kit = new ClientKit();
        int port = ClosingAtSecondRequest(kit, reset: false);
        kit.Exchange(kit.To(port));
        var o = kit.Exchange(kit.To(port, method: "POST"), r => r.End("once"u8));
        Assert.Equal("ECONNRESET", Assert.IsType<NetException>(o.Error).Code);
        Assert.Equal(1, kit.Agent.GetStats("127.0.0.1", port).Created);
    }

    [Fact]
    public void Post_without_a_body_is_retried()
    {
        using var kit = new ClientKit();
        int port = ClosingAtSecondRequest(kit, reset: false);
        kit.Exchange(kit.To(port));
        var o = kit.Exchange(kit.To(port, method: "POST"));
        Assert.Null(o.Error);
        Assert.Equal("ok", o.Text);
    }

    [Fact]
    public void Post_without_a_body_is_not_retried_when_the_options_ask_for_idempotent_methods_only()
    {
        using var kit = new ClientKit();
        int port = ClosingAtSecondRequest(kit, reset: false);
        kit.Exchange(kit.To(port));
        var o = kit.Exchange(kit.To(port, method: "POST") with { RetryIdempotentOnly = true });
        Assert.Equal("ECONNRESET", Assert.IsType<NetException>(o.Error).Code);
        Assert.Equal(1, kit.Agent.GetStats("127.0.0.1", port).Created);
    }

    [Fact]
    public void Get_is_still_retried_when_the_options_ask_for_idempotent_methods_only()
    {
        using var kit = new ClientKit();
        int port = ClosingAtSecondRequest(kit, reset: false);
        kit.Exchange(kit.To(port));
        var o = kit.Exchange(kit.To(port) with { RetryIdempotentOnly = true });
        Assert.Null(o.Error);
        Assert.Equal("ok", o.Text);
    }

    [Fact]
    public void A_second_failure_is_reported_not_retried_again()
    {
        using var kit = new ClientKit();
        int answered = 0;
        int port = kit.StartCanned((s, _, _) =>
        {
            if (answered++ == 0)
                s.Write(s_ok);
            else
                s.End();
        });
        kit.Exchange(kit.To(port));
        var o = kit.Exchange(kit.To(port));
        Assert.Equal("ECONNRESET", Assert.IsType<NetException>(o.Error).Code);
        Assert.Equal(2, kit.Agent.GetStats("127.0.0.1", port).Created);
    }

    /// <summary>
    /// The race as it happens: the server closes each idle connection at exactly one second, the moment the client
    /// sends its next GET on it: in the same loop turn the request goes out on the pooled connection and then the
    /// server's FIN, before the client could read it. Every GET succeeds. Unannounced, every later round meets the
    /// closed connection and is retried; announced (<c>Keep-Alive: timeout=1</c>, and the client told to keep no
    /// margin), the client's idle timer, due at the same time, may give the connection up first, which is also a
    /// success: a fresh connection either way.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Requests_sent_as_the_server_closes_at_its_idle_timeout_never_fail(bool announced)
    {
        const int Rounds = 4;
        using var kit = new ClientKit(new AgentOptions { KeepAliveTimeoutThreshold = 0, Timeout = 0 });
        int failures = 0, done = 0, sent = 0, port = 0;
        var timers = new List<TimerHandle>();
        var closing = new HashSet<Socket>();
        byte[] response = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\n{(announced ? "Keep-Alive: timeout=1\r\n" : "")}Content-Length: 2\r\n\r\nok");
        void Send()
        {
            sent++;
            var request = Http.Request(kit.Loop, kit.To(port), res => { res.End += _ => done++; res.Resume(); });
            request.Error += (_, _) =>
            {
                failures++;
                done++;
                if (sent < Rounds)
                    Send();
            };
            request.End();
        }
        port = kit.StartCanned((s, _, _) =>
        {
            if (closing.Contains(s))
                return; // closed at its timeout: the request that raced the close is never answered
            s.Write(response);
            var timeout = new TimerHandle(s.Loop);
            timers.Add(timeout);
            timeout.Start(_ =>
            {
                if (sent < Rounds)
                    Send(); // takes the pooled connection on the next post, just before the close below
                s.Loop.Post(() =>
                {
                    closing.Add(s);
                    s.End();
                });
            }, 1000);
        });
        Send();
        LoopDriver.RunUntil(kit.Loop, () => done == Rounds, seconds: 30);
        timers.ForEach(t => t.Close());
        Assert.Equal(0, failures);
        Assert.Equal(Rounds, kit.Agent.GetStats("127.0.0.1", port).Created);
        if (!announced)
            Assert.Equal(Rounds - 1, kit.Agent.GetStats("127.0.0.1", port).Reused); // each later GET met the race
    }

    // The retry takes a connection as any request does: under MaxSockets, waiting its turn behind the queue.
    [Fact]
    public void Retry_waits_for_a_socket_under_MaxSockets()
    {
        using var kit = new ClientKit(new AgentOptions { MaxSockets = 1 });
        var first = new List<Socket>();
        int port = kit.StartCanned((s, _, index) =>
        {
            if (first.Count == 0)
                first.Add(s);
            if (index == 1 && s == first[0])
                s.End(); // the first connection closes as its second request arrives
            else
                s.Write(s_ok);
        });
        kit.Exchange(kit.To(port));
        int most = 0;
        var outcomes = new List<ClientKit.Outcome>();
        for (int i = 0; i < 3; i++)
            outcomes.Add(kit.Send(kit.To(port), r => { r.Socket += (_, _) => most = Math.Max(most, kit.Agent.TotalSockets); r.End(); }));
        LoopDriver.RunUntil(kit.Loop, () => outcomes.All(o => o.Done));
        Assert.Equal(1, most);
        Assert.All(outcomes, o => Assert.Null(o.Error));
        Assert.Equal(["socket", "socket", "response", "end", "close"], outcomes[0].Events);
        Assert.Equal(new PoolStats(1, 1, 0, 2, 3), kit.Agent.GetStats("127.0.0.1", port));
    }
}

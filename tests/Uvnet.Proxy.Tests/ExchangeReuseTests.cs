using System.Text;
using Uvnet.Net;
using Uvnet.Proxy.Hooks;

namespace Uvnet.Proxy.Tests;

/// <summary>
/// The proxy reuses an exchange, its header lists and its upstream request once the exchange's RequestFinished filters
/// have returned (so that a request allocates nothing): what a filter or a later request could see of an earlier one.
/// </summary>
public sealed class ExchangeReuseTests
{
    [Fact]
    public void An_exchange_serves_the_next_request_once_its_RequestFinished_filters_returned()
    {
        using var kit = new ProxyKit();
        var seen = new List<ProxyExchange>();
        kit.StartProxy(filters: [new DelegateFilter(HookPoint.RequestHead, e => { seen.Add(e); return HookResult.Continue; })], ports: kit.StartEcho());

        Assert.Equal(200, kit.Exchange(kit.ToProxy("/a")).Status);
        LoopDriver.RunUntil(kit.Loop, () => kit.Finished.Count == 1);
        Assert.Equal(200, kit.Exchange(kit.ToProxy("/b")).Status);

        Assert.Same(seen[0], seen[1]);
        Assert.Equal(["/a", "/b"], kit.Seen.Select(s => s.Url));
    }

    [Fact]
    public void An_exchange_a_filter_paused_is_not_reused_when_its_client_went_away()
    {
        // An async filter's callback keeps the exchange; were it reused, the callback's late write would land in another
        // client's upstream request.
        using var kit = new ProxyKit();
        var handles = new List<ResumeHandle>();
        var exchanges = new List<ProxyExchange>();
        kit.StartProxy(filters:
        [
            new DelegateFilter(HookPoint.BeforeForward, e =>
            {
                exchanges.Add(e);
                if (e.UpstreamPath != "/paused")
                    return HookResult.Continue;
                handles.Add(e.Pause());
                return HookResult.Paused;
            }),
        ], ports: kit.StartEcho());

        Outcome first = kit.Send(kit.ToProxy("/paused"));
        LoopDriver.RunUntil(kit.Loop, () => handles.Count == 1);
        first.Request!.Destroy();
        LoopDriver.RunUntil(kit.Loop, () => kit.Finished.Count == 1);
        Outcome second = kit.Send(kit.ToProxy("/next"));
        LoopDriver.RunUntil(kit.Loop, () => exchanges.Count == 2);

        Assert.NotSame(exchanges[0], exchanges[1]);
        Assert.False(handles[0].Resume()); // the late callback: its exchange ended
        LoopDriver.RunUntil(kit.Loop, () => second.Closed);
        Assert.Equal(200, second.Status);
        Assert.Equal(["/next"], kit.Seen.Select(s => s.Url));
    }

    [Fact]
    public void An_exchange_paused_at_RequestFinished_and_never_resumed_leaves_no_timer_open()
    {
        // Such an exchange is never retired (the step that closes a reused exchange's timer), so its pause closes it.
        using var kit = new ProxyKit();
        var handles = new List<ResumeHandle>();
        kit.StartProxy(filters: [new DelegateFilter(HookPoint.RequestFinished, e => { handles.Add(e.Pause()); return HookResult.Paused; })], ports: kit.StartEcho());

        Assert.Equal(200, kit.Exchange(kit.ToProxy()).Status);
        LoopDriver.RunUntil(kit.Loop, () => handles.Count == 1);
        kit.Loop.Run(RunMode.NoWait); // closes complete

        int open = 0;
        kit.Loop.Walk(h => { if (h is TimerHandle { Data: ProxyExchange, IsClosing: false }) open++; });
        Assert.Equal(0, open);
    }

    [Fact]
    public void Header_values_a_filter_kept_are_still_its_requests_after_the_exchange_served_another()
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((req, res) => { res.SetHeader("X-Answer", "for " + req.Url); res.End(); });
        var kept = new List<string>();
        kit.StartProxy(filters:
        [
            new DelegateFilter(HookPoint.BeforeForward, e => { kept.Add(e.UpstreamHeaders.First(h => h.Key == "X-Tag").Value); return HookResult.Continue; }),
            new DelegateFilter(HookPoint.ResponseHead, e => { kept.Add(e.ResponseHeaders.First(h => h.Key == "X-Answer").Value); return HookResult.Continue; }),
        ], ports: port);

        kit.Exchange(kit.ToProxy("/one", "GET", new KeyValuePair<string, string>("X-Tag", "one")));
        kit.Exchange(kit.ToProxy("/two", "GET", new KeyValuePair<string, string>("X-Tag", "two")));

        Assert.Equal(["one", "for /one", "two", "for /two"], kept);
    }

    [Fact]
    public void Pipelined_requests_are_forwarded_one_at_a_time_over_one_upstream_connection()
    {
        // nginx's way with a pipelining client: the next request goes up once the one before has its whole response,
        // over the upstream connection that one released (each took a connection of its own before: 16 upstream
        // connections per client connection pipelining 16 deep). Pooled exchanges still pair each response with its
        // request, in the client's order.
        using var kit = new ProxyKit();
        var accepted = new List<Socket>();
        var paths = new List<string>();
        int port = kit.StartCanned((s, head) =>
        {
            string path = head.Split(' ')[1];
            paths.Add(path);
            string body = "body of " + path;
            s.Write(Encoding.Latin1.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n\r\n{body}"));
        }, accepted);
        kit.StartProxy(ports: port);

        RawClient client = kit.Raw("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        LoopDriver.RunUntil(kit.Loop, () => client.Closed);

        int a = client.Text.IndexOf("body of /a", StringComparison.Ordinal);
        int b = client.Text.IndexOf("body of /b", StringComparison.Ordinal);
        int c = client.Text.IndexOf("body of /c", StringComparison.Ordinal);
        Assert.True(a >= 0 && a < b && b < c, client.Text);
        Assert.Equal(["/a", "/b", "/c"], paths);
        Assert.Single(accepted);
    }

    [Fact]
    public void A_pipelined_request_goes_up_only_once_the_response_before_it_has_all_come()
    {
        using var kit = new ProxyKit();
        var paths = new List<string>();
        Socket? first = null;
        int port = kit.StartCanned((s, head) =>
        {
            string path = head.Split(' ')[1];
            paths.Add(path);
            if (path == "/a")
            {
                first = s; // answered by the test, once it has seen that /b waits
                return;
            }
            s.Write(Encoding.Latin1.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb"));
        });
        kit.StartProxy(ports: port);

        RawClient client = kit.Raw("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        LoopDriver.RunUntil(kit.Loop, () => first is not null);
        for (int i = 0; i < 20; i++)
            kit.Loop.Run(RunMode.NoWait); // time for /b to go up, were it not held
        Assert.Equal(["/a"], paths);

        first!.Write(Encoding.Latin1.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"));
        LoopDriver.RunUntil(kit.Loop, () => client.Closed);

        Assert.Equal(["/a", "/b"], paths);
        int a = client.Text.IndexOf("\r\n\r\na", StringComparison.Ordinal);
        int b = client.Text.IndexOf("\r\n\r\nb", StringComparison.Ordinal);
        Assert.True(a >= 0 && a < b, client.Text);
    }

    [Fact]
    public void After_a_client_reset_mid_response_the_reused_exchange_serves_the_next_request_whole()
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((req, res) =>
        {
            if (req.Url == "/slow")
                res.Write("part of a body that never ends"u8); // the test ends it with the kit
            else
                res.End("whole");
        }, recordBody: false);
        kit.StartProxy(ports: port);

        Outcome cut = kit.Send(kit.ToProxy("/slow"));
        LoopDriver.RunUntil(kit.Loop, () => cut.Body.Length > 0);
        cut.Request!.Destroy();
        LoopDriver.RunUntil(kit.Loop, () => kit.Finished.Count == 1);
        Outcome next = kit.Exchange(kit.ToProxy("/next"));

        Assert.Equal(200, next.Status);
        Assert.Equal("whole", next.Text);
    }

    [Fact]
    public void After_an_upstream_reset_mid_body_the_reused_exchange_serves_the_next_request_whole()
    {
        using var kit = new ProxyKit();
        int port = kit.StartCanned((s, head) =>
        {
            if (head.StartsWith("GET /cut ", StringComparison.Ordinal))
            {
                s.Write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf"u8.ToArray());
                s.Loop.Post(_ => s.ResetAndDestroy(), 0);
            }
            else
                s.Write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nwhole"u8.ToArray());
        });
        kit.StartProxy(ports: port);

        Outcome cut = kit.Exchange(kit.ToProxy("/cut"));
        LoopDriver.RunUntil(kit.Loop, () => kit.Finished.Count == 1);
        Outcome next = kit.Exchange(kit.ToProxy("/next"));

        Assert.NotNull(cut.ResponseError);
        Assert.Equal(200, next.Status);
        Assert.True(next.Ended);
        Assert.Equal("whole", next.Text);
    }
}

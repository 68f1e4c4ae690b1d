using System.Text;
using Uvnet.Net;
using Uvnet.Proxy.Hooks;

namespace Uvnet.Proxy.Tests;

/// <summary>
/// A pipelining client's requests go up one at a time (ProxyConnection.Admit, ProxyExchange.EndTurn): whatever ends the
/// second of three (a filter's verdict at each point, a timeout, an upstream reset, the client's reset), the third
/// starts once, after it, or never when the connection went; no request goes up twice.
/// </summary>
public sealed class PipelineTurnTests
{
    private const string Three =
        "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

    public enum Verdict { Respond, Close, PauseThenContinue, PauseThenRespond, Throw }

    public static TheoryData<HookPoint, Verdict> Table()
    {
        var data = new TheoryData<HookPoint, Verdict>();
        foreach (HookPoint point in new[] { HookPoint.RequestHead, HookPoint.RouteFound, HookPoint.BeforeForward, HookPoint.ResponseHead })
        {
            foreach (Verdict verdict in Enum.GetValues<Verdict>())
                data.Add(point, verdict);
        }
        return data;
    }

    /// <summary>A raw upstream recording each path; <paramref name="special"/> answers a path itself when it returns true, else "body of" the path.</summary>
    private static int Canned(ProxyKit kit, List<string> paths, Func<Socket, string, bool>? special = null, List<Socket>? accepted = null) =>
        kit.StartCanned((s, head) =>
        {
            string path = head.Split(' ')[1];
            paths.Add(path);
            if (special?.Invoke(s, path) == true)
                return;
            string body = "body of " + path;
            s.Write(Encoding.Latin1.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n\r\n{body}"));
        }, accepted);

    [Theory]
    [MemberData(nameof(Table))]
    public void A_verdict_on_the_second_of_three_pipelined_requests_starts_the_third_once_and_after_it(HookPoint point, Verdict verdict)
    {
        using var kit = new ProxyKit();
        var paths = new List<string>();
        int port = Canned(kit, paths);
        ResumeHandle handle = default;
        bool paused = false;
        var answer = HookResult.Respond(418, null, "filtered"u8.ToArray());
        var filter = new DelegateFilter(point, e =>
        {
            if (e.Request!.Url != "/b")
                return HookResult.Continue;
            switch (verdict)
            {
                case Verdict.Respond:
                    return answer;
                case Verdict.Close:
                    return HookResult.Close;
                case Verdict.Throw:
                    throw new InvalidTimeZoneException("filter bug");
                default:
                    handle = e.Pause();
                    paused = true;
                    return HookResult.Paused;
            }
        });
        ProxyServer proxy = kit.StartProxy(filters: [filter], ports: port);
        proxy.FilterError += (_, _) => { };

        RawClient client = kit.Raw(Three);
        if (verdict is Verdict.PauseThenContinue or Verdict.PauseThenRespond)
        {
            LoopDriver.RunUntil(kit.Loop, () => paused);
            Assert.True(handle.Resume(verdict == Verdict.PauseThenRespond ? answer : HookResult.Continue));
        }
        LoopDriver.RunUntil(kit.Loop, () => client.Closed && kit.Finished.Count == 3);

        string text = client.Text;
        bool bWentUp = point == HookPoint.ResponseHead || verdict == Verdict.PauseThenContinue;
        if (verdict == Verdict.Close)
        {
            Assert.Equal(bWentUp ? ["/a", "/b"] : ["/a"], paths); // the connection went: /c never goes up
            Assert.Contains("body of /a", text);
            Assert.DoesNotContain("body of /c", text);
        }
        else
        {
            Assert.Equal(bWentUp ? ["/a", "/b", "/c"] : ["/a", "/c"], paths);
            string middle = verdict switch { Verdict.PauseThenContinue => "body of /b", Verdict.Throw => " 500 ", _ => "filtered" };
            int a = text.IndexOf("body of /a", StringComparison.Ordinal);
            int b = text.IndexOf(middle, StringComparison.Ordinal);
            int c = text.IndexOf("body of /c", StringComparison.Ordinal);
            Assert.True(a >= 0 && a < b && b < c, text);
            Assert.Equal(text.IndexOf("body of /c", StringComparison.Ordinal), text.LastIndexOf("body of /c", StringComparison.Ordinal));
        }
        Assert.Equal(0, proxy.ActiveExchanges);
    }

    [Fact]
    public void A_response_timeout_on_the_second_pipelined_request_answers_it_and_the_third_goes_up_once()
    {
        using var kit = new ProxyKit();
        var paths = new List<string>();
        var accepted = new List<Socket>();
        int port = Canned(kit, paths, (_, path) => path == "/b", accepted); // /b is never answered
        ProxyServer proxy = kit.StartProxy(timeouts: new ProxyTimeouts { ResponseHead = 50 }, ports: port);

        RawClient client = kit.Raw(Three);
        LoopDriver.RunUntil(kit.Loop, () => client.Closed && kit.Finished.Count == 3);

        Assert.Equal(["/a", "/b", "/c"], paths);
        string text = client.Text;
        int a = text.IndexOf("body of /a", StringComparison.Ordinal);
        int b = text.IndexOf(" 504 ", StringComparison.Ordinal);
        int c = text.IndexOf("body of /c", StringComparison.Ordinal);
        Assert.True(a >= 0 && a < b && b < c, text);
        Assert.Equal(2, accepted.Count); // /b's connection was dropped, not handed to /c with its answer still to come
        Assert.Equal(0, proxy.ActiveExchanges);
    }

    /// <summary>A proxy with no retries in front of an upstream that resets the connection /b arrives on.</summary>
    private static ProxyServer StartResettingAtB(ProxyKit kit, List<string> paths)
    {
        int port = Canned(kit, paths, (s, path) =>
        {
            if (path != "/b")
                return false;
            s.ResetAndDestroy();
            return true;
        });
        return kit.StartProxy(ProxyKit.Simple(null, null, port) with { MaxRetries = 0 });
    }

    [Fact]
    public void An_upstream_reset_before_the_second_pipelined_response_answers_it_and_the_third_goes_up_once()
    {
        using var kit = new ProxyKit();
        var paths = new List<string>();
        ProxyServer proxy = StartResettingAtB(kit, paths);

        RawClient client = kit.Raw(Three);
        LoopDriver.RunUntil(kit.Loop, () => client.Closed && kit.Finished.Count == 3);

        // The agent sends /b again once on a fresh connection (a reset on a reused keep-alive connection, before any
        // byte of the response, is taken for the stale-connection race): MaxRetries does not count it.
        Assert.Equal(["/a", "/b", "/b", "/c"], paths);
        string text = client.Text;
        int a = text.IndexOf("body of /a", StringComparison.Ordinal);
        int b = text.IndexOf(" 502 ", StringComparison.Ordinal);
        int c = text.IndexOf("body of /c", StringComparison.Ordinal);
        Assert.True(a >= 0 && a < b && b < c, text);
        Assert.Equal(0, proxy.ActiveExchanges);
    }

    [Fact]
    public void A_bodyless_POST_whose_reused_upstream_connection_resets_is_not_sent_up_again()
    {
        // The HTTP client resends a request that sent no body byte when a reused connection closes under it (undici's
        // rule); through the proxy that would send a client's POST twice, which MaxRetries = 0 forbids and nginx never does.
        using var kit = new ProxyKit();
        var paths = new List<string>();
        ProxyServer proxy = StartResettingAtB(kit, paths);

        RawClient client = kit.Raw("GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        LoopDriver.RunUntil(kit.Loop, () => client.Closed && kit.Finished.Count == 2);

        Assert.Equal(["/a", "/b"], paths);
        string text = client.Text;
        int a = text.IndexOf("body of /a", StringComparison.Ordinal);
        int b = text.IndexOf(" 502 ", StringComparison.Ordinal);
        Assert.True(a >= 0 && a < b, text);
        Assert.Equal(0, proxy.ActiveExchanges);
    }

    [Fact]
    public void A_client_reset_during_the_second_pipelined_response_never_sends_the_third_up()
    {
        using var kit = new ProxyKit();
        var paths = new List<string>();
        int port = Canned(kit, paths, (s, path) =>
        {
            if (path != "/b")
                return false;
            s.Write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf of b"u8.ToArray());
            return true;
        });
        ProxyServer proxy = kit.StartProxy(ports: port);

        RawClient client = kit.Raw(Three);
        LoopDriver.RunUntil(kit.Loop, () => client.Text.Contains("half of b", StringComparison.Ordinal));
        client.Socket!.ResetAndDestroy();
        LoopDriver.RunUntil(kit.Loop, () => kit.Finished.Count == 3 && proxy.ActiveExchanges == 0);
        for (int i = 0; i < 10; i++)
            kit.Loop.Run(RunMode.NoWait); // time for /c to go up, were it started

        Assert.Equal(["/a", "/b"], paths);
    }

    [Fact]
    public void A_request_with_a_body_pipelined_behind_one_without_goes_up_whole_after_it()
    {
        using var kit = new ProxyKit();
        var accepted = new List<Socket>();
        int port = kit.StartUpstream((req, res) =>
        {
            var body = new MemoryStream();
            req.Data += (_, d) => body.Write(d);
            req.End += _ => res.End(req.Url + ":" + Encoding.Latin1.GetString(body.ToArray()) + ";");
        }, recordBody: false);
        ProxyServer proxy = kit.StartProxy(ports: port);

        string big = new('x', 40_000); // past the 16 KiB held while it waits for its turn
        RawClient client = kit.Raw("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
            + $"POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: {big.Length}\r\n\r\n{big}"
            + "GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        LoopDriver.RunUntil(kit.Loop, () => client.Closed && kit.Finished.Count == 3);

        string text = client.Text;
        int a = text.IndexOf("/a:;", StringComparison.Ordinal);
        int b = text.IndexOf("/b:" + big + ";", StringComparison.Ordinal);
        int c = text.IndexOf("/c:;", StringComparison.Ordinal);
        Assert.True(a >= 0 && a < b && b < c, text.Length > 400 ? text[..400] : text);
        Assert.Equal(0, proxy.ActiveExchanges);
    }

    [Fact]
    public void An_upgrade_pipelined_behind_a_request_waits_for_its_response_and_goes_up_once()
    {
        using var kit = new ProxyKit();
        var paths = new List<string>();
        int port = Canned(kit, paths, (s, path) =>
        {
            if (path != "/ws")
                return false;
            s.Write("HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\nhello from ws"u8.ToArray());
            return true;
        });
        ProxyServer proxy = kit.StartProxy(ports: port);

        RawClient client = kit.Raw("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /ws HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\n");
        LoopDriver.RunUntil(kit.Loop, () => client.Text.Contains("hello from ws", StringComparison.Ordinal));

        string text = client.Text;
        Assert.Equal(["/a", "/ws"], paths);
        Assert.True(text.IndexOf("body of /a", StringComparison.Ordinal) < text.IndexOf(" 101 ", StringComparison.Ordinal), text);
        client.Socket!.Destroy();
        LoopDriver.RunUntil(kit.Loop, () => kit.Finished.Count == 2 && proxy.ActiveExchanges == 0);
    }
    [Fact]
    public void A_pipelined_request_waiting_its_turn_across_a_reload_that_retired_its_cluster_is_still_answered()
    {
        // The first request's end closes the retired cluster's pool (its last request is over); the second, queued
        // behind it since before the reload, must not go up through that pool as it closes.
        using var kit = new ProxyKit();
        var paths = new List<string>();
        Socket? held = null;
        int port = Canned(kit, paths, (s, path) =>
        {
            if (path != "/a")
                return false;
            held = s;
            return true;
        });
        ProxyOptions options = ProxyKit.Simple(null, null, port);
        ProxyServer proxy = kit.StartProxy(options);

        RawClient client = kit.Raw("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        LoopDriver.RunUntil(kit.Loop, () => held is not null);
        proxy.Reload(proxy.Options with { Clusters = [proxy.Options.Clusters[0] with { EjectionTime = 12_345 }] }); // "app" changed: retired
        held!.Write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nbody of /a"u8.ToArray());
        LoopDriver.RunUntil(kit.Loop, () => client.Closed && kit.Finished.Count == 2);

        string text = client.Text;
        int a = text.IndexOf("body of /a", StringComparison.Ordinal);
        int b = text.IndexOf("body of /b", StringComparison.Ordinal);
        Assert.True(a >= 0 && a < b, text);
        Assert.Equal(["/a", "/b"], paths);
    }
}

using Uvnet.Proxy.Hooks;

namespace Uvnet.Proxy.Tests;

/// <summary>
/// Every verdict at every hook point that has a request (the table that catches BFE's #629, where Finish at a forward
/// point crashed): each is honoured there, and a throwing filter is a 500 with the proxy still up.
/// </summary>
public sealed class HookPointTests
{
    public enum Verdict { Respond, Redirect, Close, PauseThenContinue, PauseThenRespond, ResumeInsideTheCall, Throw }

    public static TheoryData<HookPoint, Verdict> Table()
    {
        var data = new TheoryData<HookPoint, Verdict>();
        foreach (HookPoint point in new[] { HookPoint.Accept, HookPoint.RequestHead, HookPoint.RouteFound, HookPoint.BeforeForward, HookPoint.ResponseHead })
        {
            foreach (Verdict verdict in Enum.GetValues<Verdict>())
                data.Add(point, verdict);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Table))]
    public void Each_verdict_is_honoured_at_each_point(HookPoint point, Verdict verdict)
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((req, res) => res.End("upstream"));
        var errors = new List<Exception>();
        var filter = new ActingFilter(point, verdict, kit.Loop);
        ProxyServer proxy = kit.StartProxy(filters: [filter], ports: port);
        proxy.FilterError += (e, _) => errors.Add(e);

        Outcome o = kit.Exchange(kit.ToProxy());

        Assert.Equal(1, filter.Calls);
        bool reachedUpstream = point == HookPoint.ResponseHead;
        switch (verdict)
        {
            case Verdict.Respond or Verdict.PauseThenRespond or Verdict.ResumeInsideTheCall:
                Assert.Equal(418, o.Status);
                Assert.Equal("filtered", o.Text);
                Assert.Equal("yes", o.Response!.Headers["x-filter"]);
                Assert.Equal(reachedUpstream, kit.Seen.Count == 1);
                break;
            case Verdict.Redirect:
                Assert.Equal(307, o.Status);
                Assert.Equal("/elsewhere", o.Response!.Headers["location"]);
                break;
            case Verdict.Close:
                Assert.Null(o.Response);
                Assert.NotNull(o.Error);
                break;
            case Verdict.PauseThenContinue:
                Assert.Equal(200, o.Status);
                Assert.Equal("upstream", o.Text);
                break;
            case Verdict.Throw:
                Assert.Equal(500, o.Status);
                Assert.IsType<InvalidTimeZoneException>(Assert.Single(errors));
                break;
        }
        if (verdict != Verdict.Throw)
            Assert.Empty(errors);
        if (point == HookPoint.Accept && verdict is Verdict.Respond or Verdict.Redirect or Verdict.PauseThenRespond)
            Assert.Equal("close", o.Response!.Headers["connection"]); // an Accept answer is given to each request, then the connection closes

        // The proxy is still up, and serves the next request (on a new connection when that one closed).
        filter.Off = true;
        Assert.Equal("upstream", kit.Exchange(kit.ToProxy()).Text);
        Assert.Equal(0, proxy.ActiveExchanges);
    }

    [Fact]
    public void A_filter_that_returns_Paused_without_a_handle_is_a_filter_error()
    {
        using var kit = new ProxyKit();
        var errors = new List<Exception>();
        ProxyServer proxy = kit.StartProxy(filters: [new DelegateFilter(HookPoint.RequestHead, _ => HookResult.Paused)], ports: kit.StartEcho());
        proxy.FilterError += (e, _) => errors.Add(e);

        Assert.Equal(500, kit.Exchange(kit.ToProxy()).Status);
        Assert.IsType<InvalidOperationException>(Assert.Single(errors));
    }

    [Fact]
    public void A_filter_that_takes_a_handle_and_continues_is_a_filter_error_and_the_handle_is_void()
    {
        using var kit = new ProxyKit();
        var errors = new List<Exception>();
        ResumeHandle handle = default;
        ProxyServer proxy = kit.StartProxy(filters: [new DelegateFilter(HookPoint.RequestHead, e => { handle = e.Pause(); return HookResult.Continue; })], ports: kit.StartEcho());
        proxy.FilterError += (e, _) => errors.Add(e);

        Assert.Equal(500, kit.Exchange(kit.ToProxy()).Status);
        Assert.Single(errors);
        Assert.False(handle.Resume());
    }

    [Fact]
    public void Pause_outside_a_filter_call_is_refused()
    {
        using var kit = new ProxyKit();
        ProxyExchange? kept = null;
        kit.StartProxy(filters: [new DelegateFilter(HookPoint.RequestHead, e => { kept = e; return HookResult.Continue; })], ports: kit.StartEcho());

        kit.Exchange(kit.ToProxy());

        Assert.Throws<InvalidOperationException>(() => kept!.Pause());
    }

    [Fact]
    public void A_handle_resumes_once_and_not_after_its_client_went_away()
    {
        using var kit = new ProxyKit();
        var handles = new List<ResumeHandle>();
        kit.StartProxy(filters: [new DelegateFilter(HookPoint.RequestHead, e => { handles.Add(e.Pause()); return HookResult.Paused; })], ports: kit.StartEcho());

        Outcome first = kit.Send(kit.ToProxy());
        LoopDriver.RunUntil(kit.Loop, () => handles.Count == 1);
        Assert.True(handles[0].Resume(HookResult.Respond(204)));
        Assert.False(handles[0].Resume()); // used
        LoopDriver.RunUntil(kit.Loop, () => first.Closed);
        Assert.Equal(204, first.Status);

        Outcome second = kit.Send(kit.ToProxy());
        LoopDriver.RunUntil(kit.Loop, () => handles.Count == 2);
        second.Request!.Destroy();
        LoopDriver.RunUntil(kit.Loop, () => kit.Finished.Count == 2);
        Assert.False(handles[1].Resume()); // its exchange ended
        Assert.Throws<ArgumentException>(() => handles[1].Resume(HookResult.Paused));
    }

    [Fact]
    public void A_handle_is_refused_off_the_loop_thread()
    {
        using var kit = new ProxyKit();
        ResumeHandle handle = default;
        bool paused = false;
        kit.StartProxy(filters: [new DelegateFilter(HookPoint.RequestHead, e => { handle = e.Pause(); paused = true; return HookResult.Paused; })], ports: kit.StartEcho());
        Outcome o = kit.Send(kit.ToProxy());
        LoopDriver.RunUntil(kit.Loop, () => paused);

        Exception? error = null;
        var thread = new Thread(() => error = Record.Exception(() => handle.Resume()));
        thread.Start();
        thread.Join();

        Assert.IsType<InvalidOperationException>(error);
        Assert.True(handle.Resume()); // still good on the loop's thread
        LoopDriver.RunUntil(kit.Loop, () => o.Closed);
        Assert.Equal(200, o.Status);
    }

    [Fact]
    public void Filters_run_in_order_and_the_chain_stops_at_the_first_verdict()
    {
        using var kit = new ProxyKit();
        var calls = new List<string>();
        kit.StartProxy(filters:
        [
            new DelegateFilter(HookPoint.RequestHead, _ => { calls.Add("a"); return HookResult.Continue; }),
            new DelegateFilter(HookPoint.RequestHead, _ => { calls.Add("b"); return HookResult.Respond(403); }),
            new DelegateFilter(HookPoint.RequestHead, _ => { calls.Add("c"); return HookResult.Continue; }),
        ], ports: kit.StartEcho());

        Assert.Equal(403, kit.Exchange(kit.ToProxy()).Status);
        Assert.Equal(["a", "b"], calls);
    }

    [Fact]
    public void Points_run_in_BFEs_order_for_a_forwarded_request()
    {
        using var kit = new ProxyKit();
        var points = new List<HookPoint>();
        var recorder = new PointRecorder(points);
        ProxyServer proxy = kit.StartProxy(filters: [recorder], ports: kit.StartEcho());

        var outcome = kit.Exchange(kit.ToProxy());
        proxy.Dispose();
        kit.Client.Destroy();
        LoopDriver.RunUntil(kit.Loop, () => points.Contains(HookPoint.ConnectionFinished));

        Assert.Equal(200, outcome.Status);
        Assert.Equal([HookPoint.Accept, HookPoint.RequestHead, HookPoint.RouteFound, HookPoint.BeforeForward, HookPoint.ResponseHead,
            HookPoint.RequestFinished, HookPoint.ConnectionFinished], points);
    }

    [Fact]
    public void A_BeforeForward_filter_changes_the_upstream_request_and_a_ResponseHead_filter_the_response()
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((req, res) => { res.SetHeader("X-Secret", "s"); res.End(req.Url); });
        kit.StartProxy(filters:
        [
            new DelegateFilter(HookPoint.BeforeForward, e => { e.UpstreamPath = "/changed"; e.UpstreamHeaders.Add(new("X-Added", "1")); return HookResult.Continue; }),
            new DelegateFilter(HookPoint.ResponseHead, e => { e.ResponseHeaders.RemoveAll(h => h.Key == "X-Secret"); e.ResponseStatus = 203; return HookResult.Continue; }),
        ], ports: port);

        Outcome o = kit.Exchange(kit.ToProxy("/original"));

        Assert.Equal(203, o.Status);
        Assert.Equal("/changed", o.Text);
        Assert.Equal("1", kit.Seen[0].Header("x-added"));
        Assert.Null(o.Response!.Headers["x-secret"]);
    }

    [Fact]
    public void Close_at_RequestFinished_closes_the_connection_after_the_response()
    {
        using var kit = new ProxyKit();
        kit.StartProxy(filters: [new DelegateFilter(HookPoint.RequestFinished, _ => HookResult.Close)], ports: kit.StartEcho());

        Assert.Equal(200, kit.Exchange(kit.ToProxy()).Status);
        Assert.Equal(200, kit.Exchange(kit.ToProxy()).Status);

        Assert.Equal(2, kit.Client.GetStats("127.0.0.1", kit.Proxy!.Port).Created);
    }

    [Fact]
    public void Pause_at_RequestFinished_holds_the_next_request_of_the_connection_until_resumed()
    {
        using var kit = new ProxyKit();
        var handles = new List<ResumeHandle>();
        kit.StartProxy(filters: [new DelegateFilter(HookPoint.RequestFinished, e => { handles.Add(e.Pause()); return HookResult.Paused; })], ports: kit.StartEcho());

        Assert.Equal(200, kit.Exchange(kit.ToProxy()).Status);
        Outcome second = kit.Send(kit.ToProxy());
        LoopDriver.RunFor(kit.Loop, 100);
        Assert.Null(second.Response); // held
        Assert.Empty(kit.Seen.Skip(1));

        handles[0].Resume();
        LoopDriver.RunUntil(kit.Loop, () => second.Closed);
        Assert.Equal(200, second.Status);
        Assert.Equal(1, kit.Client.GetStats("127.0.0.1", kit.Proxy!.Port).Created);
        handles[1].Resume();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_answer_or_a_throw_at_RequestFinished_is_a_filter_error_that_closes_the_connection(bool throws)
    {
        using var kit = new ProxyKit();
        var errors = new List<Exception>();
        ProxyServer proxy = kit.StartProxy(filters: [new DelegateFilter(HookPoint.RequestFinished, _ => throws ? throw new InvalidTimeZoneException() : HookResult.Respond(200))], ports: kit.StartEcho());
        proxy.FilterError += (e, _) => errors.Add(e);

        Assert.Equal(200, kit.Exchange(kit.ToProxy()).Status);
        Assert.Equal(200, kit.Exchange(kit.ToProxy()).Status);

        Assert.Equal(2, errors.Count);
        Assert.Equal(2, kit.Client.GetStats("127.0.0.1", proxy.Port).Created);
    }

    [Fact]
    public void A_throw_at_ConnectionFinished_is_reported_and_nothing_else_happens()
    {
        using var kit = new ProxyKit();
        var errors = new List<Exception>();
        ProxyServer proxy = kit.StartProxy(filters: [new DelegateFilter(HookPoint.ConnectionFinished, _ => throw new InvalidTimeZoneException())], ports: kit.StartEcho());
        proxy.FilterError += (e, _) => errors.Add(e);

        Assert.Equal(200, kit.Exchange(kit.ToProxy()).Status);
        kit.Client.Destroy();
        LoopDriver.RunUntil(kit.Loop, () => errors.Count == 1);
        Assert.Equal(200, kit.Exchange(kit.ToProxy()).Status);
    }

    [Fact]
    public void Route_filters_run_after_the_proxys_for_their_routes_only()
    {
        using var kit = new ProxyKit();
        int port = kit.StartUpstream((req, res) => res.End("up"));
        var calls = new List<string>();
        kit.StartProxy(new ProxyOptions
        {
            Clusters = [new Clusters.ProxyCluster { Name = "app", Destinations = [$"127.0.0.1:{port}"] }],
            Routes =
            [
                new Routing.ProxyRoute { Cluster = "app", PathPrefix = "/admin/", Filters = [new DelegateFilter(HookPoint.RouteFound, _ => { calls.Add("route"); return HookResult.Respond(401); })] },
                new Routing.ProxyRoute { Cluster = "app" },
            ],
            Filters = [new DelegateFilter(HookPoint.RouteFound, _ => { calls.Add("proxy"); return HookResult.Continue; })],
        });

        Assert.Equal(401, kit.Exchange(kit.ToProxy("/admin/x")).Status);
        Assert.Equal("up", kit.Exchange(kit.ToProxy("/public")).Text);
        Assert.Equal(["proxy", "route", "proxy"], calls);
    }

    /// <summary>Acts once at its point as the table says; afterwards (<see cref="Off"/>) it lets everything through.</summary>
    private sealed class ActingFilter(HookPoint point, Verdict verdict, Loop loop) : ProxyFilter
    {
        private static readonly HookResult s_answer = HookResult.Respond(418, [new("X-Filter", "yes")], "filtered"u8.ToArray());

        internal int Calls;
        internal bool Off;

        private HookResult Act(ProxyExchange exchange, HookPoint at)
        {
            if (at != point || Off)
                return HookResult.Continue;
            Calls++;
            switch (verdict)
            {
                case Verdict.Respond:
                    return s_answer;
                case Verdict.Redirect:
                    return HookResult.Redirect("/elsewhere", 307);
                case Verdict.Close:
                    return HookResult.Close;
                case Verdict.Throw:
                    throw new InvalidTimeZoneException("filter bug");
                case Verdict.ResumeInsideTheCall:
                {
                    ResumeHandle early = exchange.Pause();
                    Assert.True(early.Resume(s_answer)); // a cache hit answered at once
                    return HookResult.Paused;
                }
                default:
                {
                    ResumeHandle handle = exchange.Pause();
                    var timer = new TimerHandle(loop);
                    timer.Start(t =>
                    {
                        t.Close();
                        Assert.True(handle.Resume(verdict == Verdict.PauseThenRespond ? s_answer : HookResult.Continue));
                    }, 20);
                    return HookResult.Paused;
                }
            }
        }

        public override HookResult OnAccept(ProxyExchange exchange) => Act(exchange, HookPoint.Accept);

        public override HookResult OnRequestHead(ProxyExchange exchange) => Act(exchange, HookPoint.RequestHead);

        public override HookResult OnRouteFound(ProxyExchange exchange) => Act(exchange, HookPoint.RouteFound);

        public override HookResult OnBeforeForward(ProxyExchange exchange) => Act(exchange, HookPoint.BeforeForward);

        public override HookResult OnResponseHead(ProxyExchange exchange) => Act(exchange, HookPoint.ResponseHead);
    }

    private sealed class PointRecorder(List<HookPoint> points) : ProxyFilter
    {
        private HookResult Record(HookPoint point)
        {
            points.Add(point);
            return HookResult.Continue;
        }

        public override HookResult OnAccept(ProxyExchange exchange) => Record(HookPoint.Accept);

        public override HookResult OnHandshake(ProxyExchange exchange) => Record(HookPoint.Handshake);

        public override HookResult OnRequestHead(ProxyExchange exchange) => Record(HookPoint.RequestHead);

        public override HookResult OnRouteFound(ProxyExchange exchange) => Record(HookPoint.RouteFound);

        public override HookResult OnBeforeForward(ProxyExchange exchange) => Record(HookPoint.BeforeForward);

        public override HookResult OnResponseHead(ProxyExchange exchange) => Record(HookPoint.ResponseHead);

        public override HookResult OnRequestFinished(ProxyExchange exchange) => Record(HookPoint.RequestFinished);

        public override HookResult OnConnectionFinished(ProxyExchange exchange) => Record(HookPoint.ConnectionFinished);
    }
}

/// <summary>A filter acting at one point through a delegate.</summary>
internal sealed class DelegateFilter(HookPoint point, Func<ProxyExchange, HookResult> act) : ProxyFilter
{
    private HookResult At(HookPoint at, ProxyExchange exchange) => at == point ? act(exchange) : HookResult.Continue;

    public override HookResult OnAccept(ProxyExchange exchange) => At(HookPoint.Accept, exchange);

    public override HookResult OnHandshake(ProxyExchange exchange) => At(HookPoint.Handshake, exchange);

    public override HookResult OnRequestHead(ProxyExchange exchange) => At(HookPoint.RequestHead, exchange);

    public override HookResult OnRouteFound(ProxyExchange exchange) => At(HookPoint.RouteFound, exchange);

    public override HookResult OnBeforeForward(ProxyExchange exchange) => At(HookPoint.BeforeForward, exchange);

    public override HookResult OnResponseHead(ProxyExchange exchange) => At(HookPoint.ResponseHead, exchange);

    public override HookResult OnRequestFinished(ProxyExchange exchange) => At(HookPoint.RequestFinished, exchange);

    public override HookResult OnConnectionFinished(ProxyExchange exchange) => At(HookPoint.ConnectionFinished, exchange);
}

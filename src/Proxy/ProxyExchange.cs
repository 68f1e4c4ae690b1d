using Uvnet.Http.Client;
using Uvnet.Http.Server;
using Uvnet.Net;
using Uvnet.Proxy.Clusters;
using Uvnet.Proxy.Forwarding;
using Uvnet.Proxy.Hooks;
using Uvnet.Proxy.Routing;

namespace Uvnet.Proxy;

/// <summary>
/// One request's life through the proxy (envoy's ActiveStream, BFE's request): the downstream request and response,
/// the route, the destination, the upstream request and response, and the filter chain's place. At the connection's
/// own points (<see cref="HookPoint.Accept"/>, <see cref="HookPoint.ConnectionFinished"/>) <see cref="Request"/> is
/// null. Members are for the loop's thread; the request and response are valid until the
/// <see cref="HookPoint.RequestFinished"/> filters have returned. So is the exchange itself, and its header lists: after
/// that the proxy may reuse it for a later request (so that a request allocates nothing), unless a filter took a
/// <see cref="ResumeHandle"/> on it (<see cref="Pause"/>): that one is never reused, and its handle goes void.
/// </summary>
public sealed partial class ProxyExchange
{
    private ProxySnapshot _config;
    private FilterChain _chain;
    private RouteEntry? _entry;
    private HookPoint _point;
    private int _index, _token;
    private bool _inFilter, _pauseTaken, _paused, _hasEarly, _started, _finished;
    private bool _holdsTurn; // the connection's turn to forward (see ProxyConnection.Admit), until EndTurn
    private bool _handedOut; // a filter took a ResumeHandle: it may hold the exchange past RequestFinished (see Retire)
    private HookResult _early;
    private Dictionary<string, object?>? _items;
    private string? _authority;
    private string _path = "";

    /// <summary>The exchange of a connection's own points.</summary>
    internal ProxyExchange(ProxyServer proxy, ProxyConnection connection)
    {
        Proxy = proxy;
        Connection = connection;
        _config = proxy.Current; // a reload from now on is for the next requests: this one keeps its routes and clusters
        _chain = _config.Chain;
    }

    /// <summary>A request's exchange; <paramref name="response"/> is null for an upgrade, whose socket is <paramref name="upgradeSocket"/>.</summary>
    internal ProxyExchange(ProxyServer proxy, ProxyConnection connection, IncomingMessage request, ServerResponse? response, Socket? upgradeSocket, byte[]? upgradeHead)
        : this(proxy, connection) => Begin(connection, request, response, upgradeSocket, upgradeHead);

    /// <summary>The proxy.</summary>
    public ProxyServer Proxy { get; }

    /// <summary>The downstream connection.</summary>
    public ProxyConnection Connection { get; private set; }

    /// <summary>The downstream request; null at the connection's own points.</summary>
    public IncomingMessage? Request { get; private set; }

    /// <summary>The downstream response; null at the connection's own points and for an upgrade request.</summary>
    public ServerResponse? Response { get; private set; }

    /// <summary>The route, from <see cref="HookPoint.RouteFound"/> on.</summary>
    public ProxyRoute? Route { get; private set; }

    /// <summary>The route's cluster, from <see cref="HookPoint.RouteFound"/> on.</summary>
    public Cluster? Cluster { get; private set; }

    /// <summary>The destination the request was (last) sent to.</summary>
    public Destination? Destination { get; private set; }

    /// <summary>Why the exchange was not forwarded whole (<see cref="ForwardError.None"/> otherwise).</summary>
    public ForwardError Error { get; private set; }

    /// <summary>Whether a filter's answer (Respond, Redirect, or a filter error's 500) replaced the upstream's.</summary>
    public bool AnsweredByFilter { get; private set; }

    /// <summary>The point whose chain is running or paused.</summary>
    public HookPoint Point => _point;

    /// <summary>Per-exchange state for filters, by key (allocated when first used).</summary>
    public IDictionary<string, object?> Items => _items ??= [];

    internal HookPoint PausedPoint => _point;

    /// <summary>
    /// Pauses the chain at the filter now running: return <see cref="HookResult.Paused"/> after this, and keep the handle
    /// to resume later (envoy's StopIteration with continueDecoding). The request's body keeps arriving meanwhile and is
    /// held, the downstream socket paused past 64 KiB.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called outside a filter call of this exchange, twice in one call, or off the loop's thread.</exception>
    public ResumeHandle Pause()
    {
        VerifyLoopThread();
        if (!_inFilter)
            throw new InvalidOperationException("Pause is called by a filter, during its call, on its own exchange.");
        if (_pauseTaken)
            throw new InvalidOperationException("A filter call pauses once.");
        _pauseTaken = true;
        _handedOut = true;
        if (_finished)
            CloseTimer(); // paused at RequestFinished: it may never be resumed, and so never retired (which closes it)
        return new ResumeHandle(this, _token);
    }

    internal void EnterFilter(HookPoint point, int index)
    {
        _point = point;
        _index = index;
        _inFilter = true;
        _pauseTaken = _hasEarly = false;
    }

    /// <summary>The filter threw: a handle it took is void.</summary>
    internal void LeaveFilter()
    {
        _inFilter = false;
        if (_pauseTaken)
            _token++;
        _pauseTaken = _hasEarly = false;
    }

    /// <summary>Checks what the filter returned against the handle it took (or not), and applies a resume made before it returned.</summary>
    internal HookResult LeaveFilter(HookResult result)
    {
        _inFilter = false;
        bool took = _pauseTaken, early = _hasEarly;
        _pauseTaken = _hasEarly = false;
        if (result.Action == HookAction.Pause)
        {
            if (!took)
                return FilterFailed(new InvalidOperationException("A filter returned Paused without taking a handle with ProxyExchange.Pause()."));
            if (early)
                return _early; // resumed before it returned: its verdict stands in for the pause (the token moved on already)
            _paused = true;
            return result;
        }
        if (took)
        {
            if (!early)
                _token++; // the handle is void
            return FilterFailed(new InvalidOperationException($"A filter took a handle with ProxyExchange.Pause() but returned {result.Action}."));
        }
        return result;
    }

    /// <summary>Reports a filter's failure; its verdict is a 500 (a close after the response, where nothing can be answered).</summary>
    internal HookResult FilterFailed(Exception error)
    {
        Proxy.ReportFilterError(error, this);
        return _point is HookPoint.RequestFinished or HookPoint.ConnectionFinished ? HookResult.Close : HookResult.Respond(500);
    }

    internal bool Resume(int token, HookResult result)
    {
        VerifyLoopThread();
        if (token != _token)
            return false;
        _token++;
        if (_inFilter && _pauseTaken)
        {
            _early = result; // resumed inside the filter's own call: applied when it returns Paused
            _hasEarly = true;
            return true;
        }
        if (!_paused)
            return false;
        _paused = false;
        if (result.Action == HookAction.Continue)
            result = _chain.Run(this, _point, _index + 1);
        Apply(_point, result);
        return true;
    }

    /// <summary>A handle held by a paused filter becomes void: what it would go on with is gone.</summary>
    internal void VoidPause()
    {
        if (!_paused)
            return;
        _paused = false;
        _token++;
    }

    /// <summary>Runs a connection point's chain (this is the connection's exchange).</summary>
    internal void RunConnectionPoint(HookPoint point) => Apply(point, _chain.Run(this, point, 0));

    private void RunPoint(HookPoint point)
    {
        if (_finished && point != HookPoint.RequestFinished)
            return; // the client went away while an earlier stage ran
        Apply(point, _chain.Run(this, point, 0));
    }

    /// <summary>The one reader of a chain's verdict.</summary>
    private void Apply(HookPoint point, HookResult result)
    {
        switch (result.Action)
        {
            case HookAction.Continue:
                Next(point);
                break;
            case HookAction.Pause:
                break; // Resume goes on
            case HookAction.Close:
                CloseAt(point);
                break;
            default:
                AnswerAt(point, result);
                break;
        }
    }

    /// <summary>What follows each point once its filters let it go on.</summary>
    private void Next(HookPoint point)
    {
        switch (point)
        {
            case HookPoint.Accept:
                Connection.Accepted();
                break;
            case HookPoint.Handshake:
                Connection.Release();
                break;
            case HookPoint.RequestHead:
                FindRoute();
                break;
            case HookPoint.RouteFound:
                BuildUpstreamRequest();
                break;
            case HookPoint.BeforeForward:
                Forward(tried: null);
                break;
            case HookPoint.ResponseHead:
                SendResponseHead();
                break;
            case HookPoint.RequestFinished:
                Connection.Release();
                Retire();
                break;
        }
    }

    private void CloseAt(HookPoint point)
    {
        switch (point)
        {
            case HookPoint.Accept:
            case HookPoint.Handshake:
                Connection.Socket.Destroy();
                Connection.Release(); // requests already read are answered by nobody: the socket's close ends them
                break;
            case HookPoint.ConnectionFinished:
                break;
            case HookPoint.RequestFinished:
                Connection.Socket.Destroy();
                Connection.Release();
                Retire();
                break;
            default:
                AbortUpstream();
                // The response before this one (pipelined) may have ended while corked (CorkUntilPolled): it is whole, and
                // leaves before the close rather than being cut with this request.
                Response?.Connection.Flush();
                DownstreamSocket.Destroy();
                break;
        }
    }

    private void AnswerAt(HookPoint point, HookResult result)
    {
        switch (point)
        {
            case HookPoint.Accept:
                Connection.Verdict = result;
                Connection.Accepted();
                break;
            case HookPoint.Handshake:
                Connection.Verdict = result;
                Connection.Release();
                break;
            case HookPoint.ConnectionFinished:
                break; // nothing is left to answer
            case HookPoint.RequestFinished:
                // The response is gone: an answer here cannot be honoured (BFE's #629 crashed on it); the connection
                // is closed instead, so the client sees something went wrong rather than nothing.
                Proxy.ReportFilterError(new InvalidOperationException($"A filter answered {result.Action} at RequestFinished, after the response."), this);
                Connection.Socket.Destroy();
                Connection.Release();
                Retire();
                break;
            default:
                AnsweredByFilter = true;
                AbortUpstream();
                Reply(result.Status, result.Headers, result.Body.Span, result.Location);
                break;
        }
    }

    /// <summary>The request starts through the chain (now, or once its connection's holds end).</summary>
    internal void Start()
    {
        if (_started || _finished)
            return;
        _started = true;
        if (Response is not null)
        {
            _holdsTurn = true;
            Connection.Hold(); // the connection's next request waits for EndTurn
        }
        if (Connection.Verdict is { } verdict)
        {
            AnsweredByFilter = true;
            Reply(verdict.Status, verdict.Headers, verdict.Body.Span, verdict.Location, close: true);
            return;
        }
        RunPoint(HookPoint.RequestHead);
    }

    /// <summary>
    /// The connection's next request may start: this one has its whole response from upstream (the upstream connection
    /// it used is back in the pool, for that next request), or it ended.
    /// </summary>
    private void EndTurn()
    {
        if (!_holdsTurn)
            return;
        _holdsTurn = false;
        Connection.Release();
    }

    private void FindRoute()
    {
        IncomingMessage request = Request!;
        // RFC 9112 §3.2.2: an absolute-form target's authority is the host, whatever Host says.
        _authority = Authority(request.Url);
        string? hostField = _authority ?? request.Headers.Get("host");
        ReadOnlySpan<char> host = HostWithoutPort(hostField);
        if (!PathNormalizer.TryNormalize(request.Path, out _path))
        {
            Fail(ForwardError.InvalidPath);
            return;
        }
        foreach (RouteEntry entry in _config.Routes)
        {
            if (entry.Route.Matches(request.Method, host, _path, request.Headers))
            {
                _entry = entry;
                Route = entry.Route;
                Cluster = entry.Cluster;
                _chain = entry.Chain;
                _timeouts = entry.Route.Timeouts ?? _config.Options.Timeouts;
                RunPoint(HookPoint.RouteFound);
                return;
            }
        }
        Fail(ForwardError.NoRoute);
    }

    /// <summary>The authority of an absolute-form target (<c>http://host:port/path</c>), or null for any other form.</summary>
    private static string? Authority(string url)
    {
        if (url.StartsWith('/') || url == "*")
            return null;
        int scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
            return null;
        int start = scheme + 3, end = url.AsSpan(start).IndexOfAny('/', '?');
        return end < 0 ? url[start..] : url.Substring(start, end);
    }

    private static ReadOnlySpan<char> HostWithoutPort(string? host)
    {
        if (string.IsNullOrEmpty(host))
            return default;
        ReadOnlySpan<char> span = host.AsSpan();
        if (span[0] == '[')
        {
            int close = span.IndexOf(']');
            return close > 0 ? span[1..close] : span;
        }
        int colon = span.LastIndexOf(':');
        return colon >= 0 ? span[..colon] : span;
    }

    private Socket DownstreamSocket => _upgradeSocket ?? Connection.Socket;

    private void VerifyLoopThread()
    {
        // The HTTP layer's rule: the thread running the loop or, between runs, the one that ran it last.
        if (Proxy.Loop.OwnerThreadId != Environment.CurrentManagedThreadId)
            throw new InvalidOperationException("A ProxyExchange (and its ResumeHandle) is used on its loop's thread: post the call with Loop.Post.");
    }
}

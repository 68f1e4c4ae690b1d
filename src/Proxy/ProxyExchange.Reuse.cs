using Uvnet.Http.Client;
using Uvnet.Http.Server;
using Uvnet.Net;
using Uvnet.Proxy.Clusters;
using Uvnet.Proxy.Forwarding;

namespace Uvnet.Proxy;

public sealed partial class ProxyExchange
{
    // The upstream request whose pair the exchange keeps readable (exchange.UpstreamRequest/UpstreamResponse) until it
    // ends: the agent recycles requests, and a closed one would otherwise be reused before RequestFinished's filters.
    private ClientRequest? _retained;

    /// <summary>The options of the last upstream request, kept for the next one that asks the same (no new options per request).</summary>
    private RequestOptions? _options;

    /// <summary>Takes <paramref name="request"/>: a new exchange, or one the proxy reuses.</summary>
    internal void Begin(ProxyConnection connection, IncomingMessage request, ServerResponse? response, Socket? upgradeSocket, byte[]? upgradeHead)
    {
        Connection = connection;
        _config = Proxy.Current; // a reload from now on is for the next requests: this one keeps its routes and clusters
        _chain = _config.Chain;
        Request = request;
        Response = response;
        _upgradeSocket = upgradeSocket;
        _upgradeHead = upgradeHead;
        // The server reuses the request and response once the handler lets go: held past the handler's return, the pair
        // is this exchange's until its RequestFinished chain is done (Retire), and then goes back to the server's pool.
        response?.Hold();
    }

    /// <summary>
    /// The RequestFinished chain is done (it went on, or closed): the server's pair and the upstream pair go back to their
    /// pools, and the exchange to the proxy's, unless it never started (it may still sit in its connection's queue) or a
    /// filter paused it: an async filter's callback holds the exchange, and may still write to it (an upstream header
    /// after an auth call) after its client went away; reused, that would be another client's request.
    /// </summary>
    private void Retire()
    {
        ServerResponse? response = Response;
        ReleaseRetained();
        bool reusable = _started && response is not null && _upgradeSocket is null && !_handedOut;
        _token++; // a handle still held (one that resumed at RequestFinished) stays void on the next use
        if (!reusable)
        {
            // Left as it is, finished: one never started may still sit in its connection's queue, and starting it
            // there must stay a no-op.
            response?.LetGo();
            CloseTimer();
            return;
        }
        Clear();
        response?.LetGo();
        Proxy.Return(this);
    }

    private void ReleaseRetained()
    {
        if (_retained is { } upstream)
        {
            _retained = null;
            upstream.Unretain();
        }
    }

    /// <summary>Forgets the request: every field a use sets, so that nothing of it is reachable from the pool.</summary>
    private void Clear()
    {
        Request = null;
        Response = null;
        _upgradeSocket = null;
        _upgradeHead = null;
        _entry = null;
        _path = "";
        _point = default;
        _index = 0;
        _inFilter = _pauseTaken = _paused = _hasEarly = _started = _finished = _holdsTurn = false;
        _early = default;
        _items?.Clear();
        _authority = null;
        Route = null;
        Cluster = null;
        Destination = null;
        Error = ForwardError.None;
        AnsweredByFilter = false;
        _timeouts = null;
        _upstream = null;
        _pendingBody?.Clear();
        _requestEnded = _downstreamPaused = _responseStarted = false;
        _bodyForwarded = 0;
        _retries = 0;
        _forwardedAt = 0;
        _upstreamHeaders = null;
        _upstreamPath = null;
        _responseHeaders = null;
        _responseStatus = 0;
        UpstreamResponse = null;
        _stage = default;
        _lastProgress = 0;
        _connecting = null;
        _connected = false;
    }

    /// <summary>
    /// The options of an upstream request: the last ones when they ask the same (the method, the destination, the path,
    /// the same header list), so that a request costs no options object.
    /// </summary>
    private RequestOptions UpstreamOptions(Destination destination, Agent agent)
    {
        IncomingMessage request = Request!;
        if (_options is not { } options || options.Method != request.Method || options.Host != destination.ConnectHost
            || options.Port != destination.Port || options.Path != UpstreamPath || options.Agent != agent || options.Tls != destination.Tls)
        {
            _options = options = new RequestOptions
            {
                Method = request.Method,
                Host = destination.ConnectHost,
                Port = destination.Port,
                Path = UpstreamPath,
                Headers = _upstreamHeadersStore,
                Agent = agent,
                Tls = destination.Tls,
                RetryIdempotentOnly = true, // a client's POST is never sent upstream twice (MaxRetries governs idempotent ones)
            };
        }
        return options;
    }

    /// <summary>The exchange leaves for good (its proxy closed): its timer is closed.</summary>
    internal void Drop() => CloseTimer();
}

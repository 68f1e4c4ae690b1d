using System.Buffers;
using Uvnet.Http;
using Uvnet.Http.Client;
using Uvnet.Http.Server;
using Uvnet.Net;
using Uvnet.Proxy.Clusters;
using Uvnet.Proxy.Forwarding;
using Uvnet.Proxy.Hooks;

namespace Uvnet.Proxy;

public sealed partial class ProxyExchange
{
    // What the request body may fill before the upstream request takes it (a filter paused, a connection waited for)
    // or while the upstream's Write says stop: past it the downstream socket pauses (a socket's high-water mark).
    private const int BodyHighWaterMark = 16 * 1024;

    private readonly List<KeyValuePair<string, string>> _upstreamHeadersStore = [];
    private Socket? _upgradeSocket;
    private byte[]? _upgradeHead;
    private ProxyTimeouts? _timeouts;
    private ClientRequest? _upstream;
    private ArrayBufferWriter<byte>? _pendingBody;
    private bool _requestEnded, _downstreamPaused, _responseStarted;
    private long _bodyForwarded;
    private int _retries;
    private long _forwardedAt;
    private List<KeyValuePair<string, string>>? _upstreamHeaders;
    private string? _upstreamPath;

    /// <summary>The request-target sent upstream, from <see cref="HookPoint.BeforeForward"/> on (a BeforeForward filter may change it): a path, or <c>*</c> for <c>OPTIONS *</c>.</summary>
    /// <exception cref="ArgumentException">The value does not start with '/' or holds a space, CR, LF or NUL.</exception>
    public string UpstreamPath
    {
        get => _upstreamPath ?? throw new InvalidOperationException("The upstream request is built at BeforeForward.");
        set
        {
            VerifyLoopThread();
            ArgumentNullException.ThrowIfNull(value);
            if (!value.StartsWith('/') || value.AsSpan().IndexOfAny(" \r\n\0") >= 0)
                throw new ArgumentException("A path starts with '/' and holds no space, CR, LF or NUL.", nameof(value));
            _upstreamPath = value;
        }
    }

    /// <summary>
    /// The header fields sent upstream, from <see cref="HookPoint.BeforeForward"/> on: the client's end-to-end fields
    /// with the forwarding fields added; a BeforeForward filter may change the list (each field is checked when sent).
    /// Framing fields are Uvnet's: a Content-Length or Transfer-Encoding added here is refused as an ambiguous message.
    /// </summary>
    public List<KeyValuePair<string, string>> UpstreamHeaders =>
        _upstreamHeaders ?? throw new InvalidOperationException("The upstream request is built at BeforeForward.");

    /// <summary>The upstream request once sent.</summary>
    public ClientRequest? UpstreamRequest => _upstream;

    /// <summary>Subscribes to the downstream request's body at once, so nothing of it is missed while filters run.</summary>
    internal void TakeRequestBody()
    {
        IncomingMessage request = Request!;
        request.Data += Proxy.Handlers.RequestData;
        request.End += Proxy.Handlers.RequestEnd;
    }

    internal void OnRequestData(ReadOnlySpan<byte> data)
    {
        Touch();
        if (_finished || AnsweredByFilter || Error != ForwardError.None)
            return; // answered without the upstream: the rest of the body is read and dropped
        if (_upstream is null)
        {
            if (_forwardedAt != 0)
                return; // the upstream answered (or failed) before the body's end: the rest is read and dropped
            _pendingBody ??= new ArrayBufferWriter<byte>(Math.Max(256, data.Length));
            _pendingBody.Write(data);
            if (_pendingBody.WrittenCount >= BodyHighWaterMark)
                PauseDownstream();
            return;
        }
        _bodyForwarded += data.Length;
        if (!_upstream.Write(data))
            PauseDownstream();
    }

    internal void OnRequestEnd()
    {
        _requestEnded = true;
        if (_upstream is { Destroyed: false } upstream && !upstream.WritableEnded && !AnsweredByFilter)
        {
            upstream.End();
            OnRequestSent();
        }
    }

    private void PauseDownstream()
    {
        if (_downstreamPaused)
            return;
        _downstreamPaused = true;
        Request!.Socket.Pause();
    }

    internal void ResumeDownstream()
    {
        if (!_downstreamPaused)
            return;
        _downstreamPaused = false;
        if (!Request!.Socket.Destroyed)
            Request.Socket.Resume();
    }

    /// <summary>The upstream request's head: the path (prefix rewritten), the end-to-end fields and the forwarding fields.</summary>
    private void BuildUpstreamRequest()
    {
        IncomingMessage request = Request!;
        string url = _authority is null ? request.Url : OriginForm(request.Url, _authority);
        if (!ReferenceEquals(_path, request.Path))
            url = WithQueryOf(_path, url); // the normalised path is what the route matched: it is what the upstream gets
        if (Route!.PrefixRewrite is { } rewrite && url.StartsWith(Route.PathPrefix!, StringComparison.Ordinal))
            url = rewrite + url[Route.PathPrefix!.Length..];
        _upstreamPath = url; // origin form, or OPTIONS' asterisk form (RFC 9112 §3.2.4: "/*" would name a resource)
        List<KeyValuePair<string, string>> headers = _upstreamHeadersStore;
        headers.Clear();
        HopByHop.CopyEndToEnd(request.Headers.Raw, headers);
        ForwardedHeaders.Add(headers, request, Connection.ClientAddress, Connection.Listener.Scheme, _authority ?? request.Headers.Get("host"), Route.HostRewrite ?? _authority, _config.ViaHop(request.HttpVersionMinor));
        if (_upgradeSocket is not null && request.Headers.Get("upgrade") is { } upgrade)
        {
            headers.Add(new("Connection", "upgrade"));
            headers.Add(new("Upgrade", upgrade));
        }
        // The parser checked it; the body is re-framed by its length. An upgrade's is not sent: the bytes after its head
        // belong to the new protocol (Node's head), so announcing a body would leave the upstream waiting for it and read
        // the pooled connection's next request as its end.
        else if (request.Headers.Get("content-length") is { } length)
            headers.Add(new("Content-Length", length));
        _upstreamHeaders = headers;
        RunPoint(HookPoint.BeforeForward);
    }

    /// <summary>An absolute-form target's path and query (<c>/</c> when it has no path): what follows its <paramref name="authority"/>.</summary>
    private static string OriginForm(string url, string authority)
    {
        int start = url.IndexOf("://", StringComparison.Ordinal) + 3 + authority.Length;
        return start == url.Length ? "/" : url[start] == '?' ? "/" + url[start..] : url[start..];
    }

    /// <summary><paramref name="path"/> with the query of <paramref name="target"/> (an origin-form target), if it has one.</summary>
    private static string WithQueryOf(string path, string target)
    {
        int query = target.IndexOf('?');
        return query < 0 ? path : path + target[query..];
    }

    /// <summary>Sends the request to a destination of the cluster other than <paramref name="tried"/>.</summary>
    private void Forward(Destination? tried)
    {
        Cluster cluster = Cluster!;
        Destination? destination = cluster.Pick(Request!, Connection.ClientAddress, tried);
        if (destination is null)
        {
            Fail(tried is null ? ForwardError.NoDestination : Error);
            return;
        }
        if (tried is not null)
        {
            if (!cluster.TryRetry())
            {
                Fail(Error); // the retry budget is spent: the failure stands
                return;
            }
            _retries++;
        }
        if (cluster.IsOverloaded(destination))
        {
            Fail(ForwardError.CircuitOpen);
            return;
        }
        Destination = destination;
        _connected = false;
        ClientRequest upstream;
        try
        {
            upstream = Http.Http.Request(Proxy.Loop, UpstreamOptions(destination, cluster.Agent));
        }
        catch (ArgumentException e)
        {
            // A BeforeForward filter left a field that cannot be sent: the filter's error, not the upstream's.
            Apply(HookPoint.BeforeForward, FilterFailed(e));
            return;
        }
        _upstream = upstream;
        ReleaseRetained(); // a retry's first request: nothing reads it any more
        _retained = upstream;
        upstream.Retain();
        _forwardedAt = Math.Max(1, Proxy.Loop.Now); // never 0: 0 means not forwarded yet
        destination.InFlight++;
        ProxyHandlers handlers = Proxy.Handlers;
        upstream.Response += handlers.UpstreamResponse;
        upstream.Error += handlers.UpstreamError;
        upstream.Drain += handlers.UpstreamDrain;
        upstream.Continue += handlers.UpstreamContinue;
        upstream.Upgrade += handlers.UpstreamUpgrade;
        upstream.Socket += handlers.UpstreamSocket;
        ProxyServer.Track(upstream, this);
        StartTimer(Stage.Connecting);
        SendBody(upstream);
    }

    /// <summary>What arrived of the body before the upstream request existed, then the end if it came.</summary>
    private void SendBody(ClientRequest upstream)
    {
        IncomingMessage request = Request!;
        bool hasBody = request.Headers.Contains("transfer-encoding") || request.Headers.Get("content-length") is { } length && length != "0";
        if (_upgradeSocket is not null || !hasBody)
        {
            // An upgrade's head is all there is (what follows belongs to the new protocol); so is a request without a body.
            upstream.End();
            return;
        }
        if (_pendingBody is { WrittenCount: > 0 } pending)
        {
            _bodyForwarded += pending.WrittenCount;
            bool below = upstream.Write(pending.WrittenSpan);
            pending.Clear();
            if (below)
                ResumeDownstream();
        }
        else if (request.Headers.Get("expect") is { } expect && HopByHop.Names(expect, "100-continue"))
        {
            upstream.FlushHeaders(); // the client waits for a 100 before its body: the upstream decides whether it comes
        }
        if (_requestEnded)
            upstream.End();
    }

    /// <summary>The upstream request failed: retried elsewhere when that is safe, else the client gets its status (or its connection cut).</summary>
    internal void OnUpstreamError(ClientRequest upstream, Exception error)
    {
        if (upstream != _upstream)
            return;
        ForwardError kind = Classify(error);
        ReleaseUpstream(failed: kind != ForwardError.RequestBodyClient);
        if (_finished)
            return;
        if (_responseStarted)
        {
            Error = ForwardError.ResponseBodyUpstream;
            DownstreamSocket.Destroy();
            return;
        }
        bool safe = kind == ForwardError.ConnectFailed
            || (kind == ForwardError.UpstreamReset && IsIdempotent(Request!.Method));
        if (safe && _bodyForwarded == 0 && _retries < _config.Options.MaxRetries)
        {
            Error = kind;
            Forward(Destination);
            return;
        }
        Fail(kind);
    }

    private ForwardError Classify(Exception error) => error switch
    {
        HttpResponseError => ForwardError.MalformedResponse,
        NetException { Code: "ECONNREFUSED" or "ENOTFOUND" or "EHOSTUNREACH" or "ENETUNREACH" or "EAI_AGAIN" or "EADDRNOTAVAIL" } => ForwardError.ConnectFailed,
        _ when !_connected => ForwardError.ConnectFailed,
        _ => ForwardError.UpstreamReset,
    };

    // RFC 9110 §9.2.2.
    private static bool IsIdempotent(string method) =>
        method is "GET" or "HEAD" or "OPTIONS" or "TRACE" or "PUT" or "DELETE";

    /// <summary>The upstream request is over: its destination's count goes down and its outcome counts for ejection.</summary>
    private void ReleaseUpstream(bool failed)
    {
        StopTimer();
        if (_upstream is null)
            return;
        if (_connecting is { } socket)
        {
            _connecting = null;
            Proxy.UntrackConnecting(socket);
        }
        ProxyServer.Untrack(_upstream);
        _upstream = null;
        ResumeDownstream(); // a body still arriving is dropped now, not held back behind a Drain that will not come
        Destination!.InFlight--;
        if (failed)
            Cluster!.ReportFailure(Destination);
        else
            Cluster!.ReportSuccess(Destination);
    }

    /// <summary>Drops the upstream request (a filter answered instead, the client went away, or the upstream's answer cannot be sent: <paramref name="failed"/>).</summary>
    private void AbortUpstream(bool failed = false)
    {
        if (_upstream is not { } upstream)
            return;
        ReleaseUpstream(failed);
        upstream.Destroy();
        if (UpstreamResponse is { Complete: false } response)
            response.Destroy();
    }
}

using System.Text;
using Uvnet.Http.Client;
using Uvnet.Http.Server;
using Uvnet.Net;
using Uvnet.Proxy.Forwarding;
using Uvnet.Proxy.Hooks;

namespace Uvnet.Proxy;

public sealed partial class ProxyExchange
{
    private readonly List<KeyValuePair<string, string>> _responseHeadersStore = [];
    private List<KeyValuePair<string, string>>? _responseHeaders;
    private int _responseStatus;

    /// <summary>The upstream response once its head arrived (<see cref="HookPoint.ResponseHead"/> on).</summary>
    public ClientResponse? UpstreamResponse { get; private set; }

    /// <summary>The status sent downstream; a ResponseHead filter may change it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a final status (200 to 999).</exception>
    public int ResponseStatus
    {
        get => _responseStatus;
        set
        {
            VerifyLoopThread();
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 200);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 999);
            _responseStatus = value;
        }
    }

    /// <summary>The header fields sent downstream, from <see cref="HookPoint.ResponseHead"/> on (the upstream's end-to-end fields, and Via); a ResponseHead filter may change the list.</summary>
    public List<KeyValuePair<string, string>> ResponseHeaders =>
        _responseHeaders ?? throw new InvalidOperationException("The response's head is known at ResponseHead.");

    internal void OnUpstreamResponse(ClientResponse response)
    {
        if (_finished)
            return;
        if (response.Headers.Get("transfer-encoding") is { } coding && !coding.AsSpan().Trim(" \t").Equals("chunked", StringComparison.OrdinalIgnoreCase))
        {
            // nginx's "upstream sent unknown Transfer-Encoding": a coding other than chunked alone ("gzip, chunked") would
            // have to be passed on as is or re-chunked around bytes the proxy cannot read. 502; the connection is dropped.
            response.Destroy();
            AbortUpstream(failed: true);
            Fail(ForwardError.MalformedResponse);
            return;
        }
        Proxy.Metrics.OnResponseHead(Proxy.Loop.Now - _forwardedAt, _entry?.Counters, Cluster?.Counters);
        StartTimer(Stage.Streaming);
        UpstreamResponse = response;
        response.Pause(); // its body waits for the head to go downstream
        _responseStatus = response.StatusCode;
        List<KeyValuePair<string, string>> headers = _responseHeadersStore;
        headers.Clear();
        HopByHop.CopyEndToEnd(response.Headers.Raw, headers);
        ForwardedHeaders.AddVia(headers, _config.ViaHop(response.HttpVersionMinor));
        _responseHeaders = headers;
        RunPoint(HookPoint.ResponseHead);
    }

    /// <summary>The head goes downstream, re-framed: the upstream's Content-Length kept when it had one, else chunked by the server.</summary>
    private void SendResponseHead()
    {
        ClientResponse upstream = UpstreamResponse!;
        _responseStarted = true;
        if (_upgradeSocket is not null)
        {
            // The upstream refused the upgrade: its answer goes back raw, delimited by the close (the socket is ours).
            if (InvalidField(ResponseHeaders) is { } invalid)
            {
                // A ResponseHead filter left a field that cannot be sent (no server checks this raw head for us).
                _responseStarted = false;
                Apply(HookPoint.ResponseHead, FilterFailed(invalid));
                return;
            }
            WriteRawHead(ResponseStatus, upstream.StatusMessage, ResponseHeaders, body: default);
            upstream.Data += Proxy.Handlers.UpstreamDataRaw;
            Flow(upstream);
            return;
        }
        ServerResponse response = Response!;
        // The head waits for the body and the end that came with it in the upstream's read (parsed after this returns):
        // all leave in one send once the poll's callbacks have run.
        Proxy.CorkUntilPolled(response.Connection);
        string? length = upstream.Headers.Contains("transfer-encoding") ? null : upstream.Headers.Get("content-length");
        if (length is not null)
            ResponseHeaders.Add(new("Content-Length", length));
        if (upstream.Headers.Contains("date"))
            response.SendDate = false; // the origin's Date stands (RFC 9110 §6.6.1)
        try
        {
            response.WriteHead(ResponseStatus, ResponseStatus == upstream.StatusCode ? upstream.StatusMessage : null, ResponseHeaders);
        }
        catch (ArgumentException e)
        {
            // A ResponseHead filter left a field that cannot be sent.
            _responseStarted = false;
            Apply(HookPoint.ResponseHead, FilterFailed(e));
            return;
        }
        upstream.Data += Proxy.Handlers.UpstreamData;
        Flow(upstream);
    }

    /// <summary>The upstream response's body flows (what it has already read comes now).</summary>
    private void Flow(ClientResponse upstream)
    {
        upstream.End += Proxy.Handlers.UpstreamEnd;
        upstream.Error += Proxy.Handlers.UpstreamBodyError;
        upstream.Resume();
    }

    internal void OnUpstreamData(ReadOnlySpan<byte> data)
    {
        Touch();
        if (_finished)
            return;
        if (!Response!.Write(data))
            UpstreamResponse!.Pause(); // the client reads slower than the upstream sends: stop reading it
    }

    internal void OnUpstreamDataRaw(ReadOnlySpan<byte> data)
    {
        Touch();
        if (!_finished && !_upgradeSocket!.Write(data.ToArray()))
            UpstreamResponse!.Pause();
    }

    /// <summary>
    /// The downstream socket drained: the upstream response may flow again. Also once its body is all off the wire
    /// (<see cref="ClientResponse.Complete"/>): the rest may be held in the response, and only flowing delivers it.
    /// </summary>
    internal void OnDownstreamDrain()
    {
        if (UpstreamResponse is { IsPaused: true } upstream && _upstream is not null && _responseStarted)
            upstream.Resume();
    }

    internal void OnUpstreamEnd()
    {
        ReleaseUpstream(failed: ResponseStatus >= 500);
        if (_finished)
            return;
        if (_upgradeSocket is { } socket)
            socket.End();
        else
            Response!.End();
        EndTurn();
    }

    internal void OnUpstreamBodyError()
    {
        if (_upstream is null)
            return; // ended, or dropped by the proxy itself
        ReleaseUpstream(failed: true);
        Error = ForwardError.ResponseBodyUpstream;
        if (!_finished)
            DownstreamSocket.Destroy(); // cut too, so the client knows the body is not whole (there is no other way in HTTP/1.1)
    }

    /// <summary>The stage failed: the client gets the error's status if nothing of the response went out, else its connection is cut.</summary>
    private void Fail(ForwardError error)
    {
        Error = error;
        if (_finished)
            return;
        if (_responseStarted)
        {
            DownstreamSocket.Destroy();
            return;
        }
        Reply(ForwardErrors.StatusOf(error), null, default, null);
    }

    /// <summary>Answers the client from the proxy (a filter's answer, or an error's status).</summary>
    private void Reply(int status, IReadOnlyList<KeyValuePair<string, string>>? headers, ReadOnlySpan<byte> body, string? location, bool close = false)
    {
        if (_finished)
            return;
        var fields = new List<KeyValuePair<string, string>>();
        if (headers is not null)
            fields.AddRange(headers);
        if (location is not null)
            fields.Add(new("Location", location));
        if (close)
            fields.Add(new("Connection", "close"));
        if (_upgradeSocket is not null || Response is null)
        {
            if (InvalidField(fields) is { } invalid)
            {
                // A filter's headers cannot be sent: its answer becomes a bare 500, as on a server's response below.
                Proxy.ReportFilterError(invalid, this);
                status = 500;
                body = default;
                fields.Clear();
            }
            WriteRawHead(status, null, fields, body);
            DownstreamSocket.End();
            return;
        }
        ServerResponse response = Response;
        if (response.HeadersSent)
        {
            DownstreamSocket.Destroy();
            return;
        }
        _responseStarted = true;
        if (status is not (204 or 304))
            fields.Add(new("Content-Length", body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))); // not chunked: the whole body is here
        HttpConnection connection = response.Connection;
        connection.Cork(); // the head and the body in one send
        try
        {
            try
            {
                response.WriteHead(status, null, fields);
            }
            catch (ArgumentException e)
            {
                // A filter's headers cannot be sent: its answer becomes a bare 500.
                Proxy.ReportFilterError(e, this);
                response.WriteHead(500);
            }
            response.End(body);
        }
        finally
        {
            connection.Uncork();
        }
    }

    /// <summary>Why a field of <paramref name="fields"/> cannot go in a head (a name not a token; CR, LF, NUL in a value), or null.</summary>
    private static ArgumentException? InvalidField(List<KeyValuePair<string, string>> fields)
    {
        try
        {
            foreach (var (name, value) in fields)
            {
                FieldValidation.ValidateName(name, "Header");
                FieldValidation.ValidateValue(name, value, "header");
            }
            return null;
        }
        catch (ArgumentException e)
        {
            return e;
        }
    }

    /// <summary>A response head written to a socket the proxy owns (an upgrade request's), with the connection closing after it.</summary>
    private void WriteRawHead(int status, string? reason, List<KeyValuePair<string, string>> fields, ReadOnlySpan<byte> body)
    {
        var head = new StringBuilder();
        head.Append("HTTP/1.1 ").Append(status).Append(' ').Append(reason ?? Http.Server.StatusCodes.ReasonPhrase(status)).Append("\r\n");
        foreach (var (name, value) in fields)
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        if (!body.IsEmpty || reason is null)
            head.Append("Content-Length: ").Append(body.Length).Append("\r\n");
        head.Append("Connection: close\r\n\r\n");
        Socket socket = DownstreamSocket;
        socket.Write(Encoding.Latin1.GetBytes(head.ToString()));
        if (!body.IsEmpty)
            socket.Write(body.ToArray());
    }

    /// <summary>The upstream agreed to switch protocols: its 101 goes back, then bytes flow both ways untouched until either side closes.</summary>
    internal void OnUpstreamUpgrade(ClientResponse response, Socket upstreamSocket, byte[] upstreamHead)
    {
        ReleaseUpstream(failed: false);
        StopTimer();
        Socket downstream = DownstreamSocket;
        if (_finished || downstream.Destroyed)
        {
            upstreamSocket.Destroy();
            return;
        }
        _responseStarted = true;
        var head = new StringBuilder();
        head.Append("HTTP/1.1 ").Append(response.StatusCode).Append(' ').Append(response.StatusMessage).Append("\r\n");
        foreach (var (name, value) in response.Headers.Raw)
            head.Append(name).Append(": ").Append(value).Append("\r\n"); // Connection and Upgrade belong to the switch: they pass
        head.Append("\r\n");
        downstream.Write(Encoding.Latin1.GetBytes(head.ToString()));
        if (upstreamHead.Length > 0)
            downstream.Write(upstreamHead);
        if (_upgradeHead is { Length: > 0 } downstreamHead)
            upstreamSocket.Write(downstreamHead);
        upstreamSocket.Error += static (_, _) => { }; // a reset on either side closes both (Close below)
        downstream.Error += static (_, _) => { };
        upstreamSocket.Closed += (_, _) => downstream.Destroy();
        downstream.Closed += (_, _) => upstreamSocket.Destroy();
        downstream.Pipe(upstreamSocket);
        upstreamSocket.Pipe(downstream);
        downstream.Resume();
        upstreamSocket.Resume();
    }

    /// <summary>The downstream response closed (finished, or its connection closed first): the exchange ends.</summary>
    internal void Finish()
    {
        if (_finished)
            return;
        _finished = true;
        if (_upstream is not null)
        {
            if (Error == ForwardError.None)
                Error = ForwardError.RequestBodyClient; // the upstream was still at it: the client went away
            AbortUpstream();
        }
        StopTimer();
        if (_handedOut)
            CloseTimer(); // never reused (see Retire), and a pause at RequestFinished may never end: nothing else would close it
        VoidPause(); // its request is gone
        Proxy.Untrack(this);
        Proxy.Metrics.OnFinished(Response is { Finished: true } response ? response.StatusCode : _upgradeSocket is not null && _responseStarted ? 101 : 0, Error,
            _entry?.Counters, Cluster?.Counters);
        if (_retries > 0)
            Cluster!.ActiveRetries -= _retries; // out of the retry budget's count
        Connection.Active--;
        Connection.Hold(); // released when the RequestFinished chain goes on
        EndTurn(); // after that hold: the next request waits for this one's RequestFinished chain
        Apply(HookPoint.RequestFinished, _chain.Run(this, HookPoint.RequestFinished, 0));
    }
}

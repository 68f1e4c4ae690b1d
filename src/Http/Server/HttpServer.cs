using System.Net;
using System.Text;
using Uvnet.Net;
using Uvnet.Tls;

namespace Uvnet.Http.Server;

/// <summary>
/// An HTTP/1.1 server in the shape of Node's <c>http.Server</c>: <see cref="Request"/> for each request, with
/// keep-alive, pipelining (responses in request order), <c>Expect: 100-continue</c>, upgrades, and Node's
/// timeouts. Create it with <see cref="Http.CreateServer(Loop, Action{IncomingMessage, ServerResponse}?, HttpServerOptions?)"/>.
/// </summary>
/// <remarks>
/// <para>User code the server runs for a connection or a request never lets an exception leave the loop; it is
/// contained to that connection, and the server goes on serving the others. A <see cref="Request"/> or
/// <see cref="CheckContinue"/> handler that throws (or an async handler whose task faults): the client gets 500 if
/// nothing of the response was sent yet, otherwise the connection is destroyed. The same holds for the request's
/// body events and the response's Drain (see <see cref="IncomingMessage"/> and <see cref="ServerResponse"/>). A
/// <see cref="ClientError"/>, <see cref="Connection"/>, <see cref="Upgrade"/> or <see cref="Connect"/> handler that
/// throws: the connection is destroyed (what the handler meant to send is unknown). Every exception contained so is
/// reported through <see cref="HandlerError"/>. <see cref="Listening"/>, <see cref="Error"/> and <see cref="Closed"/>
/// concern the server, not a connection: an exception there leaves <see cref="Uvnet.Loop.Run(RunMode)"/>, as with
/// <see cref="Net.Server"/>.</para>
/// <para>Everything runs on the loop's thread. A request's and a response's members that read or change their
/// connection's state (headers, status, Write, End, WriteContinue, <c>req.Headers</c>, <c>req.Url</c>...) called from
/// another thread while the loop runs throw <see cref="InvalidOperationException"/> before touching anything: an
/// async handler that continued with <c>ConfigureAwait(false)</c> must come back to the loop (or post with
/// <see cref="Uvnet.Loop.Post(Action)"/>), or send with <see cref="ServerResponse.WriteAsync(ReadOnlyMemory{byte})"/>
/// and <see cref="ServerResponse.EndAsync(ReadOnlyMemory{byte})"/>, which may be called from any thread and post
/// themselves to the loop.</para>
/// </remarks>
public sealed partial class HttpServer : IDisposable
{
    /// <summary>
    /// How long a connection whose last response has been sent (and our side ended) waits for the client's FIN
    /// before it is closed: long enough for a client still sending to stop (closing on its bytes would send a
    /// reset, which can destroy the response before it reads it), short enough that a client keeping the socket
    /// open does not hold it, nor the server's close, for a keep-alive timeout.
    /// </summary>
    internal const long LingerTimeout = 1000;

    private readonly Net.Server _net;
    private readonly List<HttpConnection> _connections = [];
    private readonly TimerHandle _sweep;
    private CheckHandle? _stopCheck;
    private IdleHandle? _stopSpin;
    private bool _closing;
    private readonly TlsAcceptor? _tls; // HTTPS: each connection runs TLS under its socket

    internal HttpServer(Loop loop, HttpServerOptions options, TlsServerOptions? tls = null)
    {
        Loop = loop;
        _tls = tls is null ? null : new TlsAcceptor(tls, OnSecureConnection, OnTlsClientError);
        Options = options;
        // Written into every head as is: checked as a handler's header would be, so a misconfigured value cannot split
        // each response; Latin-1 then sends the checked text byte for byte.
        if (options.ServerHeader is { } serverHeader)
            FieldValidation.ValidateValue("Server", serverHeader, "header");
        ServerHeaderLine = options.ServerHeader is null ? null : Encoding.Latin1.GetBytes($"Server: {options.ServerHeader}\r\n");
        KeepAliveLines = Encoding.ASCII.GetBytes(KeepAliveField(options));
        _net = new Net.Server(loop, OnConnection, new ServerOptions
        {
            NoDelay = options.NoDelay,
            ReusePort = options.ReusePort,
            SharePort = options.SharePort,
            AllowHalfOpen = true, // a client's FIN ends our side only after its responses (HttpConnection.OnPeerEnded), as Node
        });
        _net.Listening += _ => Listening?.Invoke(this);
        _net.Error += (_, e) => (Error ?? throw e)(this, e);
        _net.Closed += _ => OnNetClosed();
        _sweep = new TimerHandle(loop);
        _sweep.Unref(); // the timeouts' check alone never keeps the loop alive
    }

    /// <summary>The loop the server runs on.</summary>
    public Loop Loop { get; }

    /// <summary>The settings the server was created with.</summary>
    public HttpServerOptions Options { get; }

    /// <summary>Raised for each request, once its head has arrived (the body follows on the request's events).</summary>
    public event Action<IncomingMessage, ServerResponse>? Request;

    /// <summary>Raised for each new connection.</summary>
    public event Action<Socket>? Connection;

    /// <summary>
    /// Raised once per connection of an HTTPS server (<see cref="Https.CreateServer(Loop, TlsServerOptions, Action{IncomingMessage, ServerResponse}?, HttpServerOptions?)"/>)
    /// whose handshake finished, before its first request (Node's <c>'secureConnection'</c>); read the TLS side with
    /// <c>socket.GetTlsConnection()</c>. A handler that throws is reported to <see cref="HandlerError"/> and the socket destroyed.
    /// </summary>
    public event Action<Socket>? SecureConnection;

    /// <summary>
    /// Raised once per connection of an HTTPS server that failed before it was secure (Node's <c>'tlsClientError'</c>):
    /// garbage instead of a ClientHello, a failed or timed-out handshake, a refused client certificate, a peer gone.
    /// The socket is destroyed; no request was read from it.
    /// </summary>
    public event Action<NetException, Socket>? TlsClientError;

    /// <summary>
    /// Raised, as Node's <c>clientError</c>, for a request the server cannot parse (400, 413, 414, 431, 501, 505; the
    /// error's <see cref="HttpClientError.Code"/> is llhttp's HPE_* name) and for one cut by the headers or request
    /// timeout (408, ERR_HTTP_REQUEST_TIMEOUT). A handler takes charge of the socket: it answers and closes it. Without
    /// handlers the server answers, after the responses ahead, with Node's bare refusal (the status line and
    /// <c>Connection: close</c>, nothing else) and closes cleanly. A missing, repeated or invalid Host is answered 400
    /// by the server (with its Date and Content-Length), as Node, without this event.
    /// </summary>
    public event Action<HttpClientError, Socket>? ClientError;

    /// <summary>Raised instead of <see cref="Request"/> for <c>Expect: 100-continue</c>; without handlers, <c>100 Continue</c> is sent automatically.</summary>
    public event Action<IncomingMessage, ServerResponse>? CheckContinue;

    /// <summary>
    /// Raised instead of <see cref="Request"/> for an HTTP/1.1 request whose <c>Expect</c> is anything but
    /// <c>100-continue</c>, as Node's <c>checkExpectation</c>: the handler answers it (417 if it cannot meet the
    /// expectation). Without handlers such requests get <c>417 Expectation Failed</c> and the connection closes.
    /// A handler that throws is contained as a <see cref="Request"/> handler is.
    /// </summary>
    public event Action<IncomingMessage, ServerResponse>? CheckExpectation;

    /// <summary>
    /// Raised when a connection has been idle (nothing read or written) for the time given to
    /// <see cref="SetTimeout"/>, with its socket, as Node's server <c>timeout</c> event. With a handler here (or a
    /// <see cref="IncomingMessage.Timeout"/> handler on the request still arriving) the socket is left open: the
    /// handler decides (<c>socket.Destroy()</c>); without one the socket is destroyed.
    /// </summary>
    public event Action<Socket>? Timeout;

    /// <summary>
    /// Raised for a request asking to change protocol (<c>Connection: upgrade</c> with an <c>Upgrade</c> field): the
    /// handler owns the socket from then on, and gets the bytes already read after the request's head. Without
    /// handlers such requests are served as ordinary requests (RFC 9110 §7.8 lets a server ignore Upgrade). CONNECT
    /// never comes here: see <see cref="Connect"/>.
    /// </summary>
    public event Action<IncomingMessage, Socket, byte[]>? Upgrade;

    /// <summary>
    /// Raised for a CONNECT request, as Node's <c>connect</c> event: the handler owns the socket from then on (it
    /// answers, <c>HTTP/1.1 200 Connection Established</c> for a tunnel, and relays), and gets the bytes already read
    /// after the request's head. CONNECT never reaches <see cref="Request"/>: without handlers it is answered
    /// 501 Not Implemented and the connection closes, the bytes after it unread (a tunnel's, not requests). A target
    /// that is not <c>host:port</c> with a port from 1 to 65535 is answered 400 and closed, never raised here
    /// (RFC 9110 §9.3.6).
    /// </summary>
    public event Action<IncomingMessage, Socket, byte[]>? Connect;

    /// <summary>
    /// Raised when user code the server runs throws and the server contains the exception (see the remarks): a
    /// <see cref="Request"/> or <see cref="CheckContinue"/> handler, the task of an async handler, a request's body
    /// handlers, a response's events, a <see cref="Connection"/>, <see cref="SecureConnection"/>, <see cref="TlsClientError"/>,
    /// <see cref="Upgrade"/>, <see cref="Connect"/> or <see cref="ClientError"/> handler. With the request concerned, readable during the event only (it is pooled);
    /// null when there is none (Connection, SecureConnection, TlsClientError, ClientError) or none any more (an async handler that faulted after its
    /// response finished). Raised before the server answers for the failure. A handler of this event that throws is ignored: it runs inside the
    /// server's recovery from the first failure, which must complete.
    /// </summary>
    public event Action<Exception, IncomingMessage?>? HandlerError;

    /// <summary>Raised once listening.</summary>
    public event Action<HttpServer>? Listening;

    /// <summary>Raised for listen errors (EADDRINUSE...); with no handler the error is thrown out of the loop's run, as Node's.</summary>
    public event Action<HttpServer, NetException>? Error;

    /// <summary>Raised once the server has closed and every connection has ended.</summary>
    public event Action<HttpServer>? Closed;

    /// <summary>The port listened on.</summary>
    public int Port => _net.Port;

    /// <summary>The bound address.</summary>
    public EndPoint? Address => _net.Address;

    /// <summary>Open connections.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>
    /// The idle time, in milliseconds, after which a connection raises <see cref="Timeout"/> (0, the default as in
    /// Node: none). Set with <see cref="SetTimeout"/>; applies to connections accepted from then on, as Node's
    /// <c>server.timeout</c>.
    /// </summary>
    public long SocketTimeout { get; private set; }

    /// <summary>
    /// The most header fields of a request that <see cref="IncomingMessage.Headers"/> holds, as Node's
    /// <c>server.maxHeadersCount</c>: the fields past it are left out (truncated, not refused), 0 for no limit;
    /// 2000 by default, as Node. The server itself still sees every field (Host, Content-Length and the other framing
    /// fields are checked whole), and the parser's own bound (<see cref="HttpServerOptions.ParserLimits"/>, 100 fields
    /// and 16 KiB) still answers 431 past it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int MaxHeadersCount
    {
        get => _maxHeadersCount;
        set
        {
            Loop.VerifyAccess();
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _maxHeadersCount = value;
        }
    }

    private int _maxHeadersCount = 2000;

    /// <summary>
    /// Connections destroyed because the client took none of the bytes waiting for it for
    /// <see cref="HttpServerOptions.SendTimeout"/> (a slow read). A count rather than an event, as Kestrel counts what
    /// its minimum response data rate cuts: the client is gone, and there is nothing left to answer.
    /// </summary>
    public long SendTimeouts { get; internal set; }

    internal DateHeader Date { get; } = new();

    /// <summary>
    /// Request and response objects between requests, shared by the server's connections (all on its loop): an idle
    /// keep-alive connection holds none, so ten thousand idle clients cost no request state. A connection takes a pair
    /// when a request begins and gives it back once the pair is done; the pools grow to the most requests in flight at
    /// once, so the steady state allocates nothing.
    /// </summary>
    internal Stack<IncomingMessage> FreeRequests { get; } = new();

    /// <inheritdoc cref="FreeRequests"/>
    internal Stack<ServerResponse> FreeResponses { get; } = new();

    private byte[] _urlBytes = [];
    private int _urlLength;
    private string _url = "";

    /// <summary>The URL as a string, reusing the last one when the bytes repeat (clients ask for the same few paths): one cache for the server's connections, so that an idle connection keeps no URL.</summary>
    internal string InternUrl(ReadOnlySpan<byte> url)
    {
        if (url.SequenceEqual(_urlBytes.AsSpan(0, _urlLength)))
            return _url;
        if (_urlBytes.Length < url.Length)
            _urlBytes = new byte[Math.Max(64, url.Length)];
        url.CopyTo(_urlBytes);
        _urlLength = url.Length;
        return _url = Encoding.Latin1.GetString(url);
    }

    /// <summary>The header lines responses wrote last (see <see cref="FieldLineCache"/>).</summary>
    internal FieldLineCache FieldLines { get; } = new();

    /// <summary>The HTTP/1.1 head responses wrote last (see <see cref="ResponseHeadCache"/>).</summary>
    internal ResponseHeadCache Heads { get; } = new();

    /// <summary>Parsers between requests, lent to a connection from its first byte of a request to the end of the read that completes it.</summary>
    internal Stack<Parsing.HttpRequestParser> FreeParsers { get; } = new();

    /// <summary>Writes handed to sockets (a diagnostic the tests read: a pipelined batch takes one).</summary>
    internal long WritesIssued { get; set; }

    /// <summary>Responses queued on all connections and not yet finished (a diagnostic the tests read).</summary>
    internal int WaitingResponses { get; set; }

    internal byte[]? ServerHeaderLine { get; }

    /// <summary>What a keep-alive response says of its connection, rendered once (it depends on the options alone).</summary>
    internal byte[] KeepAliveLines { get; }

    /// <summary>
    /// Node's fields of a keep-alive response: <c>Connection: keep-alive</c>, and <c>Keep-Alive: timeout=N</c> (the
    /// keep-alive timeout in whole seconds, rounded down) with <c>, max=M</c> when requests per socket are limited.
    /// </summary>
    private static string KeepAliveField(HttpServerOptions options)
    {
        const string connection = "Connection: keep-alive\r\n";
        if (options.KeepAliveTimeout <= 0)
            return connection;
        string max = options.MaxRequestsPerSocket > 0 ? FormattableString.Invariant($", max={options.MaxRequestsPerSocket}") : "";
        return FormattableString.Invariant($"{connection}Keep-Alive: timeout={options.KeepAliveTimeout / 1000}{max}\r\n");
    }

    internal bool HasUpgradeHandlers => Upgrade is not null;

    internal bool HasConnectHandlers => Connect is not null;

    internal bool HandlesCheckContinue => CheckContinue is not null;

    internal bool HandlesCheckExpectation => CheckExpectation is not null;

    /// <summary>
    /// Listens on <paramref name="port"/> (0, the default: a free one) on every interface, as Node's
    /// <c>server.listen(port, callback)</c>; see <see cref="Listen(int, string?, int?, Action?)"/>.
    /// </summary>
    public HttpServer Listen(int port = 0, Action? callback = null) => Listen(port, null, null, callback);

    /// <summary>Listens on <paramref name="port"/> on <paramref name="host"/>, as Node's <c>server.listen(port, host, callback)</c>.</summary>
    public HttpServer Listen(int port, string? host, Action? callback = null) => Listen(port, host, null, callback);

    /// <summary>
    /// Listens on <paramref name="port"/> (0: a free one) and <paramref name="host"/> (null: every interface, dual
    /// stack), with a listen queue of <paramref name="backlog"/>; <paramref name="callback"/> is a one-time
    /// <see cref="Listening"/> handler (see <see cref="Net.Server.Listen(int, string?, int?, Action?)"/>).
    /// </summary>
    public HttpServer Listen(int port, string? host, int? backlog, Action? callback = null)
    {
        _net.Listen(port, host, backlog, callback);
        StartSweep();
        return this;
    }

    /// <summary>Listens on a Unix socket path, as Node's <c>server.listen(path, callback)</c>.</summary>
    public HttpServer Listen(string path, Action? callback = null) => Listen(path, null, callback);

    /// <summary>Listens on a Unix socket path with a listen queue of <paramref name="backlog"/>.</summary>
    public HttpServer Listen(string path, int? backlog, Action? callback = null)
    {
        _net.Listen(path, backlog, callback);
        StartSweep();
        return this;
    }

    /// <summary>
    /// Stops accepting, closes idle keep-alive connections, and answers every request already received or arriving
    /// on the others (pipelined ones included), the last response on each with <c>Connection: close</c>; our side of
    /// each ends once it has been sent. A connection whose last response went out as keep-alive before the close is
    /// closed once it has stayed idle across a poll for I/O, reading: what its client sent before it learnt of the
    /// close has been answered by then. <see cref="Closed"/> follows once every connection has ended.
    /// </summary>
    public void Close(Action? callback = null)
    {
        Loop.VerifyAccess();
        _closing = true;
        if (callback is not null)
            Closed += _ => callback();
        _net.Close();
        CloseIdleConnections();
        CloseBusyConnectionsWhenDone();
        StartStopCheck();
    }

    /// <summary>
    /// Replaces the TLS settings of an HTTPS server (Node's <c>server.setSecureContext(options)</c>): handshakes that
    /// start from now use <paramref name="tlsOptions"/> (a renewed certificate), connections already open keep theirs.
    /// Session tickets issued under the old options' keys do not resume under the new ones unless both share
    /// <see cref="TlsServerOptions.TicketKeys"/>.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// An option is invalid (a <see cref="TlsServerOptions.CaFile"/> that cannot be read included: the message names the
    /// option and the path): the server keeps the settings it has.
    /// </exception>
    /// <exception cref="InvalidOperationException">The server is not an HTTPS one, or the call is off the loop's thread.</exception>
    public void SetSecureContext(TlsServerOptions tlsOptions)
    {
        Loop.VerifyAccess();
        ArgumentNullException.ThrowIfNull(tlsOptions);
        if (_tls is null)
            throw new InvalidOperationException("SetSecureContext is for an HTTPS server (Https.CreateServer).");
        tlsOptions.Validate();
        _tls.Options = Options.Http2 ? Http.WithH2(tlsOptions) : tlsOptions;
    }

    /// <summary>Destroys every connection now, in flight or not.</summary>
    public void CloseAllConnections()
    {
        foreach (HttpConnection c in _connections.ToArray())
            c.Destroy();
    }

    /// <summary>
    /// Raises <see cref="Timeout"/> for a connection idle (nothing read or written) for <paramref name="milliseconds"/>
    /// (0 turns it off), as Node's <c>server.setTimeout</c>: it applies to the connections accepted from now on.
    /// <paramref name="callback"/>, when given, is added to <see cref="Timeout"/>. The keep-alive, headers and request
    /// timeouts (<see cref="HttpServerOptions"/>) are separate and still apply.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="milliseconds"/> is negative.</exception>
    public HttpServer SetTimeout(long milliseconds, Action<Socket>? callback = null)
    {
        Loop.VerifyAccess();
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds);
        SocketTimeout = milliseconds;
        if (callback is not null)
            Timeout += callback;
        return this;
    }

    /// <summary>Lets the listening server keep the loop alive (the default), as Node's <c>server.ref()</c>.</summary>
    public HttpServer Ref()
    {
        Loop.VerifyAccess();
        _net.Ref();
        return this;
    }

    /// <summary>
    /// Lets the loop end while the server listens, as Node's <c>server.unref()</c>: <see cref="Uvnet.Loop.Run(RunMode)"/>
    /// returns once nothing else (an open connection, a timer) keeps the loop alive. Open connections still do.
    /// </summary>
    public HttpServer Unref()
    {
        Loop.VerifyAccess();
        _net.Unref();
        return this;
    }

    /// <summary>Closes every connection that is between requests.</summary>
    public void CloseIdleConnections()
    {
        foreach (HttpConnection c in _connections.ToArray())
        {
            if (c.IsIdle)
                c.Destroy();
        }
    }

    private void CloseBusyConnectionsWhenDone()
    {
        foreach (HttpConnection c in _connections)
            c.CloseWhenDone();
    }

    /// <summary>Closes the server (see <see cref="Close"/>).</summary>
    public void Dispose()
    {
        if (!_closing)
            Close();
    }

    private void OnConnection(Socket socket)
    {
        _tls?.Accept(socket); // before any read: the connection below sees only plaintext
        var connection = new HttpConnection(this, socket) { IndexInServer = _connections.Count };
        _connections.Add(connection);
        try
        {
            Connection?.Invoke(socket);
        }
        catch (Exception e)
        {
            ReportHandlerError(e, null);
            socket.Destroy(); // half set up by the handler that threw: not served
        }
    }

    private void OnSecureConnection(Socket socket)
    {
        try
        {
            SecureConnection?.Invoke(socket);
        }
        catch (Exception e)
        {
            ReportHandlerError(e, null);
            socket.Destroy();
        }
    }

    private void OnTlsClientError(NetException error, Socket socket)
    {
        try
        {
            TlsClientError?.Invoke(error, socket);
        }
        catch (Exception e)
        {
            ReportHandlerError(e, null); // the socket is being destroyed already
        }
    }

    internal void OnConnectionClosed(HttpConnection connection) => Detach(connection);

    /// <summary>Forgets a connection (closed, or upgraded to another protocol).</summary>
    internal void Detach(HttpConnection connection)
    {
        int index = connection.IndexInServer;
        if (index < 0 || index >= _connections.Count || _connections[index] != connection)
            return;
        HttpConnection last = _connections[^1];
        _connections[index] = last;
        last.IndexInServer = index;
        _connections.RemoveAt(_connections.Count - 1);
        connection.IndexInServer = -1;
    }

    /// <summary>
    /// Closing: after each poll for I/O, ends the connections that were idle, reading, at the check before it too, so
    /// that requests their clients sent before the close (in the kernel while reading was paused) are seen first.
    /// Neither handle keeps the loop alive; the idle one only keeps a poll from blocking while a connection waits for
    /// its second check.
    /// </summary>
    private void StartStopCheck()
    {
        if (_stopCheck is not null)
            return;
        _stopCheck = new CheckHandle(Loop) { Data = this };
        _stopCheck.Unref();
        _stopSpin = new IdleHandle(Loop);
        _stopSpin.Unref();
        _stopCheck.Start(static h => ((HttpServer)h.Data!).EndConnectionsIdleAcrossAPoll());
    }

    private void EndConnectionsIdleAcrossAPoll()
    {
        bool waiting = false;
        for (int i = _connections.Count - 1; i >= 0; i--)
        {
            if (i >= _connections.Count)
                continue;
            HttpConnection c = _connections[i];
            if (!c.IsIdle)
                c.IdleAtLastCheck = false;
            else if (c.IdleAtLastCheck)
                c.EndWhenIdle();
            else
                waiting = c.IdleAtLastCheck = true;
        }
        if (waiting)
            _stopSpin!.Start(static _ => { });
        else
            _stopSpin!.Stop();
    }

    private void OnNetClosed()
    {
        CloseUnlessClosing(_sweep);
        CloseUnlessClosing(_stopCheck);
        CloseUnlessClosing(_stopSpin);
        _stopCheck = null;
        _stopSpin = null;
        Closed?.Invoke(this);
    }

    /// <summary>Closes a handle of the server's, unless it is closing already (a loop closed with everything on it).</summary>
    private static void CloseUnlessClosing(Handle? handle)
    {
        if (handle is { IsClosing: false })
            handle.Close();
    }

    /// <summary>Raises the event a request goes to (<see cref="Request"/>, <see cref="CheckContinue"/> or <see cref="CheckExpectation"/>), containing a handler that throws.</summary>
    internal void RaiseRequest(RequestEvent kind, IncomingMessage request, ServerResponse response)
    {
        try
        {
            (kind switch
            {
                RequestEvent.CheckContinue => CheckContinue,
                RequestEvent.CheckExpectation => CheckExpectation,
                _ => Request,
            })?.Invoke(request, response);
        }
        catch (Exception e)
        {
            ReportHandlerError(e, request);
            FailHandler(response);
        }
    }

    /// <summary>A connection stayed idle for <see cref="SocketTimeout"/>: true when a handler took it (else the socket is destroyed).</summary>
    internal bool RaiseTimeout(Socket socket)
    {
        if (Timeout is not { } handlers)
            return false;
        try
        {
            handlers(socket);
        }
        catch (Exception e)
        {
            ReportHandlerError(e, null);
            socket.Destroy(); // as for a throwing Connection handler: what the handler meant to do is unknown
        }
        return true;
    }

    /// <summary>
    /// A handler threw (or its task faulted), or its request went wrong: <paramref name="status"/> if nothing was
    /// sent, otherwise the connection is destroyed (a response begun cannot be finished).
    /// </summary>
    internal static void FailHandler(ServerResponse response, int status = 500, bool bare = false)
    {
        if (response.WritableEnded)
            return;
        if (response.Stream is { } stream)
        {
            if (response.HeadersSent)
                stream.Owner.ResetStream(stream, Http2.Http2ErrorCode.InternalError); // only this stream: the others go on
            else
                HttpConnection.Answer(response, status, bare);
        }
        else if (response.HeadersSent)
            response.Connection.Destroy();
        else
            HttpConnection.Answer(response, status, bare);
    }

    internal bool RaiseClientError(HttpClientError error, Socket socket)
    {
        if (ClientError is not { } handlers || !error.IsRaised)
            return false;
        try
        {
            handlers(error, socket);
        }
        catch (Exception e)
        {
            ReportHandlerError(e, null);
            socket.Destroy(); // the handler had charge of the socket: what it meant to send is unknown
        }
        return true;
    }

    internal void RaiseUpgrade(IncomingMessage request, Socket socket, byte[] head)
    {
        try
        {
            (request.KnownMethod == Parsing.HttpRequestMethod.Connect ? Connect : Upgrade)?.Invoke(request, socket, head);
        }
        catch (Exception e)
        {
            ReportHandlerError(e, request);
            socket.Destroy(); // the socket is the handler's: nothing else would ever close it
        }
    }

    /// <summary>Raises <see cref="HandlerError"/> for an exception of user code that the server contained.</summary>
    internal void ReportHandlerError(Exception error, IncomingMessage? request)
    {
        try
        {
            HandlerError?.Invoke(error, request);
        }
        catch (Exception)
        {
            // Ignored (see HandlerError): the recovery this report is part of must complete, and its caller may be
            // inside the parser.
        }
    }

    private void StartSweep()
    {
        long interval = Options.ConnectionsCheckingInterval;
        if (!_sweep.IsActive && interval > 0)
            _sweep.Start(static t => ((HttpServer)t.Data!).CheckTimeouts(), interval, interval);
        _sweep.Data = this;
    }

    /// <summary>Node's connectionsCheckingInterval: one pass over the connections against the timeouts.</summary>
    private void CheckTimeouts()
    {
        long now = Loop.Now;
        for (int i = _connections.Count - 1; i >= 0; i--)
        {
            if (i >= _connections.Count)
                continue;
            HttpConnection c = _connections[i];
            if (c.Http2Connection is { } h2)
            {
                // HTTP/2 has its own: a stream stalled on a closed window, and the keep-alive timeout (a GOAWAY).
                if (SendStalled(c, now))
                {
                    SendTimeouts++;
                    c.Destroy();
                }
                else
                {
                    h2.CheckTimeouts(now);
                }
                continue;
            }
            if (SendStalled(c, now))
            {
                SendTimeouts++;
                c.Destroy();
            }
            else if (c.LingeringSince >= 0 && c.RequestStartedAt < 0)
            {
                // Our side has ended and no request is still arriving (a body its handler reads on is bounded by the
                // request timeout instead).
                if (now - c.LingeringSince >= LingerTimeout)
                    c.Destroy();
            }
            else if (c.RequestStartedAt >= 0)
            {
                long elapsed = now - c.RequestStartedAt;
                if ((!c.HeadersDone && Options.HeadersTimeout > 0 && elapsed >= Options.HeadersTimeout)
                    || (Options.RequestTimeout > 0 && elapsed >= Options.RequestTimeout))
                    c.TimeOut();
            }
            else if (c.IsIdle && Options.KeepAliveTimeout > 0 && now - c.IdleSince >= Options.KeepAliveTimeout)
            {
                c.Destroy();
            }
        }
    }

    /// <summary>
    /// Whether bytes have waited for the client for <see cref="HttpServerOptions.SendTimeout"/> without the kernel
    /// taking any: progress is sampled here, once per check, so the send path itself keeps no clock.
    /// </summary>
    private bool SendStalled(HttpConnection c, long now)
    {
        long sent = c.Socket.BytesSent;
        if (Options.SendTimeout == 0 || c.Socket.WritableLength == 0 || sent != c.SentSeen)
        {
            c.SentSeen = sent;
            c.SendProgressAt = now;
            return false;
        }
        return now - c.SendProgressAt >= Options.SendTimeout;
    }
}

/// <summary>The event a request is raised as.</summary>
internal enum RequestEvent
{
    Request,
    CheckContinue,
    CheckExpectation,
}

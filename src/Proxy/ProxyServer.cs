using System.Net;
using Uvnet.Http.Client;
using Uvnet.Http.Server;
using Uvnet.Net;
using Uvnet.Proxy.Clusters;
using Uvnet.Proxy.Hooks;
using Uvnet.Proxy.Listeners;
using Uvnet.Proxy.Metrics;
using Uvnet.Proxy.Routing;

namespace Uvnet.Proxy;

/// <summary>
/// A reverse proxy on one loop: an <see cref="HttpServer"/> whose requests go through the hook points' filters, a route,
/// and a cluster's connection pool to an upstream, both bodies streamed with backpressure. Members are for the loop's
/// thread. One per loop: each loop has its own pools and destination state (as envoy's workers).
/// </summary>
public sealed class ProxyServer : IDisposable
{
    private readonly HttpServer _server;
    private readonly Dictionary<IncomingMessage, ProxyExchange> _byRequest = [];
    private readonly Dictionary<ClientRequest, ProxyExchange> _byUpstream = [];
    private readonly Dictionary<Socket, ProxyExchange> _connecting = [];
    private readonly List<Cluster> _retired = [];
    private ProxySnapshot _current;
    private readonly Stack<ProxyExchange> _free = new(); // exchanges whose request ended, for the next requests
    private readonly CheckHandle _uncork; // after the poll's callbacks, sends what the exchanges corked (see CorkUntilPolled)
    private readonly List<HttpConnection> _corked = [];
    private bool _closed;

    /// <summary>A proxy on <paramref name="loop"/> (not listening yet: see <see cref="Listen(int, string?, Action?)"/>).</summary>
    /// <param name="loop">The loop.</param>
    /// <param name="options">Routes, clusters, filters and timeouts; validated here, every error naming its field.</param>
    /// <param name="serverOptions">The downstream server's settings (no Server header is added by default: the upstream's passes).</param>
    /// <param name="metrics">Counts to add to, shared with the proxies of other loops; null: counts of its own.</param>
    /// <param name="listener">TLS and the PROXY protocol on the listener; null: plain HTTP, no PROXY protocol.</param>
    /// <exception cref="ArgumentException">An option is invalid (the message names the field, e.g. "Routes[0].Cluster").</exception>
    public ProxyServer(Loop loop, ProxyOptions options, HttpServerOptions? serverOptions = null, ProxyMetrics? metrics = null, ProxyListenerOptions? listener = null)
    {
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Listener = listener ?? new ProxyListenerOptions();
        // HTTP/1.1 to clients unless the caller's options say otherwise: the proxy's forwarding (hop-by-hop fields,
        // upgrades, its metrics) has not been reviewed over HTTP/2 streams yet.
        serverOptions ??= new HttpServerOptions { ServerHeader = null, Http2 = false };
        // Both create the server only after checking their arguments (the TLS options too): nothing is made before.
        _server = Listener.Tls is { } tls ? Http.Https.CreateServer(loop, tls, OnRequest, serverOptions) : Http.Http.CreateServer(loop, OnRequest, serverOptions);
        Loop = loop;
        Metrics = metrics ?? new ProxyMetrics();
        _current = ProxySnapshot.Build(loop, options, Metrics, previous: null);
        Handlers = new ProxyHandlers(this);
        _uncork = new CheckHandle(loop) { Data = this }; // made once the server is (it checks the listener's options first)
        _uncork.Unref(); // it waits for output, never for anything else
        _server.CheckContinue += OnRequest; // the upstream answers the Expect: its 100 (or its refusal) is passed on
        _server.Upgrade += OnUpgrade;
        _server.Connection += OnConnection;
        _server.SecureConnection += OnSecureConnection;
    }

    /// <summary>The loop.</summary>
    public Loop Loop { get; }

    /// <summary>The settings new requests are served by (the last <see cref="Reload"/>'s, or the constructor's).</summary>
    public ProxyOptions Options => _current.Options;

    /// <summary>The listener's settings (TLS, PROXY protocol).</summary>
    public ProxyListenerOptions Listener { get; }

    /// <summary>"https" on a TLS listener, else "http": the X-Forwarded-Proto of its requests.</summary>
    internal string Scheme => Listener.Tls is null ? "http" : "https";

    /// <summary>The counts this proxy adds to.</summary>
    public ProxyMetrics Metrics { get; }

    /// <summary>The downstream server (its events, timeouts and counts).</summary>
    public HttpServer Server => _server;

    /// <summary>The clusters' state on this loop, as new requests find them.</summary>
    public IReadOnlyList<Cluster> Clusters => _current.Clusters;

    /// <summary>The port listened on.</summary>
    public int Port => _server.Port;

    /// <summary>The address listened on.</summary>
    public EndPoint? Address => _server.Address;

    /// <summary>Exchanges in progress.</summary>
    public int ActiveExchanges => _byRequest.Count;

    /// <summary>
    /// A filter threw, paused wrongly, answered where it cannot, or left a field that cannot be sent: the exchange got a
    /// 500 (or its connection was closed) and the proxy went on.
    /// </summary>
    public event Action<Exception, ProxyExchange>? FilterError;

    /// <summary>The configuration new connections and requests take (each keeps the one it started with).</summary>
    internal ProxySnapshot Current => _current;

    internal ProxyHandlers Handlers { get; }

    /// <summary>Listens on <paramref name="port"/> (0: any free one) and <paramref name="host"/> (null: every interface).</summary>
    public ProxyServer Listen(int port = 0, string? host = null, Action? callback = null)
    {
        _server.Listen(port, host, callback);
        return this;
    }

    /// <summary>
    /// Serves new requests by <paramref name="options"/>, validated whole first: on an error nothing changes. Requests in
    /// progress finish by the settings they started with; a cluster whose settings did not change keeps its state
    /// (pool, ejections, health); one that changed or went is retired, its pool closed once its last request is over.
    /// New connections run the new proxy-wide filters at Accept; connections already open keep theirs for that point.
    /// </summary>
    /// <exception cref="ArgumentException">An option is invalid (the message names the field).</exception>
    /// <exception cref="InvalidOperationException">The proxy is closed, or the call is off the loop's thread.</exception>
    public void Reload(ProxyOptions options)
    {
        // The loop's thread, or any before the loop first ran (as the constructor): the snapshot is the loop's state.
        if (Loop.OwnerThreadId != 0 && Loop.OwnerThreadId != Environment.CurrentManagedThreadId)
            throw new InvalidOperationException("ProxyServer.Reload is called on the loop's thread: post it with Loop.Post.");
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (_closed)
            throw new InvalidOperationException("The proxy is closed.");
        ProxySnapshot previous = _current;
        _current = ProxySnapshot.Build(Loop, options, Metrics, previous);
        _retired.RemoveAll(c => c.Destinations.All(d => d.InFlight == 0)); // their pools were closed when they emptied
        foreach (Cluster cluster in previous.Clusters)
        {
            if (Array.IndexOf(_current.Clusters, cluster) < 0)
            {
                cluster.Retire();
                _retired.Add(cluster);
            }
        }
    }

    /// <summary>Stops listening; responses in flight finish, then idle connections close. Idle upstream connections close now, health checks and lookups stop.</summary>
    public void Close(Action? callback = null)
    {
        _closed = true;
        _server.Close(callback);
        _server.CloseIdleConnections();
        foreach (Cluster cluster in _current.Clusters.Concat(_retired))
        {
            cluster.Stop();
            cluster.Agent.Destroy();
        }
        while (_free.TryPop(out ProxyExchange? exchange))
            exchange.Drop();
        UncorkAll();
        if (!_uncork.IsClosing)
            _uncork.Close();
    }

    /// <summary>Closes at once: the listener, every downstream connection and every idle upstream one.</summary>
    public void Dispose()
    {
        _server.CloseAllConnections();
        Close();
    }

    internal ProxyExchange? Of(IncomingMessage request) => _byRequest.GetValueOrDefault(request);

    internal ProxyExchange? Of(ClientRequest upstream) => _byUpstream.GetValueOrDefault(upstream);

    internal void Track(ClientRequest upstream, ProxyExchange exchange) => _byUpstream[upstream] = exchange;

    internal void Untrack(ClientRequest upstream) => _byUpstream.Remove(upstream);

    internal ProxyExchange? Of(Socket connecting) => _connecting.Remove(connecting, out ProxyExchange? exchange) ? exchange : null;

    internal void TrackConnecting(Socket socket, ProxyExchange exchange)
    {
        _connecting[socket] = exchange;
        socket.Connected += Handlers.UpstreamConnected;
    }

    internal void UntrackConnecting(Socket socket)
    {
        _connecting.Remove(socket);
        socket.Connected -= Handlers.UpstreamConnected;
    }

    internal void Untrack(ProxyExchange exchange) => _byRequest.Remove(exchange.Request!);

    /// <summary>
    /// An exchange whose request has ended (its RequestFinished filters returned) serves a later request, so that a
    /// request costs no exchange; once the proxy has closed, its timer is closed instead.
    /// </summary>
    internal void Return(ProxyExchange exchange)
    {
        if (_closed)
            exchange.Drop();
        else
            _free.Push(exchange);
    }

    /// <summary>
    /// Holds <paramref name="connection"/>'s output until the loop has run the callbacks of this poll: an upstream's
    /// read brings a response's head, its body and its end through separate calls, and each would otherwise be a send
    /// of its own (the head alone, then the body: a third of a small proxied request's sends).
    /// </summary>
    internal void CorkUntilPolled(HttpConnection connection)
    {
        if (_closed)
            return;
        connection.Cork();
        _corked.Add(connection);
        if (_corked.Count == 1)
            _uncork.Start(static check => ((ProxyServer)check.Data!).UncorkAll());
    }

    private void UncorkAll()
    {
        if (_corked.Count == 0)
            return;
        // By index: an uncork that fails a socket may run code that corks another connection, which joins this pass.
        for (int i = 0; i < _corked.Count; i++)
            _corked[i].Uncork();
        _corked.Clear();
        _uncork.Stop();
    }

    internal void ReportFilterError(Exception error, ProxyExchange exchange)
    {
        try
        {
            FilterError?.Invoke(error, exchange);
        }
        catch (Exception)
        {
            // A throwing FilterError handler must not take the exchange down with it: the report is best effort.
        }
    }

    private void OnConnection(Socket socket)
    {
        var connection = new ProxyConnection(this, socket);
        socket.UserData = connection;
        socket.Closed += Handlers.SocketClosed;
        socket.Ended += Handlers.SocketEnded;
        if (Listener.ProxyProtocol)
            socket.StartPreamble(new ProxyProtocolReader(connection)); // Accept runs once the header named the client
        else
            connection.Accept();
    }

    private void OnSecureConnection(Socket socket) => ((ProxyConnection)socket.UserData!).Secured();

    private void OnRequest(IncomingMessage request, ServerResponse response)
    {
        var connection = (ProxyConnection)request.Socket.UserData!;
        ProxyExchange exchange;
        if (_free.TryPop(out ProxyExchange? reused))
        {
            exchange = reused;
            exchange.Begin(connection, request, response, null, null);
        }
        else
            exchange = new ProxyExchange(this, connection, request, response, null, null);
        _byRequest[request] = exchange;
        exchange.TakeRequestBody();
        response.Close += Handlers.ResponseClose;
        response.Drain += Handlers.ResponseDrain;
        connection.Admit(exchange);
    }

    private void OnUpgrade(IncomingMessage request, Socket socket, byte[] head)
    {
        socket.Pause(); // nothing of the new protocol is read until both sides are joined
        var connection = (ProxyConnection)socket.UserData!;
        var exchange = new ProxyExchange(this, connection, request, null, socket, head);
        _byRequest[request] = exchange;
        connection.Upgrading = exchange;
        socket.Drain += Handlers.SocketDrain;
        connection.Admit(exchange);
    }
}

/// <summary>A route with its cluster on this loop, the filters its requests run (the proxy's, then its own), and its counts.</summary>
internal sealed record RouteEntry(ProxyRoute Route, Cluster Cluster, FilterChain Chain, RequestCounters Counters);

/// <summary>One configuration of a proxy on one loop, immutable: what a request started with stays with it through a reload.</summary>
internal sealed class ProxySnapshot
{
    private readonly string _via10, _via11; // the proxy's Via entries, by the version a message came with, made once

    private ProxySnapshot(ProxyOptions options, FilterChain chain, Cluster[] clusters, RouteEntry[] routes)
    {
        Options = options;
        Chain = chain;
        Clusters = clusters;
        Routes = routes;
        _via10 = "1.0 " + options.ViaName;
        _via11 = "1.1 " + options.ViaName;
    }

    internal ProxyOptions Options { get; }

    /// <summary>The proxy-wide filters.</summary>
    internal FilterChain Chain { get; }

    internal Cluster[] Clusters { get; }

    internal RouteEntry[] Routes { get; }

    /// <summary>The proxy's Via entry for a message received as HTTP/1.<paramref name="minorVersion"/> ("1.1 uvnet").</summary>
    internal string ViaHop(int minorVersion) => minorVersion == 0 ? _via10 : _via11;

    /// <summary>The snapshot of <paramref name="options"/> (validated), keeping each cluster of <paramref name="previous"/> whose settings are the same.</summary>
    internal static ProxySnapshot Build(Loop loop, ProxyOptions options, ProxyMetrics metrics, ProxySnapshot? previous)
    {
        var chain = new FilterChain(options.Filters);
        Cluster[] clusters = [.. options.Clusters.Select(c =>
            previous?.Clusters.FirstOrDefault(old => old.Name == c.Name && old.Options.SameAs(c) && old.Agent.Options == Cluster.AgentOptions(options.Agent, c))
            ?? new Cluster(loop, c, options.Agent, metrics.Cluster(c.Name), options.Lookup))];
        RouteEntry[] routes = [.. options.Routes.Select((r, i) => new RouteEntry(r, clusters.First(c => c.Name == r.Cluster),
            r.Filters.Count == 0 ? chain : new FilterChain(options.Filters.Concat(r.Filters)),
            metrics.Route(r.Name ?? i.ToString(System.Globalization.CultureInfo.InvariantCulture))))];
        return new ProxySnapshot(options, chain, clusters, routes);
    }
}

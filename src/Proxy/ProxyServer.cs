using System.Net;
using Uvnet.Http.Client;
using Uvnet.Http.Server;
using Uvnet.Net;
using Uvnet.Proxy.Clusters;
using Uvnet.Proxy.Hooks;
using Uvnet.Proxy.Listeners;
using Uvnet.Proxy.Metrics;
using Uvnet.Proxy.Routing;
using Uvnet.Tls;

namespace Uvnet.Proxy;

/// <summary>
/// A reverse proxy on one loop: an <see cref="HttpServer"/> whose requests go through the hook points' filters, a route,
/// and a cluster's connection pool to an upstream, both bodies streamed with backpressure. Members are for the loop's
/// thread. One per loop: each loop has its own pools and destination state (as envoy's workers).
/// </summary>
public sealed class ProxyServer : IDisposable
{
    private readonly HttpServerOptions _serverOptions;
    private readonly List<ProxyListener> _listeners = [];
    private readonly List<ProxyListener> _draining = []; // closed listeners whose connections are still open
    private readonly Dictionary<Socket, ProxyExchange> _connecting = [];
    private readonly List<Cluster> _retired = [];
    private ProxySnapshot _current;
    private readonly Stack<ProxyExchange> _free = new(); // exchanges whose request ended, for the next requests
    private readonly CheckHandle _uncork; // after the poll's callbacks, sends what the exchanges corked (see CorkUntilPolled)
    private readonly List<HttpConnection> _corked = [];
    private bool _uncorking; // an UncorkAll pass is under way
    private bool _closed;
    private int _activeExchanges; // requests whose Handler is their exchange (see Of)

    /// <summary>A proxy on <paramref name="loop"/> (not listening yet: see <see cref="Listen(int, string?, Action?)"/>).</summary>
    /// <param name="loop">The loop.</param>
    /// <param name="options">Routes, clusters, filters and timeouts; validated here, every error naming its field.</param>
    /// <param name="serverOptions">The downstream servers' settings, every listener's (no Server header is added by default: the upstream's passes).</param>
    /// <param name="metrics">Counts to add to, shared with the proxies of other loops; null: counts of its own.</param>
    /// <param name="listener">The first listener's TLS and PROXY protocol (its address is <see cref="Listen(int, string?, Action?)"/>'s); null: plain HTTP, no PROXY protocol.</param>
    /// <exception cref="ArgumentException">An option is invalid (the message names the field, e.g. "Routes[0].Cluster").</exception>
    public ProxyServer(Loop loop, ProxyOptions options, HttpServerOptions? serverOptions = null, ProxyMetrics? metrics = null, ProxyListenerOptions? listener = null)
    {
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        listener?.Validate("Listener");
        Loop = loop;
        // HTTP/1.1 to clients unless the caller's options say otherwise: the proxy's forwarding (hop-by-hop fields,
        // upgrades, its metrics) has not been reviewed over HTTP/2 streams yet.
        _serverOptions = serverOptions ?? new HttpServerOptions { ServerHeader = null, Http2 = false };
        First = new ProxyListener(this, listener ?? new ProxyListenerOptions(), _serverOptions);
        _listeners.Add(First);
        Metrics = metrics ?? new ProxyMetrics();
        _current = ProxySnapshot.Build(loop, options, Metrics, previous: null);
        Handlers = new ProxyHandlers(this);
        _uncork = new CheckHandle(loop) { Data = this }; // made once the server is (it checks the listener's options first)
        _uncork.Unref(); // it waits for output, never for anything else
        Metrics.Register(this);
    }

    /// <summary>The loop.</summary>
    public Loop Loop { get; }

    /// <summary>The settings new requests are served by (the last <see cref="Reload(ProxyOptions)"/>'s, or the constructor's).</summary>
    public ProxyOptions Options => _current.Options;

    /// <summary>The first listener's settings (TLS, PROXY protocol): the constructor's, or the last <see cref="ProxyListener.SetTls"/>'s.</summary>
    public ProxyListenerOptions Listener => First.Options;

    /// <summary>
    /// The listeners open: the constructor's first (until it is closed), then those of <see cref="AddListener"/> and
    /// <see cref="Reload(ProxyOptions, IReadOnlyList{ProxyListenerOptions}, TlsServerOptions?)"/>, in the order they were added.
    /// </summary>
    public IReadOnlyList<ProxyListener> Listeners => _listeners;

    /// <summary>The counts this proxy adds to.</summary>
    public ProxyMetrics Metrics { get; }

    /// <summary>The first listener's server (its events, timeouts and counts).</summary>
    public HttpServer Server => First.Server;

    /// <summary>The clusters' state on this loop, as new requests find them.</summary>
    public IReadOnlyList<Cluster> Clusters => _current.Clusters;

    /// <summary>The port the first listener listens on.</summary>
    public int Port => First.Port;

    /// <summary>The address the first listener listens on.</summary>
    public EndPoint? Address => First.Address;

    /// <summary>Whether <see cref="Close"/> (or <see cref="Dispose"/>) was called.</summary>
    public bool IsClosed => _closed;

    /// <summary>Exchanges in progress.</summary>
    public int ActiveExchanges => _activeExchanges;

    /// <summary>
    /// A filter threw, paused wrongly, answered where it cannot, or left a field that cannot be sent: the exchange got a
    /// 500 (or its connection was closed) and the proxy went on.
    /// </summary>
    public event Action<Exception, ProxyExchange>? FilterError;

    /// <summary>
    /// A listener added by <see cref="AddListener"/> or a reload could not listen (its address taken, or not this host's):
    /// it is closed and has left <see cref="Listeners"/>. Without a handler the error is thrown, as an
    /// <see cref="HttpServer"/>'s without an Error handler.
    /// </summary>
    public event Action<ProxyListener, NetException>? ListenerError;

    /// <summary>The constructor's listener (kept here once it closed: <see cref="Server"/> and <see cref="Port"/> still name it).</summary>
    private ProxyListener First { get; }

    /// <summary>The configuration new connections and requests take (each keeps the one it started with).</summary>
    internal ProxySnapshot Current => _current;

    internal ProxyHandlers Handlers { get; }

    /// <summary>The first listener listens on <paramref name="port"/> (0: any free one) and <paramref name="host"/> (null: every interface).</summary>
    public ProxyServer Listen(int port = 0, string? host = null, Action? callback = null)
    {
        First.Listen(port, host, callback);
        return this;
    }

    /// <summary>
    /// Adds a listener on <paramref name="options"/>' <see cref="ProxyListenerOptions.Host"/> and
    /// <see cref="ProxyListenerOptions.Port"/>, listening now, its requests routed as the others' (envoy's listeners,
    /// nginx's several <c>listen</c> lines). <paramref name="listening"/> runs once it listens; a failure to listen is
    /// <see cref="ListenerError"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An option is invalid (the message names the field): nothing is made.</exception>
    /// <exception cref="InvalidOperationException">The proxy is closed, or the call is off the loop's thread.</exception>
    public ProxyListener AddListener(ProxyListenerOptions options, Action<ProxyListener>? listening = null)
    {
        VerifyLoop(nameof(AddListener));
        ArgumentNullException.ThrowIfNull(options);
        options.Validate("Listener");
        if (_closed)
            throw new InvalidOperationException("The proxy is closed.");
        return Add(options, listening);
    }

    private ProxyListener Add(ProxyListenerOptions options, Action<ProxyListener>? listening)
    {
        var listener = new ProxyListener(this, options, _serverOptions);
        listener.Server.Error += (_, e) => OnListenerError(listener, e);
        _listeners.Add(listener);
        listener.Listen(options.Port, options.Host, listening is null ? null : () => listening(listener));
        return listener;
    }

    private void OnListenerError(ProxyListener listener, NetException error)
    {
        listener.Close();
        (ListenerError ?? throw error)(listener, error);
    }

    /// <summary>A listener closed: it leaves <see cref="Listeners"/>; its connections count in the gauges until they close.</summary>
    internal void Forget(ProxyListener listener)
    {
        _listeners.Remove(listener);
        _draining.RemoveAll(l => l.ConnectionsOpen == 0);
        _draining.Add(listener);
    }

    /// <summary>
    /// <see cref="Reload(ProxyOptions)"/>, and the listeners beside the constructor's become <paramref name="listeners"/>,
    /// matched to those open by <see cref="ProxyListenerOptions.Name"/> (else host and port): one that stays where it is,
    /// with the same PROXY protocol setting and TLS or not as before, stays open (its connections untouched) and takes
    /// the new TLS settings for its new handshakes; one left out closes as <see cref="ProxyListener.Close"/> does (its
    /// requests in flight finish); a new one, or one whose address or kind changed, is added (the old one closed first).
    /// <paramref name="firstListenerTls"/>, when given, is the constructor's listener's new TLS settings (a renewed
    /// certificate; see <see cref="ProxyListener.SetTls"/>). Everything is validated first: on an error nothing changes.
    /// </summary>
    /// <exception cref="ArgumentException">An option is invalid, two listeners have one key, or <paramref name="firstListenerTls"/>
    /// is given for a plain first listener (the message names the field).</exception>
    /// <exception cref="InvalidOperationException">The proxy is closed, or the call is off the loop's thread.</exception>
    public void Reload(ProxyOptions options, IReadOnlyList<ProxyListenerOptions> listeners, TlsServerOptions? firstListenerTls = null)
    {
        VerifyLoop(nameof(Reload));
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(listeners);
        options.Validate();
        if (firstListenerTls is not null)
        {
            if (First.Options.Tls is null)
                throw new ArgumentException("Listener.Tls: the first listener is a plain one (TLS is set when a listener is made).", nameof(firstListenerTls));
            (First.Options with { Tls = firstListenerTls }).Validate("Listener");
        }
        ProxyListenerOptions.ValidateAll(listeners);
        Reload(options);
        if (firstListenerTls is not null && firstListenerTls != First.Options.Tls && !First.IsClosed)
            First.SetTls(firstListenerTls);
        ProxyListener[] open = [.. _listeners.Where(l => l != First)];
        foreach (ProxyListener old in open)
        {
            ProxyListenerOptions? wanted = listeners.FirstOrDefault(l => l.Key == old.Options.Key);
            if (wanted is not null && SamePlace(old.Options, wanted))
            {
                if (wanted.Tls is { } tls && tls != old.Options.Tls)
                    old.SetTls(tls);
            }
            else
                old.Close();
        }
        foreach (ProxyListenerOptions l in listeners)
        {
            if (!_listeners.Any(open => open != First && open.Options.Key == l.Key))
                Add(l, null);
        }
    }

    /// <summary>Whether a listener on <paramref name="a"/> can go on serving <paramref name="b"/> (its TLS settings apart).</summary>
    private static bool SamePlace(ProxyListenerOptions a, ProxyListenerOptions b) =>
        a.Host == b.Host && a.Port == b.Port && a.ProxyProtocol == b.ProxyProtocol && (a.Tls is null) == (b.Tls is null);

    /// <summary>The loop's thread, or any before the loop first ran (as the constructor): the proxy's state is the loop's.</summary>
    private void VerifyLoop(string member)
    {
        if (Loop.OwnerThreadId != 0 && Loop.OwnerThreadId != Environment.CurrentManagedThreadId)
            throw new InvalidOperationException($"ProxyServer.{member} is called on the loop's thread: post it with Loop.Post.");
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
        VerifyLoop(nameof(Reload));
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

    /// <summary>Stops listening on every listener; responses in flight finish, then idle connections close. Idle upstream connections close now, health checks and lookups stop.</summary>
    public void Close(Action? callback = null)
    {
        _closed = true;
        Metrics.Unregister(this);
        // Every listener's server closes; the callback runs once the last has (each Closed comes on a later turn).
        ProxyListener[] listeners = [.. _listeners];
        int left = listeners.Length;
        foreach (ProxyListener listener in listeners)
            listener.Close(callback is null ? null : () => { if (--left == 0) callback(); });
        if (listeners.Length == 0 && callback is not null)
            Loop.Post(callback);
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
        // The closed listeners' connections too: Close (a graceful stop first) moved every listener to the draining ones.
        foreach (ProxyListener listener in _listeners.Concat(_draining).ToArray())
            listener.Server.CloseAllConnections();
        Close();
    }

    /// <summary>
    /// This loop's gauges: each cluster's pool and health (a retired cluster's pool, still draining, counts under its
    /// name), and each listener's open connections.
    /// </summary>
    /// <exception cref="InvalidOperationException">The call is off the loop's thread.</exception>
    public ProxyGauges ReadGauges()
    {
        Loop.VerifyAccess();
        var clusters = new Dictionary<string, ClusterGauges>(StringComparer.Ordinal);
        foreach (Cluster cluster in _current.Clusters)
            clusters[cluster.Name] = cluster.ReadGauges();
        foreach (Cluster cluster in _retired)
        {
            ClusterGauges pool = cluster.ReadGauges() with { HealthyDestinations = 0, UnhealthyDestinations = 0 };
            if (pool.ConnectionsOpen + pool.RequestsPending > 0)
                clusters[cluster.Name] = clusters.TryGetValue(cluster.Name, out ClusterGauges current) ? current.WithPoolOf(pool) : pool;
        }
        var listeners = new Dictionary<string, int>(StringComparer.Ordinal);
        _draining.RemoveAll(l => l.ConnectionsOpen == 0);
        foreach (ProxyListener listener in _listeners.Concat(_draining))
            listeners[listener.Name] = listeners.GetValueOrDefault(listener.Name) + listener.ConnectionsOpen;
        return new ProxyGauges(clusters, listeners);
    }

    // An exchange is found from its requests' events through their Handler, set while it is theirs (no table lookup per
    // event); a request no exchange has, one finished or an upstream request let go, finds none, and its event is ignored.
    internal static ProxyExchange? Of(IncomingMessage request) => request.Handler as ProxyExchange;

    internal static ProxyExchange? Of(ClientRequest upstream) => upstream.Handler as ProxyExchange;

    internal static void Track(ClientRequest upstream, ProxyExchange exchange) => upstream.Handler = exchange;

    internal static void Untrack(ClientRequest upstream) => upstream.Handler = null;

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

    internal void Untrack(ProxyExchange exchange)
    {
        IncomingMessage request = exchange.Request!;
        if (request.Handler is null)
            return;
        request.Handler = null;
        _activeExchanges--;
    }

    private void Track(IncomingMessage request, ProxyExchange exchange)
    {
        request.Handler = exchange;
        _activeExchanges++;
    }

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
        // An uncork runs code: the next pipelined request starts, and its filters may close the proxy (which uncorks all
        // again) or cork another connection. The pass under way serves both, so a nested call returns at once: a
        // connection uncorked twice would have its cork count below zero, and its output would stop. By index, so a
        // connection corked during the pass joins it.
        if (_uncorking || _corked.Count == 0)
            return;
        _uncorking = true;
        int uncorked = 0;
        try
        {
            while (uncorked < _corked.Count)
                _corked[uncorked++].UncorkFromLoop();
        }
        finally
        {
            // Only those uncorked leave the list: after one that threw, the rest wait for the next pass, never uncorked twice.
            _corked.RemoveRange(0, uncorked);
            _uncorking = false;
            if (_corked.Count == 0)
                _uncork.Stop();
        }
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

    internal void OnConnection(ProxyListener listener, Socket socket)
    {
        var connection = new ProxyConnection(this, listener, socket);
        socket.UserData = connection;
        socket.Closed += Handlers.SocketClosed;
        socket.Ended += Handlers.SocketEnded;
        listener.ConnectionsOpen++;
        if (listener.Options.ProxyProtocol)
            socket.StartPreamble(new ProxyProtocolReader(connection)); // Accept runs once the header named the client
        else
            connection.Accept();
    }

    internal void OnRequest(IncomingMessage request, ServerResponse response)
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
        Track(request, exchange);
        exchange.TakeRequestBody();
        response.Close += Handlers.ResponseClose;
        response.Drain += Handlers.ResponseDrain;
        connection.Admit(exchange);
    }

    internal void OnUpgrade(IncomingMessage request, Socket socket, byte[] head)
    {
        socket.Pause(); // nothing of the new protocol is read until both sides are joined
        var connection = (ProxyConnection)socket.UserData!;
        var exchange = new ProxyExchange(this, connection, request, null, socket, head);
        Track(request, exchange);
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

using Uvnet.Net;
using Uvnet.Proxy.Hooks;
using Uvnet.Proxy.Listeners;

namespace Uvnet.Proxy;

/// <summary>
/// One downstream connection: the verdict of its <see cref="HookPoint.Accept"/> filters, and a gate that holds its
/// requests while a filter there (or at <see cref="HookPoint.RequestFinished"/>) is paused.
/// </summary>
public sealed class ProxyConnection
{
    private readonly Queue<ProxyExchange> _waiting = new();
    private int _holds;
    private bool _accepting, _accepted, _secure;

    internal ProxyConnection(ProxyServer proxy, ProxyListener listener, Socket socket)
    {
        Proxy = proxy;
        Listener = listener;
        Socket = socket;
        ClientAddress = socket.RemoteAddress;
        ClientPort = socket.RemotePort;
        Exchange = new ProxyExchange(proxy, this);
    }

    /// <summary>The proxy.</summary>
    public ProxyServer Proxy { get; }

    /// <summary>The listener that accepted it.</summary>
    public ProxyListener Listener { get; }

    /// <summary>The client's socket.</summary>
    public Socket Socket { get; }

    /// <summary>
    /// The client's address: the PROXY protocol header's source on a listener that takes one (the client behind the
    /// load balancer), else the socket's peer. X-Forwarded-For and hashing on "client" use it.
    /// </summary>
    public string? ClientAddress { get; private set; }

    /// <summary>The client's port, from the same place as <see cref="ClientAddress"/>.</summary>
    public int? ClientPort { get; private set; }

    /// <summary>The PROXY protocol header the connection began with; null on a listener that takes none.</summary>
    public ProxyProtocolHeader? ProxyHeader { get; private set; }

    /// <summary>Requests received on it so far.</summary>
    public int Requests { get; internal set; }

    /// <summary>The exchange the connection's own points run with (no request).</summary>
    internal ProxyExchange Exchange { get; }

    /// <summary>What an Accept filter answered: each request of the connection gets it, then the connection closes.</summary>
    internal HookResult? Verdict { get; set; }

    /// <summary>The exchange that took the socket over for an upgrade, if one did.</summary>
    internal ProxyExchange? Upgrading { get; set; }

    internal void Accept()
    {
        _accepting = true;
        Hold(); // released when the Accept chain goes on (now, or when a paused filter resumes)
        Exchange.RunConnectionPoint(HookPoint.Accept);
    }

    /// <summary>The PROXY protocol header was read: the client is the one it names (a LOCAL or UNKNOWN one names none), then Accept runs.</summary>
    internal void Proxied(ProxyProtocolHeader header)
    {
        ProxyHeader = header;
        if (header.Source is { } source)
        {
            ClientAddress = source.Address.ToString();
            ClientPort = source.Port;
        }
        Accept();
    }

    /// <summary>The Accept chain let the connection go on: Handshake runs if TLS finished meanwhile, then requests may start.</summary>
    internal void Accepted()
    {
        _accepted = true;
        if (_secure)
            RunHandshake();
        Release();
    }

    /// <summary>The TLS handshake finished: the Handshake chain runs, once Accept's has let the connection go on.</summary>
    internal void Secured()
    {
        _secure = true;
        if (_accepted)
            RunHandshake();
    }

    private void RunHandshake()
    {
        Hold(); // released when the Handshake chain goes on
        Exchange.RunConnectionPoint(HookPoint.Handshake);
    }

    internal void Hold() => _holds++;

    /// <summary>A hold ends: waiting requests start, in order, while no other hold comes.</summary>
    internal void Release()
    {
        _holds--;
        while (_holds == 0 && _waiting.TryDequeue(out ProxyExchange? next))
            next.Start();
    }

    /// <summary>
    /// Starts <paramref name="exchange"/> now, or once the holds end. A started request holds the connection until its
    /// upstream response has all come (or it ended): a pipelining client's requests are forwarded one at a time, as
    /// nginx does, each over the upstream connection the one before released, instead of each taking an upstream
    /// connection of its own.
    /// </summary>
    internal void Admit(ProxyExchange exchange)
    {
        Requests++;
        Active++;
        if (_holds == 0 && _waiting.Count == 0)
            exchange.Start();
        else
            _waiting.Enqueue(exchange);
    }

    /// <summary>Exchanges admitted and not finished.</summary>
    internal int Active { get; set; }

    /// <summary>
    /// The client sent its FIN: with an exchange in progress, the client is taken to have gone (as nginx's
    /// proxy_ignore_client_abort off): the connection is closed and the upstream requests abandoned.
    /// </summary>
    internal void OnPeerEnded()
    {
        if (Active > 0 && Upgrading is null)
            Socket.Destroy();
    }

    internal void OnClosed()
    {
        Listener.ConnectionsOpen--;
        _waiting.Clear(); // their requests closed with the socket: each has run its RequestFinished already
        if (!_accepting)
            return; // closed before its PROXY header was read: Accept never ran, so neither does ConnectionFinished
        Upgrading?.Finish();
        Exchange.VoidPause(); // a handle paused at Accept would otherwise go on with ConnectionFinished's chain
        Exchange.RunConnectionPoint(HookPoint.ConnectionFinished);
    }
}

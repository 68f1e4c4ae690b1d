using System.Net;
using Uvnet.Http.Server;
using Uvnet.Net;
using Uvnet.Tls;

namespace Uvnet.Proxy.Listeners;

/// <summary>
/// One of a proxy's listeners (envoy's listener, nginx's <c>listen</c>): an <see cref="HttpServer"/>, plain or TLS,
/// optionally taking the PROXY protocol, whose requests go through the proxy's routes. Members are for the loop's thread.
/// </summary>
public sealed class ProxyListener
{
    internal ProxyListener(ProxyServer proxy, ProxyListenerOptions options, HttpServerOptions serverOptions)
    {
        Proxy = proxy;
        Options = options;
        // Both create the server only after checking their arguments (the TLS options too): nothing is made before.
        Server = options.Tls is { } tls
            ? Http.Https.CreateServer(proxy.Loop, tls, proxy.OnRequest, serverOptions)
            : Http.Http.CreateServer(proxy.Loop, proxy.OnRequest, serverOptions);
        Scheme = options.Tls is null ? "http" : "https";
        Server.CheckContinue += proxy.OnRequest; // the upstream answers the Expect: its 100 (or its refusal) is passed on
        Server.Upgrade += proxy.OnUpgrade;
        Server.Connection += socket => proxy.OnConnection(this, socket);
        Server.SecureConnection += static socket => ((ProxyConnection)socket.UserData!).Secured();
    }

    /// <summary>The proxy.</summary>
    public ProxyServer Proxy { get; }

    /// <summary>The settings; <see cref="ProxyListenerOptions.Tls"/> is the one new handshakes use (see <see cref="SetTls"/>).</summary>
    public ProxyListenerOptions Options { get; private set; }

    /// <summary>The name in metrics: <see cref="ProxyListenerOptions.Name"/>, else the address listened on (empty before it listens).</summary>
    public string Name => Options.Name ?? (Server.Address is IPEndPoint end ? end.ToString() : "");

    /// <summary>The HTTP server (its events, timeouts and counts).</summary>
    public HttpServer Server { get; }

    /// <summary>The port listened on.</summary>
    public int Port => Server.Port;

    /// <summary>The address listened on.</summary>
    public EndPoint? Address => Server.Address;

    /// <summary>Downstream connections open now (a gauge), from their accept to their close, PROXY header and TLS included.</summary>
    public int ConnectionsOpen { get; internal set; }

    /// <summary>Whether it was closed (by <see cref="Close"/>, a reload that left it out, or a failure to listen).</summary>
    public bool IsClosed { get; private set; }

    /// <summary>"https" on a TLS listener, else "http": the X-Forwarded-Proto of its requests.</summary>
    internal string Scheme { get; }

    /// <summary>
    /// New handshakes use <paramref name="tls"/> (a renewed certificate); connections already open keep theirs. Checked
    /// first: on an error the listener keeps the settings it has.
    /// </summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    /// <exception cref="InvalidOperationException">The listener is a plain one (TLS is set when it is made), or the call is off the loop's thread.</exception>
    public void SetTls(TlsServerOptions tls)
    {
        ArgumentNullException.ThrowIfNull(tls);
        if (Options.Tls is null)
            throw new InvalidOperationException("The listener is a plain one: TLS is set when a listener is made.");
        Server.SetSecureContext(tls);
        Options = Options with { Tls = tls };
    }

    /// <summary>
    /// Stops listening and leaves the proxy's <see cref="ProxyServer.Listeners"/>: requests in flight on it finish, then
    /// its connections close (<see cref="HttpServer.Close"/>). <paramref name="callback"/> runs once they all have.
    /// </summary>
    /// <exception cref="InvalidOperationException">The call is off the loop's thread.</exception>
    public void Close(Action? callback = null)
    {
        Proxy.Loop.VerifyAccess();
        if (IsClosed)
        {
            if (callback is not null)
                Proxy.Loop.Post(callback); // as a close of a closed server: called, once, later
            return;
        }
        IsClosed = true;
        Proxy.Forget(this);
        Server.Close(callback);
        Server.CloseIdleConnections();
    }

    internal void Listen(int port, string? host, Action? callback) => Server.Listen(port, host, callback);
}

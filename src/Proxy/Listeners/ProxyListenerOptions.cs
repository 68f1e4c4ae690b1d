using Uvnet.Tls;

namespace Uvnet.Proxy.Listeners;

/// <summary>How a proxy's listener takes its connections: TLS, and the PROXY protocol (a load balancer in front).</summary>
public sealed record ProxyListenerOptions
{
    /// <summary>
    /// TLS terminated here, as the HTTPS server does (certificate, SNI, ALPN, handshake timeout); null: plain HTTP.
    /// Upstream requests say <c>X-Forwarded-Proto: https</c>, and the <see cref="Hooks.HookPoint.Handshake"/> point runs.
    /// </summary>
    public TlsServerOptions? Tls { get; init; }

    /// <summary>
    /// Whether every connection begins with a PROXY protocol header, version 1 or 2 (HAProxy's <c>accept-proxy</c>,
    /// nginx's <c>listen ... proxy_protocol</c>), ahead of TLS too: its source is the client
    /// (<see cref="ProxyConnection.ClientAddress"/>). A connection without one, or with a malformed one, is closed.
    /// Only for a listener that load balancers alone can reach: the header is believed.
    /// </summary>
    public bool ProxyProtocol { get; init; }
}

using Uvnet.Tls;

namespace Uvnet.Proxy.Listeners;

/// <summary>
/// A proxy's listener: where it listens (for one added with <see cref="ProxyServer.AddListener"/>), how it takes its
/// connections (TLS, the PROXY protocol when a load balancer is in front), and the name its metrics go by.
/// </summary>
public sealed record ProxyListenerOptions
{
    /// <summary>
    /// The name in metrics (<c>listener="..."</c>) and the key by which <see cref="ProxyServer.Reload(ProxyOptions, IReadOnlyList{ProxyListenerOptions}, TlsServerOptions?)"/>
    /// matches a listener to the one it replaces; null: the address listened on (<c>127.0.0.1:8443</c>).
    /// </summary>
    public string? Name { get; init; }

    /// <summary>The address to listen on; null: every interface. Not read for the constructor's listener (<see cref="ProxyServer.Listen"/> says).</summary>
    public string? Host { get; init; }

    /// <summary>The port to listen on (0: a free one). Not read for the constructor's listener (<see cref="ProxyServer.Listen"/> says).</summary>
    public int Port { get; init; }

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

    /// <summary>The key a reload matches listeners by: the name, else the configured address.</summary>
    internal string Key => Name ?? $"{Host ?? "*"}:{Port}";

    /// <summary>Checks each of <paramref name="listeners"/> (fields named <c>Listeners[i]</c>), and that no two have one <see cref="Key"/>.</summary>
    internal static void ValidateAll(IReadOnlyList<ProxyListenerOptions> listeners)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < listeners.Count; i++)
        {
            ProxyListenerOptions l = listeners[i] ?? throw new ArgumentException($"Listeners[{i}]: null.", nameof(listeners));
            l.Validate($"Listeners[{i}]");
            if (!keys.Add(l.Key))
                throw new ArgumentException($"Listeners[{i}]: another listener is named \"{l.Key}\" (a listener's key is its name, else its host and port).", nameof(listeners));
        }
    }

    /// <summary>Checks the settings (the field named as <paramref name="field"/>), the TLS ones too, before anything is made.</summary>
    internal void Validate(string field)
    {
        if (Port is < 0 or > 65535)
            throw new ArgumentException($"{field}.Port: {Port} is not a port.");
        if (Name is { Length: 0 })
            throw new ArgumentException($"{field}.Name: empty (null names the listener by its address).");
        try
        {
            Tls?.Validate();
        }
        catch (Exception e) when (e is ArgumentException or IOException)
        {
            throw new ArgumentException($"{field}.Tls: {e.Message}", e);
        }
    }
}

using System.Text;

namespace Uvnet.Tls;

/// <summary>
/// Settings of a TLS server (Node's <c>tls.createServer</c> options): the default <see cref="Context"/>, a context
/// per host name for SNI, the ALPN protocols and the handshake timeout. Read when the server is created; do not
/// change them afterwards.
/// </summary>
public sealed class TlsServerOptions
{
    private byte[]? _alpnWire;
    // SniContexts as Validate read it: OpenSSL's SNI callback looks names up here, so no code of the caller's
    // dictionary (whose exception would end the process inside a native callback) runs during a handshake.
    private KeyValuePair<string, SecureContext>[]? _sniTable;

    /// <summary>The certificate and key used when the client sends no server name, or one <see cref="SniContexts"/> does not hold.</summary>
    public required SecureContext Context { get; init; }

    /// <summary>
    /// A context per host name for SNI (Node's <c>server.addContext</c>): exact names, or <c>*.example.com</c> for
    /// one label under a domain; matched without regard to case. Copied when the first server is made with these
    /// options: a later change to the dictionary is not seen.
    /// </summary>
    public IReadOnlyDictionary<string, SecureContext> SniContexts { get; init; } = new Dictionary<string, SecureContext>();

    /// <summary>The protocols offered by ALPN, in preference order (Node's <c>ALPNProtocols</c>): <c>http/1.1</c>.</summary>
    public IReadOnlyList<string> AlpnProtocols { get; init; } = ["http/1.1"];

    /// <summary>
    /// Milliseconds a connection may take to finish its handshake before it is destroyed with
    /// ERR_TLS_HANDSHAKE_TIMEOUT; 0 for none. Node's default: 120,000.
    /// </summary>
    public long HandshakeTimeout { get; init; } = 120_000;

    /// <summary>The ALPN list in its wire format (length-prefixed names), checked once.</summary>
    internal byte[] AlpnWire => _alpnWire ??= EncodeAlpn(AlpnProtocols);

    /// <summary>Checks every setting, so a server refuses bad options before it listens.</summary>
    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Context);
        ArgumentNullException.ThrowIfNull(SniContexts);
        ArgumentOutOfRangeException.ThrowIfNegative(HandshakeTimeout);
        KeyValuePair<string, SecureContext>[] table = _sniTable ?? [.. SniContexts];
        foreach (var (name, context) in table)
        {
            if (string.IsNullOrEmpty(name) || context is null)
                throw new ArgumentException("Each SNI entry needs a host name and a context.", nameof(SniContexts));
        }
        _ = AlpnWire;
        _sniTable = table;
    }

    /// <summary>The context for the host name a client sent, or null for the default.</summary>
    internal SecureContext? FindContext(string name)
    {
        KeyValuePair<string, SecureContext>[] table = _sniTable!; // set by Validate, which every server runs first
        foreach (var (host, context) in table)
        {
            if (string.Equals(host, name, StringComparison.OrdinalIgnoreCase))
                return context;
        }
        int dot = name.IndexOf('.');
        if (dot <= 0)
            return null;
        ReadOnlySpan<char> parent = name.AsSpan(dot); // ".example.com"
        foreach (var (host, context) in table)
        {
            if (host.StartsWith("*.", StringComparison.Ordinal) && parent.Equals(host.AsSpan(1), StringComparison.OrdinalIgnoreCase))
                return context;
        }
        return null;
    }

    /// <summary>Length-prefixed protocol names (RFC 7301 §3.1).</summary>
    internal static byte[] EncodeAlpn(IReadOnlyList<string>? protocols)
    {
        if (protocols is null or { Count: 0 })
            return [];
        var wire = new List<byte>();
        foreach (string protocol in protocols)
        {
            byte[] name = Encoding.ASCII.GetBytes(protocol ?? "");
            if (name.Length is 0 or > 255)
                throw new ArgumentException($"An ALPN protocol name is 1 to 255 bytes: '{protocol}'.", nameof(protocols));
            wire.Add((byte)name.Length);
            wire.AddRange(name);
        }
        return [.. wire];
    }
}

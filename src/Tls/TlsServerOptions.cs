using System.Security.Cryptography.X509Certificates;
using System.Text;
using Uvnet.Tls.Interop;

namespace Uvnet.Tls;

/// <summary>
/// Settings of a TLS server (Node's <c>tls.createServer</c> options): the default <see cref="Context"/>, a context
/// per host name for SNI, the ALPN protocols, the handshake timeout, client certificates and session ticket keys.
/// Read when the server is created; do not change them afterwards (but for <see cref="TicketKeys"/>, which may be
/// set at any time).
/// </summary>
public sealed class TlsServerOptions
{
    private IReadOnlyList<string> _alpnProtocols = ["http/1.1"];
    private byte[]? _alpnWire;
    // SniContexts as Validate read it: OpenSSL's SNI callback looks names up here, so no code of the caller's
    // dictionary (whose exception would end the process inside a native callback) runs during a handshake.
    private KeyValuePair<string, SecureContext>[]? _sniTable;
    private ClientCertificateStore? _clientCas; // the roots client certificates are verified against, made once

    /// <summary>The certificate and key used when the client sends no server name, or one <see cref="SniContexts"/> does not hold.</summary>
    public required SecureContext Context { get; init; }

    /// <summary>
    /// A context per host name for SNI (Node's <c>server.addContext</c>): exact names, or <c>*.example.com</c> for
    /// one label under a domain; matched without regard to case. Copied when the first server is made with these
    /// options: a later change to the dictionary is not seen.
    /// </summary>
    public IReadOnlyDictionary<string, SecureContext> SniContexts { get; init; } = new Dictionary<string, SecureContext>();

    /// <summary>The protocols offered by ALPN, in preference order (Node's <c>ALPNProtocols</c>): <c>http/1.1</c>.</summary>
    public IReadOnlyList<string> AlpnProtocols { get => _alpnProtocols; init => _alpnProtocols = value; }

    /// <summary>
    /// Milliseconds a connection may take to finish its handshake before it is destroyed with
    /// ERR_TLS_HANDSHAKE_TIMEOUT; 0 for none. Node's default: 120,000.
    /// </summary>
    public long HandshakeTimeout { get; init; } = 120_000;

    /// <summary>
    /// Asks each client for a certificate (Node's <c>requestCert</c>), verified against <see cref="CaCertificates"/>
    /// and <see cref="CaFile"/> (the system's roots when neither is set), whose subjects are sent as the accepted
    /// issuers. Off by default. Read the outcome from <see cref="TlsConnection.Authorized"/>,
    /// <see cref="TlsConnection.AuthorizationError"/> and <see cref="TlsConnection.GetPeerCertificate"/>.
    /// </summary>
    public bool RequestCert { get; init; }

    /// <summary>
    /// With <see cref="RequestCert"/>: a client without a certificate, or with one that does not verify, fails the
    /// handshake (an alert to the client, <see cref="TlsServer.TlsClientError"/> with the verification code) (Node's
    /// <c>rejectUnauthorized</c>, true by default). False: such a client is let in, with
    /// <see cref="TlsConnection.Authorized"/> false and <see cref="TlsConnection.AuthorizationError"/> saying why.
    /// </summary>
    public bool RejectUnauthorized { get; init; } = true;

    /// <summary>The roots (and intermediates) client certificates are verified against (Node's <c>ca</c>), with <see cref="CaFile"/>.</summary>
    public X509Certificate2Collection? CaCertificates { get; init; }

    /// <summary>
    /// A PEM file of roots client certificates are verified against (a CA bundle), read when the server is made (or
    /// the options set by <c>SetSecureContext</c>): a file that cannot be read, or that holds no certificate when
    /// <see cref="RequestCert"/> is set, is an <see cref="ArgumentException"/> naming the option and the path.
    /// </summary>
    public string? CaFile { get; init; }

    /// <summary>
    /// Milliseconds between rotations of the session ticket key (as nginx rotates its keys): the newest key encrypts
    /// new tickets, the one before it still decrypts, so a ticket resumes for one to two intervals. 0: never rotated
    /// (Node's behaviour). Default: one hour, within OpenSSL's two-hour session lifetime.
    /// </summary>
    public long TicketKeyRotation { get; init; } = 3_600_000;

    /// <summary>
    /// The current session ticket key, 48 bytes (Node's <c>getTicketKeys()</c>/<c>setTicketKeys()</c> and its
    /// <c>ticketKeys</c> option): 16 bytes of key name, 16 of HMAC-SHA256 secret, 16 of AES-128 key. Random unless set.
    /// Setting it replaces every key (tickets made before no longer resume) and restarts <see cref="TicketKeyRotation"/>;
    /// set the same keys on each process behind one name to resume across them. Shared by every server made with
    /// these options; may be read and set from any thread.
    /// </summary>
    /// <exception cref="ArgumentException">The value is not 48 bytes.</exception>
    public byte[] TicketKeys
    {
        get => Tickets.Current;
        set => Tickets.Set(value);
    }

    /// <summary>The clock of the ticket key rotation (tests turn it).</summary>
    internal TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The ticket keys of the servers made with these options.</summary>
    internal TicketKeyRing Tickets { get; } = new();

    /// <summary>
    /// These options with <paramref name="protocol"/> first in the ALPN list; every other setting is the same, and the
    /// ticket keys are these options' own (a server made with either resumes the other's tickets).
    /// </summary>
    internal TlsServerOptions WithAlpnFirst(string protocol)
    {
        // A field-by-field copy, so a setting added later is carried without a line here (a hand-written copy dropped
        // what it did not list). Only the ALPN list and its wire form change; what Validate made of the other settings
        // (the SNI table, the client CA store) and the ticket keys stay shared, as those settings are.
        var copy = (TlsServerOptions)MemberwiseClone();
        copy._alpnProtocols = [protocol, .. AlpnProtocols];
        copy._alpnWire = null;
        return copy;
    }

    /// <summary>The verification store of client certificates, once validated with <see cref="RequestCert"/>.</summary>
    internal ClientCertificateStore? ClientCas => _clientCas;

    /// <summary>The ALPN list in its wire format (length-prefixed names), checked once.</summary>
    internal byte[] AlpnWire => _alpnWire ??= EncodeAlpn(AlpnProtocols);

    /// <summary>
    /// Checks every setting, so a server refuses bad options before it listens, and a server given new options keeps
    /// its own on any error: every check (the CA file read once, its certificates parsed) comes before anything is set.
    /// </summary>
    /// <exception cref="ArgumentException">A setting is invalid, or <see cref="CaFile"/> cannot be used.</exception>
    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Context);
        ArgumentNullException.ThrowIfNull(SniContexts);
        ArgumentOutOfRangeException.ThrowIfNegative(HandshakeTimeout);
        ArgumentOutOfRangeException.ThrowIfNegative(TicketKeyRotation);
        (string, string)? caFile = CaFile is { } path && _clientCas is null ? (path, ReadOptionFile(path, nameof(CaFile))) : null;
        KeyValuePair<string, SecureContext>[] table = _sniTable ?? [.. SniContexts];
        foreach (var (name, context) in table)
        {
            if (string.IsNullOrEmpty(name) || context is null)
                throw new ArgumentException("Each SNI entry needs a host name and a context.", nameof(SniContexts));
        }
        _ = AlpnWire;
        if (RequestCert && _clientCas is null)
            _clientCas = ClientCertificateStore.Create(CaCertificates, caFile);
        _sniTable = table;
        Tickets.Configure(TicketKeyRotation, TimeProvider);
    }

    /// <summary>The text of the file an option names; an <see cref="ArgumentException"/> naming both when it cannot be read.</summary>
    private static string ReadOptionFile(string path, string option)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            // A missing file is a bad argument here, as the options' callers document, not an I/O condition.
            throw new ArgumentException($"{option} '{path}' cannot be read: {e.Message}", option, e);
        }
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

using Uvnet.Tls;

namespace Uvnet.Http.Client;

/// <summary>
/// What <see cref="Http.Request(Loop, RequestOptions, Action{ClientResponse}?)"/> sends, as Node's <c>http.request</c>
/// options. Validated when the request is made, before anything is sent.
/// </summary>
public sealed record RequestOptions
{
    /// <summary>The method, a token (Node's default "GET").</summary>
    public string Method { get; init; } = "GET";

    /// <summary>The server's host name or address (Node's <c>host</c>); <see cref="Hostname"/> wins when both are set.</summary>
    public string Host { get; init; } = "localhost";

    /// <summary>Node's <c>hostname</c>, an alias of <see cref="Host"/> that takes precedence.</summary>
    public string? Hostname { get; init; }

    /// <summary>The server's port (Node's default 80).</summary>
    public int Port { get; init; } = 80;

    /// <summary>The request-target, path and query ("/"): sent as given, so it must be escaped already (no CR, LF, NUL).</summary>
    public string Path { get; init; } = "/";

    /// <summary>Header fields sent with the request (each name and value validated); a Host given here replaces Node's default.</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? Headers { get; init; }

    /// <summary>The pool to take a connection from; null: the loop's <see cref="Agent.GetGlobal(Loop)"/>.</summary>
    public Agent? Agent { get; init; }

    /// <summary>
    /// Node's <c>agent: false</c>: a connection of the request's own, outside any pool, closed after the response
    /// (<c>Connection: close</c>). <see cref="Agent"/> is ignored then.
    /// </summary>
    public bool NoAgent { get; init; }

    /// <summary>
    /// Whether the one automatic resend of a request that met a reused connection's close (the stale keep-alive race)
    /// is kept for idempotent methods only. By default a request that sent no body byte is resent too, whatever its
    /// method (undici's rule); a proxy, which must never send a client's POST twice, sets this (nginx's rule).
    /// </summary>
    public bool RetryIdempotentOnly { get; init; }

    /// <summary>
    /// Milliseconds without activity on the socket, connecting included, after which <see cref="ClientRequest.Timeout"/>
    /// is raised (0: none; the agent's <see cref="AgentOptions.Timeout"/> otherwise). As in Node it does not end
    /// the request: a Timeout handler calls <see cref="ClientRequest.Destroy"/>.
    /// </summary>
    public long Timeout { get; init; }

    /// <summary>
    /// Makes the request over TLS (https), as Node's <c>https.request</c>; null (the default) for http. The server is
    /// verified as <see cref="TlsClientOptions"/> says; the agent pools connections per TLS options object, so reuse
    /// one instance for one setting. <see cref="FromUrl"/> sets <see cref="DefaultHttps"/> for an <c>https:</c> URL.
    /// </summary>
    public TlsClientOptions? Tls { get; init; }

    /// <summary>The TLS settings of <c>https:</c> URLs: the system's roots, the host name checked, ALPN <c>http/1.1</c>.</summary>
    public static TlsClientOptions DefaultHttps { get; } = new() { AlpnProtocols = ["http/1.1"] };

    /// <summary>
    /// Options from an absolute <c>http:</c> or <c>https:</c> URL (host, port, path and query), as Node's
    /// <c>http.request(url)</c> and <c>https.request(url)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The URL is not absolute, or its scheme is neither http nor https (ERR_INVALID_PROTOCOL).</exception>
    public static RequestOptions FromUrl(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri))
            throw new ArgumentException($"Invalid URL: {url} (ERR_INVALID_URL).", nameof(url));
        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            throw new ArgumentException($"Protocol \"{uri.Scheme}:\" not supported. Expected \"http:\" or \"https:\" (ERR_INVALID_PROTOCOL).", nameof(url));
        return new RequestOptions
        {
            Host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host,
            Port = uri.Port,
            Path = uri.GetComponents(UriComponents.PathAndQuery, UriFormat.UriEscaped),
            Tls = uri.Scheme == Uri.UriSchemeHttps ? DefaultHttps : null,
        };
    }
}

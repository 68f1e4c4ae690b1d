using Uvnet.Http.Parsing;

namespace Uvnet.Http.Server;

/// <summary>Settings of an <see cref="HttpServer"/>; each default says where it comes from.</summary>
public sealed record HttpServerOptions
{
    /// <summary>Milliseconds an idle keep-alive connection waits for its next request before it is closed (Node: 5 s).</summary>
    public long KeepAliveTimeout { get; init; } = 5_000;

    /// <summary>Milliseconds a request's whole header section may take to arrive; then 408 and close (Node: 60 s). Stops slow senders.</summary>
    public long HeadersTimeout { get; init; } = 60_000;

    /// <summary>Milliseconds a whole request, body included, may take to arrive; then 408 and close (Node: 300 s). 0 turns it off.</summary>
    public long RequestTimeout { get; init; } = 300_000;

    /// <summary>
    /// Milliseconds a connection with bytes waiting for the client may go without the client taking any of them; then
    /// the connection is destroyed (a response already begun cannot be finished otherwise) and counted in
    /// <see cref="HttpServer.SendTimeouts"/>. Stops a client that stops reading (a slow read) from holding its
    /// connection and its queued response for as long as it likes. As nginx's <c>send_timeout</c> (60 s), it bounds
    /// the time between two successful sends, not the whole response: a slow reader that makes progress is served.
    /// Checked every <see cref="ConnectionsCheckingInterval"/>. 0 turns it off.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public long SendTimeout
    {
        get => _sendTimeout;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _sendTimeout = value;
        }
    }

    private readonly long _sendTimeout = 60_000;

    /// <summary>How often connections are checked against the timeouts (Node: connectionsCheckingInterval, 30 s; 1 s here so that short timeouts are honoured closely).</summary>
    public long ConnectionsCheckingInterval { get; init; } = 1_000;

    /// <summary>Requests served on one connection before it is closed (0: no limit; Node's maxRequestsPerSocket).</summary>
    public int MaxRequestsPerSocket { get; init; }

    /// <summary>
    /// The largest request body accepted, in bytes; null (the default, as Node) for no limit. A larger
    /// Content-Length is answered with 413 before the handler sees the request; a chunked body that grows past it
    /// is answered with 413 (or its connection destroyed if the response had begun), and the handler's body read
    /// fails. Either way the connection closes.
    /// </summary>
    public long? MaxRequestBodySize { get; init; }

    /// <summary>
    /// Requests parsed ahead of their responses on one connection. Past this, the connection stops reading until
    /// responses are written (with the socket's 16 KiB write high-water mark this bounds a pipelining client:
    /// see the README).
    /// </summary>
    public int MaxPipelinedRequests { get; init; } = 128;

    /// <summary>Limits of the request head (16 KiB and 100 fields by default, as Node).</summary>
    public HttpParserLimits ParserLimits { get; init; } = HttpParserLimits.Default;

    /// <summary>
    /// The <c>Server</c> header sent with every response, or null for none. A value a header could not hold (a control
    /// character other than HTAB, DEL, a character above 0xFF) makes creating the server throw
    /// <see cref="ArgumentException"/> (ERR_INVALID_CHAR).
    /// </summary>
    public string? ServerHeader { get; init; } = "uvnet";

    /// <summary>
    /// Whether the server speaks HTTP/2 too (the default): h2c with prior knowledge on plaintext (a connection whose
    /// first bytes are the HTTP/2 preface, <c>PRI * HTTP/2.0</c>), and <c>h2</c> chosen by ALPN on TLS (added to the
    /// ALPN list first). False: HTTP/1.1 only (<c>uvnet --http1-only</c>).
    /// </summary>
    public bool Http2 { get; init; } = true;

    /// <summary>
    /// SETTINGS_MAX_CONCURRENT_STREAMS of HTTP/2 connections: the streams a client may have open at once (100 by
    /// default, as nginx); one more is refused with REFUSED_STREAM.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1 or above 1000.</exception>
    public int Http2MaxConcurrentStreams
    {
        get => _http2MaxConcurrentStreams;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 1000);
            _http2MaxConcurrentStreams = value;
        }
    }

    private readonly int _http2MaxConcurrentStreams = 100;

    /// <summary>TCP_NODELAY on accepted connections (Node's http default since v18).</summary>
    public bool NoDelay { get; init; } = true;

    /// <summary>Listen with SO_REUSEPORT (see <see cref="Net.ServerOptions.ReusePort"/>: other processes can then share the port too).</summary>
    public bool ReusePort { get; init; }

    /// <summary>
    /// Share one listening socket with the other servers of this process on the same address and port, one per loop
    /// (one loop per core), the port held against every other process: see <see cref="Net.ServerOptions.SharePort"/>.
    /// </summary>
    public bool SharePort { get; init; }
}

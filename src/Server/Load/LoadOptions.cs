using Uvnet.Tls;

namespace Uvnet.Server.Load;

/// <summary>What <c>uvnet load</c> was asked to do, every default filled in (see <see cref="Cli.CommandLine.Parse"/>).</summary>
public sealed record LoadOptions
{
    /// <summary>The default <c>-c</c>: connections, as wrk's 10 is too few to load a server on a loop per core.</summary>
    public const int DefaultConnections = 64;

    /// <summary>The most connections <c>-c</c> accepts: far beyond a load generator's use, low enough to catch a typo.</summary>
    public const int MaxConnections = 100_000;

    /// <summary>The most requests <c>--pipeline</c> keeps in flight on a connection.</summary>
    public const int MaxPipeline = 1024;

    /// <summary>
    /// The most requests in flight in all (<c>-c</c> × <c>--pipeline</c>): each is a slot with its own request and
    /// handlers made up front, so -c 100000 --pipeline 1024 would ask for a hundred million of them.
    /// </summary>
    public const int MaxInFlight = MaxConnections;

    /// <summary>The default <c>--timeout</c> in milliseconds (wrk's 2 s).</summary>
    public const int DefaultTimeoutMs = 2000;

    /// <summary>The server's host (a name or an IP address, without brackets).</summary>
    public required string Host { get; init; }

    /// <summary>The server's port.</summary>
    public required int Port { get; init; }

    /// <summary>
    /// The TLS settings of an https:// URL (the server verified against the system's roots, SNI and the name check
    /// from <see cref="Host"/>, ALPN http/1.1), or null for http://. One instance for every thread: its OpenSSL
    /// context is made once and shared.
    /// </summary>
    public TlsClientOptions? Tls { get; init; }

    /// <summary>The URL loaded, as reports print it (an IPv6 host in brackets).</summary>
    public string Url => $"{(Tls is null ? "http" : "https")}://{(Host.Contains(':') ? $"[{Host}]" : Host)}:{Port}{Path}";

    /// <summary>The path and query every request asks for.</summary>
    public string Path { get; init; } = "/";

    /// <summary>The request method (<c>-m</c>), upper case.</summary>
    public string Method { get; init; } = "GET";

    /// <summary>Fields added to every request (<c>-H 'Name: value'</c>, repeatable).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>The body every request sends (<c>--body FILE</c>, read once), or null: none.</summary>
    public byte[]? Body { get; init; }

    /// <summary>Connections in all (<c>-c</c>), spread over the threads.</summary>
    public int Connections { get; init; } = DefaultConnections;

    /// <summary>Threads, each with its own loop (<c>-t</c>); at most <see cref="Connections"/>.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>
    /// The warm-up <c>uvnet load</c> runs unless told (<c>--warmup</c>): long enough for the runtime to replace the
    /// hot path's first, unoptimised code (tiered compilation) on a loaded core.
    /// </summary>
    public static readonly TimeSpan DefaultWarmup = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long requests are sent before the measurement starts (<c>--warmup</c>; none here, <see cref="DefaultWarmup"/>
    /// from the command line), as the run goes: its responses, bytes and errors are then dropped and the clock
    /// restarted, so the figures are of optimised code. Responses in flight across the end of the warm-up count in the
    /// measurement, timed from their send.
    /// </summary>
    public TimeSpan Warmup { get; init; }

    /// <summary>How long requests are started (<c>-d</c>), after the warm-up; the requests in flight then are waited for.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Requests kept in flight on each connection (<c>--pipeline</c>; 1: none pipelined). HTTP/1.1 only.</summary>
    public int Pipeline { get; init; } = 1;

    /// <summary>
    /// Whether the requests go over HTTP/2 (<c>--h2</c>): h2c with prior knowledge for http://, h2 chosen by ALPN for
    /// https:// (<see cref="Tls"/> then offers h2 only).
    /// </summary>
    public bool Http2 { get; init; }

    /// <summary>
    /// HTTP/2: requests kept in flight on each connection, each on its own stream (<c>--streams</c>, h2load's
    /// <c>-m</c>), fewer when the server's SETTINGS_MAX_CONCURRENT_STREAMS is lower. At most <see cref="MaxPipeline"/>.
    /// </summary>
    public int Streams { get; init; } = 1;

    /// <summary>Requests each connection keeps in flight: <see cref="Streams"/> over HTTP/2, else <see cref="Pipeline"/>.</summary>
    public int PerConnection => Http2 ? Streams : Pipeline;

    /// <summary>
    /// The total rate in requests per second (<c>--rate</c>, open loop), or null: closed loop, each connection
    /// sending its next request when the previous response ends.
    /// </summary>
    public double? Rate { get; init; }

    /// <summary>How long a request may go without a byte before it counts as a timeout and is abandoned (<c>--timeout</c>).</summary>
    public int TimeoutMs { get; init; } = DefaultTimeoutMs;

    /// <summary>The status every response must have (<c>--expect-status</c>), or null: 4xx and 5xx count as errors.</summary>
    public int? ExpectStatus { get; init; }

    /// <summary>The body length every response must have (<c>--expect-body-bytes</c>), or null: any.</summary>
    public long? ExpectBodyBytes { get; init; }

    /// <summary>Whether the report is JSON (<c>--json</c>) instead of text.</summary>
    public bool Json { get; init; }

    /// <summary>A file to write the latency distribution to as CSV (<c>--latency-csv</c>), or null.</summary>
    public string? LatencyCsv { get; init; }
}

namespace Uvnet.Bench.Report;

/// <summary>A figure a workload reports: its key in the RESULT line, how to show it, which way is better.</summary>
/// <remarks><see cref="Measured"/> false: the workload cannot give this figure (the table says "not measured").</remarks>
internal sealed record Metric(string Key, string Label, bool HigherIsBetter, double Divisor = 1, string Format = "N0", bool Measured = true);

/// <summary>A workload as the report shows it: the first <see cref="ChartedMetrics"/> metrics get a chart panel each.</summary>
internal sealed record Workload(string Name, string Suite, string Title, string Description, string Reference, Metric[] Metrics, int ChartedMetrics = 1)
{
    public IEnumerable<Metric> Charted => Metrics.Take(ChartedMetrics);
}

/// <summary>Every workload the harness runs, in report order, and the order peers appear in.</summary>
internal static class Catalog
{
    private static readonly Metric Roundtrips = new("roundtrips_per_sec", "round trips/s", true);
    private static readonly Metric Throughput = new("bytes_per_sec", "MiB/s", true, 1024 * 1024);
    private static readonly Metric Datagrams = new("datagrams_per_sec", "datagrams/s", true);
    private static readonly Metric[] Http =
    [
        new("requests_per_sec", "requests/s", true),
        new("p50_ms", "p50 ms", false, Format: "N2"),
        new("p99_ms", "p99 ms", false, Format: "N2"),
        new("cpu_pct", "server CPU %", false),
        new("peak_rss_kb", "peak RSS MiB", false, 1024, "N1"),
    ];

    // Pipelined, wrk times each batch of 16 as one request and prints 0.00 for the p99 of fast servers, so
    // its p99 is not a request's tail latency.
    private static readonly Metric[] PipelinedHttp =
        [.. Http.Select(m => m.Key == "p99_ms" ? m with { Measured = false } : m)];

    private static readonly Metric[] Proxied =
    [
        new("requests_per_sec", "requests/s", true),
        new("p50_ms", "p50 ms", false, Format: "N2"),
        new("p99_ms", "p99 ms", false, Format: "N2"),
        new("cpu_us_per_req", "proxy CPU µs/request", false, Format: "N2"),
    ];

    // Issue 24: uvnet load --rate after wrk's run, open loop at bench/lib/latency.sh's LATENCY_RATE (coordinated
    // omission corrected): the keep-alive rows' honest latencies, wrk keeping their throughput.
    private static readonly Metric[] RateLatency =
    [
        new("rate_p50_ms", "p50 ms at 5,000 req/s", false, Format: "N2"),
        new("rate_p99_ms", "p99 ms at 5,000 req/s", false, Format: "N2"),
    ];

    private static readonly Metric[] Handshakes =
    [
        new("handshakes_per_sec", "handshakes/s", true),
        new("cpu_us_per_handshake", "server CPU µs per handshake", false),
        new("cpu_pct", "server CPU %", false),
    ];

    // The h2 suite: CPU per request is charted beside the rate, since it is what a shared machine moves least.
    private static readonly Metric[] Http2 =
    [
        new("requests_per_sec", "requests/s", true),
        new("cpu_us_per_req", "server CPU µs/request", false, Format: "N2"),
        new("cpu_pct", "server CPU %", false),
        new("header_bytes_per_resp", "response header bytes", false, Format: "N1"),
        new("peak_rss_kb", "peak RSS MiB", false, 1024, "N1"),
    ];

    private const string Http2Peers =
        " Peers: Kestrel (HTTP/2 only on plaintext, HTTP/1.1 and HTTP/2 with TLS), nginx (one worker), Node (node:http2's stream API), uvnet (`uvnet hello`); uvnet-http1 is the same `uvnet hello` under `wrk` pipelining as many requests per connection as h2load's streams (bench/pipeline.lua), Uvnet's own HTTP/1.1 on the same core. Response header bytes are h2load's (HEADERS frames as received: what HPACK saved shows there).";

    public static IReadOnlyList<Workload> Workloads { get; } =
    [
        new("pingpong-1", "reactor", "Ping-pong, 1 connection",
            "libuv's benchmark-ping-pongs: \"PING\\n\" and its echo, client and server in one process on one core.", "libuv", [Roundtrips]),
        new("pingpong-16", "reactor", "Ping-pong, 16 connections",
            "The same with 16 clients at once on the one loop.", "libuv", [Roundtrips]),
        new("pump-up", "reactor", "Pump, client writes",
            "libuv's benchmark-pump: 64 KiB writes (one in flight) from the client, the server sinks; one connection, one process.", "libuv", [Throughput]),
        new("pump-down", "reactor", "Pump, server writes",
            "The same with the server writing and the client sinking.", "libuv", [Throughput]),
        new("timers", "reactor", "Million timers",
            "libuv's benchmark-million-timers with 1,000,000 timers over 1..1000 ms. CPU is the process's user+system time from the first insert to the last callback.", "libuv",
            [
                new("cpu_ms", "CPU ms", false),
                new("peak_rss_kb", "peak RSS MiB", false, 1024, "N1"),
                new("insert_ms", "insert ms", false),
                new("fire_ms", "fire ms", false),
            ], ChartedMetrics: 2),
        new("loopcount", "reactor", "Loop count",
            "libuv's benchmark-loop-count (timed): idle loop iterations per second. libuv's loop always watches its signal pipe, so every iteration makes an epoll_wait(0) call; a loop that watches no descriptor may skip it.", "libuv",
            [new("iterations_per_sec", "iterations/s", true)]),
        new("udp-echo-64", "udp", "UDP echo, 64 B datagrams",
            "After libuv's benchmark-ping-udp: 16 client sockets each send a 64 B datagram to an echo server in the same process and send the next when the echo arrives; echoed datagrams per second, one core.", "libuv",
            [Datagrams]),
        new("udp-echo-1200", "udp", "UDP echo, 1,200 B datagrams",
            "The same with 1,200 B datagrams (a QUIC packet's size).", "libuv", [Datagrams]),
        new("keepalive-64", "http", "Plaintext, keep-alive, 64 connections",
            "TechEmpower plaintext with wrk, one request at a time per connection.", "kestrel", Http),
        new("pipelined-64", "http", "Plaintext, pipelined x16, 64 connections",
            "TechEmpower plaintext with wrk and bench/pipeline.lua: 16 requests written at once. wrk times each batch of 16 (p50 is a batch's latency) and gives no usable p99.", "kestrel", PipelinedHttp),
        new("pipelined-256", "http", "Plaintext, pipelined x16, 256 connections",
            "The same with 256 connections.", "kestrel", PipelinedHttp),
        new("client-keepalive-64", "client", "HTTP client, keep-alive, 64 connections",
            "Each client (pinned to one core) GETs /plaintext from the libuv canned-response server (the other core) on 64 keep-alive connections, one request at a time per connection.", "dotnet-httpclient",
            [new("requests_per_sec", "requests/s", true), new("cpu_pct", "client CPU %", false)]),
        new("client-pipelined-64", "client", "HTTP client, pipelined x16, 64 connections",
            "The same with 16 requests in flight per connection (undici's pipelining; the other clients do not pipeline).", "undici",
            [new("requests_per_sec", "requests/s", true), new("cpu_pct", "client CPU %", false)]),
        new("proxy-keepalive-64", "proxy", "Reverse proxy, keep-alive, 64 connections",
            "wrk GETs /plaintext through each proxy (pinned to one core, one worker, upstream keep-alive) from the libuv canned-response server; wrk and that server share the other core. direct: wrk against the server alone. CPU is the proxy's user + system time per request. The latencies at 5,000 req/s are `uvnet load --rate 5000` after wrk's run (open loop, timed from each request's intended send time).", "direct",
            [.. Proxied, .. RateLatency]),
        new("proxy-pipelined-64", "proxy", "Reverse proxy, pipelined x16, 64 connections",
            "The same with wrk writing 16 requests at once (bench/pipeline.lua); wrk times each batch of 16 and gives no usable p99.", "direct",
            [.. Proxied.Select(m => m.Key == "p99_ms" ? m with { Measured = false } : m)]),
        new("proxy-body1k-64", "proxy", "Reverse proxy, 1 KiB bodies, keep-alive, 64 connections",
            "The keep-alive workload with the upstream answering a 1 KiB body (http-ceiling --body 1024).", "direct", Proxied),
        new("proxy-body100k-64", "proxy", "Reverse proxy, 100 KiB bodies, keep-alive, 64 connections",
            "The keep-alive workload with the upstream answering a 100 KiB body (http-ceiling --body 102400): bodies stream through each proxy.", "direct", Proxied),
        new("load-keepalive-64", "load", "Load generator, keep-alive, 64 connections",
            "Each load generator (pinned to one core, one thread) GETs /plaintext from the libuv canned-response server (the other core) on 64 keep-alive connections, one request at a time per connection: `uvnet load` against `wrk -t1`. Client CPU is the generator's user + system time (100 = one core).", "wrk",
            [new("requests_per_sec", "requests/s", true), new("cpu_pct", "client CPU %", false)]),
        new("load-pipelined-64", "load", "Load generator, pipelined x16, 64 connections",
            "The same with 16 requests in flight per connection (`uvnet load --pipeline 16`, wrk with bench/pipeline.lua).", "wrk",
            [new("requests_per_sec", "requests/s", true), new("cpu_pct", "client CPU %", false)]),
        new("idle-10k", "memory", "Memory per idle keep-alive connection",
            "10,000 connections, one plaintext request each, then held open: (RSS with them - RSS idle) / connections.", "kestrel",
            [
                new("kb_per_conn", "KiB per connection", false, Format: "N2"),
                new("rss_idle_kb", "RSS idle MiB", false, 1024, "N1"),
                new("rss_conns_kb", "RSS with connections MiB", false, 1024, "N1"),
            ]),
        new("tls-handshake-ecdsa", "tls", "Full TLS handshakes, ECDSA P-256",
            "Several `openssl s_time -new` at once (CPU 1): a full handshake (TLS 1.3, X25519) per connection, closed at once. Server CPU per handshake is its process tree's CPU time over the handshakes: on a shared machine it moves far less than the rate, since a server waiting for the CPU does fewer handshakes, not dearer ones.", "nginx",
            Handshakes, ChartedMetrics: 2),
        new("tls-handshake-rsa", "tls", "Full TLS handshakes, RSA 2048",
            "The same with an RSA 2048 certificate (the server's signature is most of the cost).", "nginx", Handshakes, ChartedMetrics: 2),
        new("tls-resumed", "tls", "Resumed TLS handshakes",
            "bench/peers/node/tlsclient.js: 32 connections at a time resume the newest session ticket the server sent, and close once secure. The share resumed says whether the server resumed at all (a full handshake counts too).", "nginx",
            [.. Handshakes, new("resumed_pct", "resumed %", true)], ChartedMetrics: 2),
        new("tls-keepalive-64", "tls", "HTTPS plaintext, keep-alive, 64 connections",
            "TechEmpower plaintext over TLS with wrk, one request at a time per connection. uvnet-plain is `uvnet hello` without TLS in the same run, for the cost of TLS itself. The latencies at 5,000 req/s are `uvnet load --rate 5000 -k` after wrk's run (open loop, timed from each request's intended send time).", "nginx", [.. Http, .. RateLatency]),
        new("tls-bulk", "tls", "HTTPS bulk, one connection",
            "wrk -c1 fetching a 1 MiB body over and over on one keep-alive connection: nginx and uvnet (`uvnet serve`) read it from a file in the page cache, Node and Kestrel from memory.", "nginx",
            [Throughput, new("cpu_pct", "server CPU %", false)]),
        new("tls-idle-1k", "tls", "Memory per idle TLS connection",
            "bench/peers/node/tlsclient.js opens 1,000 TLS connections, one plaintext request each, then holds them: (RSS with them - RSS idle) / connections, the server's process tree.", "nginx",
            [
                new("kb_per_conn", "KiB per connection", false, Format: "N2"),
                new("rss_idle_kb", "RSS idle MiB", false, 1024, "N1"),
                new("rss_conns_kb", "RSS with connections MiB", false, 1024, "N1"),
            ]),
        new("h2c-64x16", "h2", "HTTP/2 plaintext (h2c), 64 connections x 16 streams",
            "h2load -c64 -m16 GETs /plaintext over h2c with prior knowledge, with the Accept field the http suite's wrk sends." + Http2Peers, "kestrel",
            Http2, ChartedMetrics: 2),
        new("h2c-64x100", "h2", "HTTP/2 plaintext (h2c), 64 connections x 100 streams",
            "The same with 100 streams per connection (-m100; Uvnet, Kestrel and Node advertise 100 concurrent streams, nginx 128); uvnet-http1 pipelines 100 deep.", "kestrel",
            Http2, ChartedMetrics: 2),
        new("h2-tls-64x16", "h2", "HTTP/2 over TLS (h2 by ALPN), 64 connections x 16 streams",
            "h2c-64x16 over TLS: every server serves the tls suite's ECDSA P-256 certificate and h2 is chosen by ALPN; uvnet-http1 is `wrk` over TLS (HTTP/1.1) against `uvnet hello --cert`.", "kestrel",
            Http2, ChartedMetrics: 2),
        new("h2-tls-64x100", "h2", "HTTP/2 over TLS (h2 by ALPN), 64 connections x 100 streams",
            "The same with 100 streams per connection.", "kestrel", Http2, ChartedMetrics: 2),
    ];

    /// <summary>Peers in the order the harness runs them; a peer not listed sorts last.</summary>
    public static IReadOnlyList<string> PeerOrder { get; } =
        ["libuv", "libuv-ceiling", "nginx", "kestrel", "node", "dotnet-async", "dotnet-saea", "dotnet-timer", "uvnet",
         "uvnet-plain", "dotnet-httpclient", "node-agent", "undici", "uvnet-client", "wrk", "uvnet-load", "direct", "uvnet-proxy", "haproxy", "yarp",
         "uvnet-http1"];

    public static IReadOnlyDictionary<string, string> SuiteTitles { get; } = new Dictionary<string, string>
    {
        ["reactor"] = "Reactor (libuv's benchmark workloads)",
        ["udp"] = "UDP (libuv's benchmark-ping-udp, echoed)",
        ["http"] = "HTTP (TechEmpower plaintext)",
        ["memory"] = "Memory at scale",
        ["client"] = "HTTP client (against the libuv canned-response server)",
        ["proxy"] = "Reverse proxy (to the libuv canned-response server)",
        ["tls"] = "TLS (HTTPS servers, the same certificate)",
        ["h2"] = "HTTP/2 (h2load, plaintext h2c and TLS)",
        ["load"] = "Load generators (against the libuv canned-response server)",
    };
}

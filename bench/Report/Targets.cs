using System.Globalization;

namespace Uvnet.Bench.Report;

/// <summary>How a measured ratio must compare with a target's: its symbol and its test.</summary>
internal sealed record Bound(string Symbol, Func<double, double, bool> Holds)
{
    public static Bound AtLeast { get; } = new("≥", (measured, target) => measured >= target);

    public static Bound AtMost { get; } = new("≤", (measured, target) => measured <= target);

    public static Bound Below { get; } = new("<", (measured, target) => measured < target);
}

/// <summary>
/// One of the issue's targets: <see cref="Peer"/>'s median of <see cref="MetricKey"/> against
/// <see cref="Versus"/>'s, as a ratio measured in the same run; with no <see cref="Versus"/>, the median itself
/// against <see cref="Ratio"/> in the metric's unit (an absolute bound, as "at most 16 KiB").
/// </summary>
internal sealed record Target(string Workload, string MetricKey, string Peer, string? Versus, double Ratio, Bound Bound)
{
    /// <summary>"uvnet ≥ 0.9x libuv", or "uvnet ≤ 16" for an absolute bound.</summary>
    public string Condition => Versus is null
        ? $"{Peer} {Bound.Symbol} {Ratio.ToString("0.##", CultureInfo.InvariantCulture)}"
        : $"{Peer} {Bound.Symbol} {Ratio.ToString("0.##", CultureInfo.InvariantCulture)}x {Versus}";

    public bool IsMet(double ratio) => Bound.Holds(ratio, Ratio);
}

/// <summary>The targets of the issue, in its order.</summary>
internal static class Targets
{
    public static IReadOnlyList<Target> All { get; } =
    [
        new("pingpong-1", "roundtrips_per_sec", "uvnet", "libuv", 0.9, Bound.AtLeast),
        new("pingpong-16", "roundtrips_per_sec", "uvnet", "libuv", 0.9, Bound.AtLeast),
        new("pump-up", "bytes_per_sec", "uvnet", "libuv", 0.8, Bound.AtLeast),
        new("pump-down", "bytes_per_sec", "uvnet", "libuv", 0.8, Bound.AtLeast),
        new("loopcount", "iterations_per_sec", "uvnet", "libuv", 1.0, Bound.AtLeast),
        new("timers", "cpu_ms", "uvnet", "libuv", 1.3, Bound.AtMost),
        new("timers", "peak_rss_kb", "uvnet", "libuv", 1.0, Bound.AtMost),
        new("udp-echo-64", "datagrams_per_sec", "uvnet", "libuv", 1.0, Bound.AtLeast),
        new("udp-echo-1200", "datagrams_per_sec", "uvnet", "libuv", 1.0, Bound.AtLeast),
        new("pipelined-64", "requests_per_sec", "uvnet", "kestrel", 1.5, Bound.AtLeast),
        new("pipelined-256", "requests_per_sec", "uvnet", "kestrel", 1.5, Bound.AtLeast),
        new("keepalive-64", "requests_per_sec", "uvnet", "kestrel", 1.25, Bound.AtLeast),
        new("keepalive-64", "requests_per_sec", "uvnet", "node", 1.1, Bound.AtLeast),
        new("idle-10k", "kb_per_conn", "uvnet", "kestrel", 0.5, Bound.Below),
        new("tls-handshake-ecdsa", "handshakes_per_sec", "uvnet", "nginx", 0.9, Bound.AtLeast),
        new("tls-handshake-rsa", "handshakes_per_sec", "uvnet", "nginx", 0.9, Bound.AtLeast),
        new("tls-keepalive-64", "requests_per_sec", "uvnet", "kestrel", 1.5, Bound.AtLeast),
        new("tls-keepalive-64", "requests_per_sec", "uvnet", "nginx", 1.0, Bound.AtLeast),
        new("tls-keepalive-64", "requests_per_sec", "uvnet", "uvnet-plain", 0.75, Bound.AtLeast),
        new("tls-idle-1k", "kb_per_conn", "uvnet", null, 16, Bound.AtMost),
        new("h2c-64x16", "requests_per_sec", "uvnet", "kestrel", 3.0, Bound.AtLeast),
        new("h2c-64x16", "requests_per_sec", "uvnet", "nginx", 1.0, Bound.AtLeast),
        new("h2c-64x16", "requests_per_sec", "uvnet", "uvnet-http1", 1.0, Bound.AtLeast),
        new("h2c-64x100", "requests_per_sec", "uvnet", "kestrel", 3.0, Bound.AtLeast),
        new("h2c-64x100", "requests_per_sec", "uvnet", "nginx", 1.0, Bound.AtLeast),
        new("h2c-64x100", "requests_per_sec", "uvnet", "uvnet-http1", 1.0, Bound.AtLeast),
        new("h2-tls-64x16", "requests_per_sec", "uvnet", "kestrel", 3.0, Bound.AtLeast),
        new("h2-tls-64x16", "requests_per_sec", "uvnet", "nginx", 1.0, Bound.AtLeast),
        new("h2-tls-64x16", "requests_per_sec", "uvnet", "uvnet-http1", 1.0, Bound.AtLeast),
        new("h2-tls-64x100", "requests_per_sec", "uvnet", "kestrel", 3.0, Bound.AtLeast),
        new("h2-tls-64x100", "requests_per_sec", "uvnet", "nginx", 1.0, Bound.AtLeast),
        new("h2-tls-64x100", "requests_per_sec", "uvnet", "uvnet-http1", 1.0, Bound.AtLeast),
    ];
}

using System.Globalization;
using Uvnet.Proxy.Forwarding;

namespace Uvnet.Proxy;

/// <summary>
/// Counts shared by the proxies of every loop (updated with interlocked adds, read from any thread), written in
/// Prometheus' text format by <see cref="WritePrometheus"/>: requests by status class, forwarding errors by kind,
/// and the upstream's response-head latency as a histogram.
/// </summary>
public sealed class ProxyMetrics
{
    // Upper bounds of the latency buckets, in milliseconds (Prometheus' default buckets, 5 ms to 10 s, with 1 ms added).
    private static readonly long[] s_bucketsMs = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

    private readonly long[] _statusClasses = new long[6]; // index 1..5: 1xx..5xx; 0: no response (the connection was cut)
    private readonly long[] _errors = new long[Enum.GetValues<ForwardError>().Length];
    private readonly long[] _latency = new long[s_bucketsMs.Length + 1];
    private long _latencySumMs, _latencyCount;

    /// <summary>Requests ended so far (every status class, and those cut without a response).</summary>
    public long Requests
    {
        get
        {
            long total = 0;
            for (int i = 0; i < _statusClasses.Length; i++)
                total += Interlocked.Read(ref _statusClasses[i]);
            return total;
        }
    }

    /// <summary>Requests that ended with a status of class <paramref name="statusClass"/> (1 to 5; 0: none sent).</summary>
    public long RequestsOfClass(int statusClass) => Interlocked.Read(ref _statusClasses[statusClass]);

    /// <summary>Exchanges that ended with <paramref name="error"/>.</summary>
    public long Errors(ForwardError error) => Interlocked.Read(ref _errors[(int)error]);

    internal void OnFinished(int status, ForwardError error)
    {
        Interlocked.Increment(ref _statusClasses[status is >= 100 and <= 599 ? status / 100 : 0]);
        if (error != ForwardError.None)
            Interlocked.Increment(ref _errors[(int)error]);
    }

    internal void OnResponseHead(long milliseconds)
    {
        int bucket = 0;
        while (bucket < s_bucketsMs.Length && milliseconds > s_bucketsMs[bucket])
            bucket++;
        Interlocked.Increment(ref _latency[bucket]);
        Interlocked.Add(ref _latencySumMs, milliseconds);
        Interlocked.Increment(ref _latencyCount);
    }

    /// <summary>Writes every metric in Prometheus' text exposition format (version 0.0.4).</summary>
    public void WritePrometheus(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        CultureInfo c = CultureInfo.InvariantCulture;
        output.Write("# HELP uvnet_proxy_requests_total Requests ended, by the class of the status sent (none: cut without a response).\n");
        output.Write("# TYPE uvnet_proxy_requests_total counter\n");
        for (int i = 0; i < _statusClasses.Length; i++)
            output.Write(string.Create(c, $"uvnet_proxy_requests_total{{status_class=\"{(i == 0 ? "none" : i + "xx")}\"}} {RequestsOfClass(i)}\n"));
        output.Write("# HELP uvnet_proxy_forward_errors_total Exchanges not forwarded whole, by stage and side.\n");
        output.Write("# TYPE uvnet_proxy_forward_errors_total counter\n");
        foreach (ForwardError error in Enum.GetValues<ForwardError>())
        {
            if (error != ForwardError.None)
                output.Write(string.Create(c, $"uvnet_proxy_forward_errors_total{{error=\"{error}\"}} {Errors(error)}\n"));
        }
        output.Write("# HELP uvnet_proxy_upstream_response_head_seconds Time from sending to the upstream to its response's head.\n");
        output.Write("# TYPE uvnet_proxy_upstream_response_head_seconds histogram\n");
        long cumulative = 0;
        for (int i = 0; i <= s_bucketsMs.Length; i++)
        {
            cumulative += Interlocked.Read(ref _latency[i]);
            string le = i < s_bucketsMs.Length ? (s_bucketsMs[i] / 1000.0).ToString(c) : "+Inf";
            output.Write(string.Create(c, $"uvnet_proxy_upstream_response_head_seconds_bucket{{le=\"{le}\"}} {cumulative}\n"));
        }
        output.Write(string.Create(c, $"uvnet_proxy_upstream_response_head_seconds_sum {Interlocked.Read(ref _latencySumMs) / 1000.0}\n"));
        output.Write(string.Create(c, $"uvnet_proxy_upstream_response_head_seconds_count {Interlocked.Read(ref _latencyCount)}\n"));
    }
}

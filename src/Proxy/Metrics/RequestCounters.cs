using System.Globalization;

namespace Uvnet.Proxy.Metrics;

/// <summary>
/// Requests by the class of their status and the upstream's response-head latency as a histogram: the proxy's in all,
/// and each route's and cluster's. Updated with interlocked adds by every loop's proxy, read from any thread.
/// </summary>
public sealed class RequestCounters
{
    // Upper bounds of the latency buckets, in milliseconds (Prometheus' default buckets, 5 ms to 10 s, with 1 ms added).
    private static readonly long[] s_bucketsMs = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

    private readonly long[] _statusClasses = new long[6]; // index 1..5: 1xx..5xx; 0: no response (the connection was cut)
    private readonly long[] _latency = new long[s_bucketsMs.Length + 1];
    private long _latencySumMs, _latencyCount;

    internal RequestCounters()
    {
    }

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
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="statusClass"/> is not 0 to 5.</exception>
    public long RequestsOfClass(int statusClass)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(statusClass);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusClass, 5);
        return Interlocked.Read(ref _statusClasses[statusClass]);
    }

    /// <summary>Upstream response heads timed (the histogram's count).</summary>
    public long ResponseHeads => Interlocked.Read(ref _latencyCount);

    internal void OnFinished(int status) =>
        Interlocked.Increment(ref _statusClasses[status is >= 100 and <= 599 ? status / 100 : 0]);

    internal void OnResponseHead(long milliseconds)
    {
        int bucket = 0;
        while (bucket < s_bucketsMs.Length && milliseconds > s_bucketsMs[bucket])
            bucket++;
        Interlocked.Increment(ref _latency[bucket]);
        Interlocked.Add(ref _latencySumMs, milliseconds);
        Interlocked.Increment(ref _latencyCount);
    }

    /// <summary>Writes the samples of <c>{prefix}requests_total</c>, each with <paramref name="labels"/> (<c>route="api",</c>, or empty) before its own.</summary>
    internal void WriteRequests(TextWriter output, string prefix, string labels)
    {
        for (int i = 0; i < _statusClasses.Length; i++)
            output.Write(string.Create(CultureInfo.InvariantCulture, $"{prefix}requests_total{{{labels}status_class=\"{(i == 0 ? "none" : i + "xx")}\"}} {Interlocked.Read(ref _statusClasses[i])}\n"));
    }

    /// <summary>Writes the samples of the histogram <c>{prefix}upstream_response_head_seconds</c>, labelled as <see cref="WriteRequests"/>.</summary>
    internal void WriteLatency(TextWriter output, string prefix, string labels)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        long cumulative = 0;
        for (int i = 0; i <= s_bucketsMs.Length; i++)
        {
            cumulative += Interlocked.Read(ref _latency[i]);
            string le = i < s_bucketsMs.Length ? (s_bucketsMs[i] / 1000.0).ToString(c) : "+Inf";
            output.Write(string.Create(c, $"{prefix}upstream_response_head_seconds_bucket{{{labels}le=\"{le}\"}} {cumulative}\n"));
        }
        string plain = labels.Length == 0 ? "" : "{" + labels.TrimEnd(',') + "}";
        output.Write(string.Create(c, $"{prefix}upstream_response_head_seconds_sum{plain} {Interlocked.Read(ref _latencySumMs) / 1000.0}\n"));
        output.Write(string.Create(c, $"{prefix}upstream_response_head_seconds_count{plain} {Interlocked.Read(ref _latencyCount)}\n"));
    }
}

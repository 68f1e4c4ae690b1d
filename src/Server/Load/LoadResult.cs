using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Uvnet.Server.Load;

/// <summary>What a run of <c>uvnet load</c> measured, its workers' figures merged.</summary>
public sealed class LoadResult
{
    private readonly long[] _errors = new long[LoadErrors.KindCount];

    /// <summary>Merges <paramref name="workers"/>, timed from the first one's measurement start (the end of its warm-up).</summary>
    public LoadResult(LoadOptions options, IReadOnlyList<LoadWorker> workers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(workers);
        Options = options;
        long start = workers.Count == 0 ? 0 : workers.Min(w => w.MeasuredFromTicks);
        long end = start;
        foreach (LoadWorker worker in workers)
        {
            WarmupResponses += worker.WarmupResponses;
            Latency.Add(worker.Latency);
            Responses += worker.Responses;
            BodyBytes += worker.BodyBytes;
            BytesRead += worker.SocketBytesRead;
            for (int i = 0; i < _errors.Length; i++)
                _errors[i] += worker.Errors[i];
            Unsent += worker.Unsent;
            end = Math.Max(end, worker.FinishedTicks);
        }
        Elapsed = Stopwatch.GetElapsedTime(start, end);
    }

    /// <summary>The options of the run.</summary>
    public LoadOptions Options { get; }

    /// <summary>
    /// From the start of the measurement (the end of the warm-up) to the close of the last request (the duration, and
    /// the wait for the requests then in flight).
    /// </summary>
    public TimeSpan Elapsed { get; }

    /// <summary>Complete responses, those counted as status errors included.</summary>
    public long Responses { get; }

    /// <summary>Complete responses of the warm-up, counted in nothing else.</summary>
    public long WarmupResponses { get; }

    /// <summary>Open loop: requests of the schedule still waiting for a connection when the run ended (see <see cref="LoadWorker.Unsent"/>).</summary>
    public long Unsent { get; }

    /// <summary>Body bytes received.</summary>
    public long BodyBytes { get; }

    /// <summary>Bytes read from the connections, heads and framing included (as wrk's Transfer).</summary>
    public long BytesRead { get; }

    /// <summary>Latencies of the complete responses, in microseconds.</summary>
    public LatencyHistogram Latency { get; } = new();

    /// <summary>The count of errors of <paramref name="kind"/>.</summary>
    public long Errors(LoadError kind) => _errors[(int)kind];

    /// <summary>Errors of every kind.</summary>
    public long TotalErrors => _errors.Sum();

    /// <summary>Responses per second of <see cref="Elapsed"/>.</summary>
    public double RequestsPerSecond => PerSecond(Responses);

    /// <summary><see cref="BytesRead"/> per second of <see cref="Elapsed"/>.</summary>
    public double BytesPerSecond => PerSecond(BytesRead);

    private double PerSecond(long count) => Elapsed > TimeSpan.Zero ? count / Elapsed.TotalSeconds : 0;

    /// <summary>The percentiles every report gives.</summary>
    public static IReadOnlyList<double> Percentiles { get; } = [50, 90, 99, 99.9];

    /// <summary>The plain text report, as wrk's: what ran, then latencies, rates and errors.</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        var o = Options;
        text.Append(CultureInfo.InvariantCulture, $"uvnet load {o.Url}: {o.Connections} connections on {o.Threads} thread(s)");
        if (o.Http2)
            text.Append(CultureInfo.InvariantCulture, $", HTTP/2 with {o.Streams} stream(s) each");
        else if (o.Pipeline > 1)
            text.Append(CultureInfo.InvariantCulture, $", pipelined x{o.Pipeline}");
        text.Append(o.Rate is { } rate ? string.Create(CultureInfo.InvariantCulture, $", open loop at {rate:0.##} requests/s") : ", closed loop");
        text.Append(CultureInfo.InvariantCulture, $", {Elapsed.TotalSeconds:0.00} s");
        if (o.Warmup > TimeSpan.Zero)
            text.Append(CultureInfo.InvariantCulture, $" after a {o.Warmup.TotalSeconds:0.###} s warm-up, whose {WarmupResponses} responses are not counted");
        text.Append('\n');
        // With no response there is no latency: 0 ms percentiles would read as a fast server instead of a dead one.
        if (Latency.Count == 0)
            text.Append("  latency   none: no response completed\n");
        else
        {
            text.Append(CultureInfo.InvariantCulture, $"  latency   min {Ms(Latency.Min)}  mean {Ms((long)Latency.Mean)}  max {Ms(Latency.Max)}\n");
            foreach (double p in Percentiles)
                text.Append(CultureInfo.InvariantCulture, $"  p{p,-6}  {Ms(Latency.ValueAtPercentile(p))}\n");
        }
        text.Append(CultureInfo.InvariantCulture, $"  {Responses} responses, {RequestsPerSecond:0.00} requests/s, {BytesRead} bytes read ({BytesPerSecond / (1024 * 1024):0.00} MiB/s), {BodyBytes} body bytes\n");
        text.Append(CultureInfo.InvariantCulture, $"  errors {TotalErrors}");
        for (int i = 0; i < _errors.Length; i++)
        {
            if (_errors[i] > 0)
                text.Append(CultureInfo.InvariantCulture, $"  {LoadErrors.Name((LoadError)i)} {_errors[i]}");
        }
        if (Unsent > 0)
            text.Append(CultureInfo.InvariantCulture, $"\n  {Unsent} requests of the schedule never sent: the server (or -c) could not keep up with the rate");
        return text.Append('\n').ToString();
    }

    /// <summary>The report as one JSON object (latencies in microseconds, <c>latency_us</c> null when no response completed), for scripts.</summary>
    public string ToJson()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            var o = Options;
            json.WriteStartObject();
            json.WriteString("url", o.Url);
            json.WriteNumber("connections", o.Connections);
            json.WriteNumber("threads", o.Threads);
            json.WriteNumber("pipeline", o.Pipeline);
            json.WriteString("protocol", o.Http2 ? "h2" : "http/1.1");
            json.WriteNumber("streams", o.Http2 ? o.Streams : 1);
            if (o.Rate is { } rate)
                json.WriteNumber("rate", rate);
            else
                json.WriteNull("rate");
            json.WriteNumber("warmup_s", o.Warmup.TotalSeconds);
            json.WriteNumber("warmup_responses", WarmupResponses);
            json.WriteNumber("duration_s", o.Duration.TotalSeconds);
            json.WriteNumber("elapsed_s", Elapsed.TotalSeconds);
            json.WriteNumber("responses", Responses);
            json.WriteNumber("requests_per_s", RequestsPerSecond);
            json.WriteNumber("bytes_read", BytesRead);
            json.WriteNumber("bytes_per_s", BytesPerSecond);
            json.WriteNumber("body_bytes", BodyBytes);
            json.WriteNumber("unsent", Unsent);
            if (Latency.Count == 0)
                json.WriteNull("latency_us"); // no response, no latency (0 would read as a fast server)
            else
            {
                json.WriteStartObject("latency_us");
                json.WriteNumber("min", Latency.Min);
                json.WriteNumber("mean", Latency.Mean);
                foreach (double p in Percentiles)
                    json.WriteNumber(string.Create(CultureInfo.InvariantCulture, $"p{p}"), Latency.ValueAtPercentile(p));
                json.WriteNumber("max", Latency.Max);
                json.WriteEndObject();
            }
            json.WriteStartObject("errors");
            json.WriteNumber("total", TotalErrors);
            for (int i = 0; i < _errors.Length; i++)
                json.WriteNumber(LoadErrors.Name((LoadError)i), _errors[i]);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
    }

    /// <summary>
    /// The latency distribution as CSV for plots: per bucket holding values, its highest latency in microseconds, the
    /// percentile of responses at or below it, and the count.
    /// </summary>
    public string ToLatencyCsv()
    {
        var csv = new StringBuilder("latency_us,percentile,count\n");
        long seen = 0;
        foreach ((long value, long count) in Latency.Buckets())
        {
            seen += count;
            csv.Append(CultureInfo.InvariantCulture, $"{value},{100.0 * seen / Latency.Count:0.######},{count}\n");
        }
        return csv.ToString();
    }

    private static string Ms(long microseconds) => string.Create(CultureInfo.InvariantCulture, $"{microseconds / 1000.0,9:0.000} ms");
}

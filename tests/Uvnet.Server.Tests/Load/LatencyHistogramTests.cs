using System.Diagnostics;
using Uvnet.Server.Load;

namespace Uvnet.Server.Tests.Load;

public class LatencyHistogramTests
{
    [Fact]
    public void Percentiles_of_1_to_1000_are_exact()
    {
        var histogram = new LatencyHistogram();
        for (int v = 1000; v >= 1; v--)
            histogram.Record(v);
        Assert.Equal((1000L, 1L, 1000L), (histogram.Count, histogram.Min, histogram.Max));
        Assert.Equal(500.5, histogram.Mean);
        Assert.Equal(500, histogram.ValueAtPercentile(50));
        Assert.Equal(900, histogram.ValueAtPercentile(90));
        Assert.Equal(990, histogram.ValueAtPercentile(99));
        Assert.Equal(999, histogram.ValueAtPercentile(99.9));
        Assert.Equal(1000, histogram.ValueAtPercentile(100));
        Assert.Equal(1, histogram.ValueAtPercentile(0));
    }

    [Fact]
    public void Mean_of_values_whose_sum_passes_a_long_stays_exact()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(long.MaxValue);
        histogram.Record(long.MaxValue);
        Assert.Equal((double)long.MaxValue, histogram.Mean);
        var merged = new LatencyHistogram();
        merged.Add(histogram);
        merged.Add(histogram);
        Assert.Equal((double)long.MaxValue, merged.Mean);
    }

    [Fact]
    public void Latency_of_hours_in_stopwatch_ticks_does_not_overflow()
    {
        // An open loop of -d 24h behind a slow server: a request's latency from its intended time can be hours, and
        // hours of ticks times 1 000 000 pass a long (at 1 GHz, after 2.5 h): the stall would be recorded as 0.
        long start = 1_000;
        long threeHours = 3 * 3600 * Stopwatch.Frequency;
        Assert.Equal(3L * 3600 * 1_000_000, LoadWorker.Microseconds(start, start + threeHours));
        Assert.Equal(1_500L, LoadWorker.Microseconds(start, start + Stopwatch.Frequency * 3 / 2000));
    }

    [Fact]
    public void Large_values_keep_three_significant_digits_and_the_max_is_exact()
    {
        var histogram = new LatencyHistogram();
        for (int i = 0; i < 99; i++)
            histogram.Record(1_000);
        histogram.Record(1_234_567); // about 1.23 s in microseconds
        Assert.Equal(1_000, histogram.ValueAtPercentile(99));
        Assert.Equal(1_234_567, histogram.ValueAtPercentile(99.9)); // its bucket's top, capped at the exact max
        Assert.Equal(1_234_567, histogram.Max);
        var spread = new LatencyHistogram();
        spread.Record(1_234_567);
        spread.Record(2_000_000);
        long p50 = spread.ValueAtPercentile(50);
        Assert.InRange(p50, 1_234_567, 1_234_567 + 1_234_567 / 1024); // within 1 part in 1024
    }

    [Fact]
    public void Add_merges_counts_min_and_max_and_an_empty_histogram_reports_zeros()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        Assert.Equal((0L, 0L, 0.0), (a.ValueAtPercentile(99), a.Max, a.Mean));
        a.Record(10);
        b.Record(5);
        b.Record(3_000_000_000_000); // beyond the last bucket: counted there, the max exact
        a.Add(b);
        Assert.Equal((3L, 5L, 3_000_000_000_000L), (a.Count, a.Min, a.Max));
        Assert.Equal(10, a.ValueAtPercentile(50));
        Assert.Equal(3_000_000_000_000, a.ValueAtPercentile(100));
        Assert.Equal([(5L, 1L), (10L, 1L)], a.Buckets().Take(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => a.ValueAtPercentile(101));
    }
}

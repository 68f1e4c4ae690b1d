using System.Numerics;

namespace Uvnet.Server.Load;

/// <summary>
/// Latencies in microseconds, HdrHistogram's log-linear layout with 3 significant digits: values below 2048 have a
/// bucket each, above that each power of two is cut into 1024 buckets, so a value is known to 1 part in 1024 (and a
/// percentile is reported as the highest value its bucket holds, as HdrHistogram does, the last bucket giving the exact
/// maximum). Recording is an index and an increment: nothing is allocated per sample. Values above about 71 minutes
/// are counted in the last bucket (the maximum stays exact).
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBucketBits = 11; // 2048 sub-buckets: 3 significant digits (HdrHistogram's choice for 3)
    private const int SubBucketCount = 1 << SubBucketBits;
    private const int HalfCount = SubBucketCount / 2;
    private const int MaxShift = 22; // 2048 << 21 µs: about 71 minutes

    private readonly long[] _counts = new long[(MaxShift + 1) * HalfCount + HalfCount];

    /// <summary>How many values were recorded.</summary>
    public long Count { get; private set; }

    /// <summary>The largest value recorded, exactly (0 when none).</summary>
    public long Max { get; private set; }

    /// <summary>The smallest value recorded, exactly (0 when none).</summary>
    public long Min { get; private set; }

    /// <summary>The mean of the values recorded, exactly (0 when none).</summary>
    public double Mean => Count == 0 ? 0 : (double)_sum / Count;

    private Int128 _sum; // a long would overflow on a few huge values, and the mean is documented exact

    /// <summary>Records <paramref name="microseconds"/> (a negative value counts as 0).</summary>
    public void Record(long microseconds)
    {
        long value = Math.Max(0, microseconds);
        _counts[IndexOf(value)]++;
        Min = Count == 0 ? value : Math.Min(Min, value);
        Max = Math.Max(Max, value);
        _sum += value;
        Count++;
    }

    /// <summary>Forgets every value recorded.</summary>
    public void Clear()
    {
        Array.Clear(_counts);
        Count = Max = Min = 0;
        _sum = 0;
    }

    /// <summary>Adds every value of <paramref name="other"/> to this histogram.</summary>
    public void Add(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Count == 0)
            return;
        for (int i = 0; i < _counts.Length; i++)
            _counts[i] += other._counts[i];
        Min = Count == 0 ? other.Min : Math.Min(Min, other.Min);
        Max = Math.Max(Max, other.Max);
        _sum += other._sum;
        Count += other.Count;
    }

    /// <summary>
    /// The value at <paramref name="percentile"/> (0 to 100): the least value that many percent of the values are at
    /// or below, to 3 significant digits (exact below 2048). 0 when nothing was recorded.
    /// </summary>
    public long ValueAtPercentile(double percentile)
    {
        if (double.IsNaN(percentile) || percentile < 0 || percentile > 100)
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "a percentile is from 0 to 100");
        if (Count == 0)
            return 0;
        // Rounded as HdrHistogram does: 99.9 / 100 × 1000 is 999.0000000000001 in doubles, and is rank 999.
        long rank = Math.Max(1, (long)(percentile / 100 * Count + 0.5));
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
                return ValueOf(i, seen);
        }
        return Max;
    }

    /// <summary>Each bucket holding values, in order: the highest value it stands for and how many it holds.</summary>
    public IEnumerable<(long Value, long Count)> Buckets()
    {
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            if (_counts[i] > 0)
                yield return (ValueOf(i, seen += _counts[i]), _counts[i]);
        }
    }

    /// <summary>Bucket <paramref name="index"/>'s value, <paramref name="seen"/> values being at or below it: the last holds the exact max.</summary>
    private long ValueOf(int index, long seen) => seen == Count ? Max : HighestEquivalent(index);

    private static int IndexOf(long value)
    {
        if (value < SubBucketCount)
            return (int)value;
        int shift = Math.Min(MaxShift, 63 - BitOperations.LeadingZeroCount((ulong)value) - (SubBucketBits - 1));
        // value >> shift lies in [HalfCount, SubBucketCount): the top 11 bits, the next power of two's buckets
        // following the previous one's.
        return shift * HalfCount + (int)Math.Min(SubBucketCount - 1, value >> shift);
    }

    private static long HighestEquivalent(int index)
    {
        if (index < SubBucketCount)
            return index;
        int shift = index / HalfCount - 1;
        long sub = index - shift * HalfCount;
        return ((sub + 1) << shift) - 1;
    }
}

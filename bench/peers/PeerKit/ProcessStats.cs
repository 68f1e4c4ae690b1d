using System.Diagnostics;

namespace Uvnet.Bench;

/// <summary>The process figures the timers workload reports, from the same sources the C and Node peers read.</summary>
public static class ProcessStats
{
    /// <summary>Peak resident set size (VmHWM in /proc/self/status), in KiB.</summary>
    public static long PeakRssKb()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        return 0;
    }

    /// <summary>User + system CPU time of the whole process so far (every thread), in milliseconds.</summary>
    public static double CpuMs() => Environment.CpuUsage.TotalTime.TotalMilliseconds;

    /// <summary>Seconds elapsed since a <see cref="Stopwatch.GetTimestamp"/> value.</summary>
    public static double SecondsSince(long timestamp) => Stopwatch.GetElapsedTime(timestamp).TotalSeconds;
}

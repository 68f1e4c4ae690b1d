using System.Diagnostics;

namespace Uvnet.Bench;

/// <summary>
/// Million timers, after libuv's test/benchmark-million-timers.c: --count timers, the timeout growing by
/// 1 ms every 1000 timers (a million span one second); reports insert time, fire time, CPU (user +
/// system, from the first insert to the last callback) and peak RSS. A peer supplies how to start one
/// timer and how to wait for them all.
/// </summary>
public static class MillionTimers
{
    // libuv's benchmark: the timeout grows by 1 ms every this many timers.
    private const int TimersPerMs = 1000;

    /// <param name="args">The peer's arguments (uses --count).</param>
    /// <param name="start">Starts timer number <c>index</c> with a timeout in milliseconds.</param>
    /// <param name="runUntilFired">Returns once the timers stopped firing, with how many fired.</param>
    public static int Run(PeerArgs args, Action<long, int> start, Func<long> runUntilFired)
    {
        PeerOutput.Progress($"timers: {args.Count} timers");
        double cpuBefore = ProcessStats.CpuMs();
        long beforeInsert = Stopwatch.GetTimestamp();
        int timeout = 0;
        for (long i = 0; i < args.Count; i++)
        {
            if (i % TimersPerMs == 0)
                timeout++;
            start(i, timeout);
        }
        long beforeRun = Stopwatch.GetTimestamp();
        long fired = runUntilFired();
        long afterRun = Stopwatch.GetTimestamp();
        double cpuMs = ProcessStats.CpuMs() - cpuBefore;

        if (fired != args.Count)
        {
            PeerOutput.Progress($"timers: {fired} of {args.Count} fired");
            return 1;
        }
        return PeerOutput.Result(
            ("insert_ms", Stopwatch.GetElapsedTime(beforeInsert, beforeRun).TotalMilliseconds),
            ("fire_ms", Stopwatch.GetElapsedTime(beforeRun, afterRun).TotalMilliseconds),
            ("cpu_ms", cpuMs),
            ("peak_rss_kb", ProcessStats.PeakRssKb()));
    }
}

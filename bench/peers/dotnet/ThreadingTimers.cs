namespace Uvnet.Bench.Dotnet;

/// <summary>
/// <see cref="MillionTimers"/> with <see cref="Timer"/>; the callbacks run on the thread pool, as .NET
/// timers do, and the last one wakes the main thread.
/// </summary>
internal static class ThreadingTimers
{
    public static int Run(PeerArgs args)
    {
        long fired = 0;
        using var allFired = new ManualResetEventSlim();
        TimerCallback onTimer = _ =>
        {
            if (Interlocked.Increment(ref fired) == args.Count)
                allFired.Set();
        };
        // The array keeps every timer reachable: an unreferenced Timer may be collected before it fires.
        var timers = new Timer[args.Count];
        int status = MillionTimers.Run(
            args,
            (i, timeoutMs) => timers[i] = new Timer(onTimer, null, timeoutMs, Timeout.Infinite),
            () =>
            {
                allFired.Wait();
                return Interlocked.Read(ref fired);
            });
        foreach (Timer timer in timers)
            timer.Dispose();
        return status;
    }
}

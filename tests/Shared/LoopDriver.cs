namespace Uvnet.Tests;

/// <summary>
/// Drives a loop in tests: until a condition holds, with a deadline (never a sleep), and to a clean close (a
/// handle left open fails the test). Linked into every test project.
/// </summary>
internal static class LoopDriver
{
    /// <summary>Runs <paramref name="loop"/> until <paramref name="done"/> holds; fails after <paramref name="seconds"/>.</summary>
    internal static void RunUntil(Loop loop, Func<bool> done, int seconds = 20)
    {
        // The timer wakes a loop blocked in its poll; the clock ends the wait on a loop with nothing alive, whose
        // Run returns at once without running timers.
        var deadline = new TimerHandle(loop);
        bool expired = false;
        deadline.Start(_ => expired = true, seconds * 1000L);
        deadline.Unref();
        long end = Environment.TickCount64 + seconds * 1000L;
        try
        {
            while (!done() && !expired)
            {
                loop.Run(RunMode.Once);
                expired |= Environment.TickCount64 >= end;
            }
        }
        finally
        {
            deadline.Close(); // also when a callback threw out of Run: a test may go on with the loop
        }
        Assert.False(expired, $"condition not reached within {seconds} s");
    }

    /// <summary>
    /// What each of <paramref name="calls"/> throws (null: nothing) when made from another thread while the loop runs:
    /// the loop thread waits inside a callback of its own meanwhile.
    /// </summary>
    internal static List<Exception?> ExceptionsOffTheLoop(Loop loop, params Action[] calls)
    {
        var errors = new List<Exception?>();
        bool called = false;
        loop.Post(() =>
        {
            var other = new Thread(() => errors.AddRange(calls.Select(Record.Exception)));
            other.Start();
            other.Join();
            called = true;
        });
        RunUntil(loop, () => called);
        return errors;
    }

    /// <summary>Lets the loop turn for <paramref name="milliseconds"/> (measured by a loop timer), to show that something does not happen.</summary>
    internal static void RunFor(Loop loop, long milliseconds)
    {
        var timer = new TimerHandle(loop);
        bool elapsed = false;
        timer.Start(_ => elapsed = true, milliseconds);
        while (!elapsed)
            loop.Run(RunMode.Once);
        timer.Close();
    }

    /// <summary>
    /// Runs <paramref name="loop"/> until nothing keeps it alive, then asserts that no handle is left (where
    /// <see cref="CloseLoop"/> closes what is) and closes it.
    /// </summary>
    internal static void AssertNothingLeft(Loop loop)
    {
        RunUntil(loop, () => !loop.IsAlive);
        loop.Run(RunMode.NoWait); // the close of RunUntil's own timer
        Assert.Equal(0, loop.HandleCount);
        Assert.Equal(0, loop.Close());
    }

    /// <summary>Closes every handle left on the loop, runs their close callbacks, and asserts the loop closes.</summary>
    internal static void CloseLoop(Loop loop)
    {
        loop.Walk(h => { if (!h.IsClosing) h.Close(); });
        loop.Run(RunMode.Default);
        Assert.Equal(0, loop.Close());
    }

    /// <summary>
    /// Runs <paramref name="loop"/> one iteration at a time until <paramref name="progress"/> has advanced by
    /// <paramref name="count"/>, and returns the bytes the loop thread allocated meanwhile (for the zero-allocation
    /// tests; warm the path up first). A window that allocated is measured again, up to three windows, and the least is
    /// returned: the runtime allocates now and then on its own (a tier-up, a first-use cache, more under load), while a
    /// path that allocates per event allocates in every window.
    /// </summary>
    internal static long LeastAllocated(Loop loop, Func<int> progress, int count, int seconds = 60)
    {
        // A deadline as RunUntil's, made before the windows so that it allocates nothing inside them: a stalled
        // exchange fails the test, naming how far it got, instead of hanging the run in the poll.
        var deadline = new TimerHandle(loop);
        bool expired = false;
        deadline.Start(_ => expired = true, seconds * 1000L);
        deadline.Unref();
        long end = Environment.TickCount64 + seconds * 1000L;
        long least = long.MaxValue;
        try
        {
            for (int window = 0; window < 3 && least > 0; window++)
            {
                int target = progress() + count;
                long before = GC.GetAllocatedBytesForCurrentThread();
                while (progress() < target)
                {
                    if (expired || Environment.TickCount64 >= end)
                        Assert.Fail($"window {window}: {progress()} of {target} reached within {seconds} s");
                    loop.Run(RunMode.Once);
                }
                least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            }
        }
        finally
        {
            deadline.Close();
        }
        return least;
    }
}

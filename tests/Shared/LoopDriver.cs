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
        var deadline = new TimerHandle(loop);
        bool expired = false;
        deadline.Start(_ => expired = true, seconds * 1000L);
        deadline.Unref();
        // The clock bounds it too: with no active handle left the loop is not alive, and Run returns at once
        // without running timers, so the deadline timer alone would never fire.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!done() && !expired && clock.Elapsed.TotalSeconds < seconds)
            loop.Run(RunMode.Once);
        deadline.Close();
        Assert.True(done(), $"condition not reached within {seconds} s");
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

    /// <summary>Closes every handle left on the loop, runs their close callbacks, and asserts the loop closes.</summary>
    internal static void CloseLoop(Loop loop)
    {
        loop.Walk(h => { if (!h.IsClosing) h.Close(); });
        loop.Run(RunMode.Default);
        Assert.Equal(0, loop.Close());
    }
}

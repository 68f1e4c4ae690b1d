namespace Uvnet.Tests;

/// <summary>
/// A loop for one test, with a deadline and a clean ending. The deadline is a thread-pool timer that posts
/// an exception to the loop after <see cref="DeadlineMs"/>, so a test that would hang fails instead, without
/// adding a handle to the loop under test. <see cref="Finish"/> is the clean ending every test asserts: the
/// loop closes with 0, so a handle the test leaked fails it.
/// </summary>
internal sealed class LoopScope : IDisposable
{
    /// <summary>How long a test may drive its loop before it fails.</summary>
    public const int DeadlineMs = 5000;

    // Close callbacks of handles closed by other close callbacks need one more iteration each; a few suffice.
    private const int FinishIterations = 4;

    private readonly Timer _watchdog;
    private readonly DateTime _deadline = DateTime.UtcNow.AddMilliseconds(DeadlineMs);
    private bool _finished;

    public LoopScope()
        : this(new Loop())
    {
    }

    public LoopScope(Loop loop)
    {
        Loop = loop;
        _watchdog = new Timer(static state => Expire((Loop)state!), loop, DeadlineMs, Timeout.Infinite);
    }

    public Loop Loop { get; }

    private static void Expire(Loop loop)
    {
        try
        {
            loop.Post(static () => throw new TimeoutException($"the test did not finish within {DeadlineMs} ms"));
        }
        catch (ObjectDisposedException)
        {
            // The test closed its loop just as the deadline passed (Dispose cannot stop a timer already firing).
        }
    }

    /// <summary>Runs the loop one iteration at a time (each may wait) until <paramref name="condition"/> holds; fails past the deadline.</summary>
    public void RunUntil(Func<bool> condition, RunMode mode = RunMode.Once)
    {
        while (!condition())
        {
            if (DateTime.UtcNow > _deadline)
                throw new TimeoutException($"the condition did not hold within {DeadlineMs} ms");
            Loop.Run(mode);
        }
    }

    /// <summary>Creates a poll handle on <paramref name="fd"/> and starts it, asserting the start succeeded.</summary>
    public PollHandle StartPoll(int fd, PollEvents events, Action<PollHandle, int, PollEvents> callback)
    {
        var poll = new PollHandle(Loop, fd);
        Assert.Equal(0, poll.Start(events, callback));
        return poll;
    }

    /// <summary>
    /// The clean ending: lets close callbacks that are due run, then asserts the loop closes with 0.
    /// A handle the test did not close keeps <see cref="Loop.Close"/> at EBUSY and fails the test.
    /// </summary>
    public void Finish()
    {
        for (int i = 0; i < FinishIterations && Loop.HandleCount > 0; i++)
            Loop.Run(RunMode.NoWait);
        Assert.True(Loop.HandleCount == 0, $"{Loop.HandleCount} handle(s) leaked: {DescribeHandles()}");
        Assert.Equal(0, Loop.Close());
        _finished = true;
    }

    /// <summary>
    /// Closes every handle still open (the listener and peers a test did not need), asserts that nothing else keeps
    /// the loop alive (a request left in flight would: Run would wait until the deadline), then <see cref="Finish"/>.
    /// </summary>
    public void CloseAllAndFinish()
    {
        Loop.Walk(static h =>
        {
            if (!h.IsClosing)
                h.Close();
        });
        Assert.False(Loop.Run());
        Finish();
    }

    /// <summary>Stops the deadline; after a failed test, closes what is left without asserting, to release descriptors.</summary>
    public void Dispose()
    {
        _watchdog.Dispose();
        if (_finished || Loop.IsLoopThread)
            return;
        try
        {
            Loop.Walk(static h =>
            {
                if (!h.IsClosing)
                    h.Close();
            });
            for (int i = 0; i < FinishIterations && Loop.HandleCount > 0; i++)
                Loop.Run(RunMode.NoWait);
            Loop.Close();
        }
        catch (Exception)
        {
            // The test failed already; its own exception is the one to report.
        }
    }

    private string DescribeHandles()
    {
        var names = new List<string>();
        Loop.Walk(h => names.Add(h.GetType().Name + (h.IsClosing ? " (closing)" : "")));
        return string.Join(", ", names);
    }
}

namespace Uvnet.Tests;

/// <summary>TimerHandle, after libuv's test-timer.c, test-timer-again.c and test-timer-from-check.c.</summary>
public sealed class TimerTests
{
    [Fact]
    public void NewTimerIsInactiveWithNoRepeatAndNothingDue()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);

        Assert.False(timer.IsActive);
        Assert.Equal(0, timer.Repeat);
        Assert.Equal(0, timer.DueIn);

        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void TimerFiresOnceAndBecomesInactive()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        int calls = 0;
        timer.Start(t =>
        {
            calls++;
            Assert.False(t.IsActive);
        }, 1);
        Assert.True(timer.IsActive);

        Assert.False(scope.Loop.Run());

        Assert.Equal(1, calls);
        Assert.False(timer.IsActive);
        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void TimerDoesNotFireBeforeItsTimeout()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        long startedAt = scope.Loop.Now;
        long firedAt = 0;
        timer.Start(t => firedAt = t.Loop.Now, 20);

        scope.Loop.Run();

        Assert.True(firedAt - startedAt >= 20, $"fired after {firedAt - startedAt} ms");
        timer.Close();
        scope.Finish();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TimersWithEqualDueTimesFireInStartOrder(bool reversed)
    {
        using var scope = new LoopScope();
        var a = new TimerHandle(scope.Loop);
        var b = new TimerHandle(scope.Loop);
        var order = new List<string>();
        var (first, second) = reversed ? (b, a) : (a, b);

        first.Start(_ => order.Add("first"), 0);
        second.Start(_ => order.Add("second"), 0);
        scope.Loop.Run();

        Assert.Equal(["first", "second"], order);
        a.Close();
        b.Close();
        scope.Finish();
    }

    [Fact]
    public void RestartingATimerMovesItBehindTimersStartedBefore()
    {
        using var scope = new LoopScope();
        var a = new TimerHandle(scope.Loop);
        var b = new TimerHandle(scope.Loop);
        var order = new List<string>();

        a.Start(_ => order.Add("a"), 0);
        b.Start(_ => order.Add("b"), 0);
        a.Start(_ => order.Add("a"), 0);
        scope.Loop.Run();

        Assert.Equal(["b", "a"], order);
        a.Close();
        b.Close();
        scope.Finish();
    }

    [Fact]
    public void ManyTimersFireInDueOrder()
    {
        using var scope = new LoopScope();
        int[] timeouts = [7, 3, 9, 1, 4, 4, 8, 0, 2, 6, 5, 0];
        var fired = new List<(long Timeout, int Index)>();
        var timers = new TimerHandle[timeouts.Length];
        for (int i = 0; i < timeouts.Length; i++)
        {
            int index = i;
            timers[i] = new TimerHandle(scope.Loop);
            timers[i].Start(_ => fired.Add((timeouts[index], index)), timeouts[i]);
        }

        scope.Loop.Run();

        Assert.Equal(fired.OrderBy(f => f.Timeout).ThenBy(f => f.Index), fired);
        Assert.Equal(timeouts.Length, fired.Count);
        foreach (var t in timers)
            t.Close();
        scope.Finish();
    }

    [Fact]
    public void TimerStartedInsideATimerCallbackNeverRunsInTheSamePass()
    {
        using var scope = new LoopScope();
        var outer = new TimerHandle(scope.Loop);
        var inner = new TimerHandle(scope.Loop);
        int innerCalls = 0;
        outer.Start(_ => inner.Start(_ => innerCalls++, 0), 0);

        scope.Loop.Run(RunMode.NoWait);
        Assert.Equal(0, innerCalls);

        scope.Loop.Run(RunMode.NoWait);
        Assert.Equal(1, innerCalls);
        outer.Close();
        inner.Close();
        scope.Finish();
    }

    [Fact]
    public void TimerRestartingItselfWithZeroTimeoutRunsOncePerIteration()
    {
        // libuv's timer_zero_timeout: a callback that restarts its own timer at 0 does not loop forever.
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        int calls = 0;
        timer.Start(Again, 0);

        void Again(TimerHandle t)
        {
            calls++;
            t.Start(Again, 0);
            t.Loop.Stop();
        }

        Assert.True(scope.Loop.Run());
        Assert.Equal(1, calls);
        timer.Close();
        Assert.False(scope.Loop.Run());
        Assert.Equal(1, calls);
        scope.Finish();
    }

    [Fact]
    public void RepeatingTimerFiresUntilStopped()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        int calls = 0;
        timer.Start(t =>
        {
            Assert.True(t.IsActive);
            if (++calls == 5)
                t.Stop();
        }, 1, 1);

        scope.Loop.Run();

        Assert.Equal(5, calls);
        Assert.False(timer.IsActive);
        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void RepeatingTimerWithZeroTimeoutFiresOncePerIteration()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        int calls = 0;
        timer.Start(_ => calls++, 0, 1);

        scope.Loop.Run(RunMode.NoWait);

        Assert.Equal(1, calls);
        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void StoppedTimerDoesNotFire()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        timer.Start(_ => Assert.Fail("a stopped timer fired"), 0);
        timer.Stop();
        timer.Stop();

        Assert.False(timer.IsActive);
        Assert.False(scope.Loop.Run());
        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void TimerStoppedByAnEarlierTimerInTheSamePassDoesNotFire()
    {
        using var scope = new LoopScope();
        var first = new TimerHandle(scope.Loop);
        var second = new TimerHandle(scope.Loop);
        first.Start(_ => second.Stop(), 0);
        second.Start(_ => Assert.Fail("the stopped timer fired"), 0);

        scope.Loop.Run();

        first.Close();
        second.Close();
        scope.Finish();
    }

    [Fact]
    public void SettingRepeatTakesEffectWhenTheTimerNextFires()
    {
        // libuv's timer_again: a repeat set on a one-shot timer makes it repeat; a repeat set to 0 inside
        // the callback does not stop the run that was already re-armed.
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        int calls = 0;
        timer.Start(t =>
        {
            calls++;
            if (calls == 2)
                t.Repeat = 0;
        }, 1);
        timer.Repeat = 1;

        scope.Loop.Run();

        Assert.Equal(3, calls);
        Assert.False(timer.IsActive);
        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void AgainRestartsARepeatingTimerWithItsRepeat()
    {
        // libuv's timer_again, shortened: repeat_1 keeps pushing repeat_2 back, so repeat_2 fires only after
        // repeat_1 stops. Whatever the machine's load, repeat_1 is always due before repeat_2.
        using var scope = new LoopScope();
        var pusher = new TimerHandle(scope.Loop);
        var pushed = new TimerHandle(scope.Loop);
        int pushes = 0, pushedCalls = 0;
        pushed.Start(t =>
        {
            Assert.Equal(5, pushes);
            pushedCalls++;
            t.Stop();
        }, 20, 20);
        pusher.Start(t =>
        {
            pushed.Again();
            if (++pushes == 5)
                t.Stop();
        }, 10, 10);

        scope.Loop.Run();

        Assert.Equal(5, pushes);
        Assert.Equal(1, pushedCalls);
        pusher.Close();
        pushed.Close();
        scope.Finish();
    }

    [Fact]
    public void AgainSetsDueInToTheRepeat()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        timer.Start(_ => { }, 1000, 50);

        timer.Again();

        Assert.True(timer.IsActive);
        Assert.Equal(50, timer.DueIn);
        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void AgainStopsATimerThatDoesNotRepeat()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        timer.Start(_ => Assert.Fail("the timer fired after Again"), 0);

        timer.Again();

        Assert.False(timer.IsActive);
        Assert.False(scope.Loop.Run());
        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void AgainOnATimerNeverStartedIsAProgrammerError()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);

        Assert.Throws<InvalidOperationException>(timer.Again);

        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void DueInCountsDownFromTheTimeout()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        timer.Start(_ => { }, 100);

        Assert.Equal(100, timer.DueIn);
        timer.Stop();
        Assert.Equal(0, timer.DueIn);

        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void HugeTimeoutsClampInsteadOfOverflowing()
    {
        // libuv's timer_huge_timeout: the small timer fires, the huge ones stay in the future.
        using var scope = new LoopScope();
        var tiny = new TimerHandle(scope.Loop);
        var huge1 = new TimerHandle(scope.Loop);
        var huge2 = new TimerHandle(scope.Loop);
        void CloseAll(TimerHandle _)
        {
            tiny.Close();
            huge1.Close();
            huge2.Close();
        }
        tiny.Start(CloseAll, 1);
        huge1.Start(CloseAll, 0xffffffffffffL);
        huge2.Start(CloseAll, long.MaxValue);

        Assert.Equal(1, tiny.DueIn);
        Assert.Equal(0xffffffffffffL, huge1.DueIn);
        Assert.True(huge2.DueIn > 0xffffffffffffL);
        Assert.True(huge1.IsActive && huge2.IsActive);

        Assert.False(scope.Loop.Run());
        scope.Finish();
    }

    [Fact]
    public void HugeRepeatClampsInsteadOfOverflowing()
    {
        // libuv's timer_huge_repeat: the huge-repeat timer fires once, then only the tiny one repeats.
        using var scope = new LoopScope();
        var tiny = new TimerHandle(scope.Loop);
        var huge = new TimerHandle(scope.Loop);
        var fired = new List<TimerHandle>();
        void Record(TimerHandle t)
        {
            fired.Add(t);
            if (fired.Count == 10)
            {
                tiny.Close();
                huge.Close();
            }
        }
        tiny.Start(Record, 2, 2);
        huge.Start(Record, 1, long.MaxValue);

        scope.Loop.Run();

        Assert.Same(huge, fired[0]);
        Assert.All(fired.Skip(1), t => Assert.Same(tiny, t));
        scope.Finish();
    }

    [Fact]
    public void NegativeTimeoutOrRepeatIsAProgrammerError()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);

        Assert.Throws<ArgumentOutOfRangeException>(() => timer.Start(_ => { }, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => timer.Start(_ => { }, 0, -1));
        Assert.Throws<ArgumentNullException>(() => timer.Start(null!, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => timer.Repeat = -1);
        Assert.False(timer.IsActive);
        Assert.Equal(0, timer.Repeat);

        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void StartingAClosingTimerIsAProgrammerError()
    {
        // libuv's timer_is_closing.
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        timer.Close();

        Assert.Throws<ObjectDisposedException>(() => timer.Start(_ => { }, 100, 100));

        scope.Finish();
    }

    [Fact]
    public void TimerStartedInACheckCallbackCountsFromTheTimeThePollReturned()
    {
        // libuv's timer_from_check: the loop's time is refreshed after the poll waited, so a 50 ms timer
        // started in the check phase (after a 50 ms wait) does not fire before the next iteration's prepare.
        using var scope = new LoopScope();
        var prepare = new PrepareHandle(scope.Loop);
        var check = new CheckHandle(scope.Loop);
        var timer = new TimerHandle(scope.Loop);
        var order = new List<string>();

        void TimerCallback(TimerHandle t)
        {
            t.Stop();
            order.Add("timer");
        }
        check.Start(c =>
        {
            c.Stop();
            timer.Stop();
            timer.Start(TimerCallback, 50);
            prepare.Start(p =>
            {
                p.Stop();
                order.Add("prepare");
            });
            order.Add("check");
        });
        timer.Start(TimerCallback, 50);

        scope.Loop.Run();

        Assert.Equal(["check", "prepare", "timer"], order);
        prepare.Close();
        check.Close();
        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void RunOnceFiresAZeroTimerThenWaitsForAShortOne()
    {
        // libuv's timer_run_once.
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        int calls = 0;

        timer.Start(_ => calls++, 0);
        Assert.False(scope.Loop.Run(RunMode.Once));
        Assert.Equal(1, calls);

        timer.Start(_ => calls++, 1);
        Assert.False(scope.Loop.Run(RunMode.Once));
        Assert.Equal(2, calls);

        timer.Close();
        Assert.False(scope.Loop.Run(RunMode.Once));
        scope.Finish();
    }

    [Theory]
    [InlineData(RunMode.Once)]
    [InlineData(RunMode.NoWait)]
    public void RunOnceOrNoWaitNeverFiresARepeatingTimerTwice(RunMode mode)
    {
        // libuv's timer_no_double_call_once and timer_no_double_call_nowait: the timer is overdue when Run
        // starts; it fires, is re-armed, and must not fire again in the same Run (Once used to wait for the
        // re-armed timer and fire it at the end of the iteration).
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        int calls = 0;
        timer.Start(_ => calls++, 10, 10);
        SpinUntilTheClockPasses(scope.Loop, 20);

        Assert.True(scope.Loop.Run(mode));

        Assert.Equal(1, calls);
        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void TimersStartedAcrossTheStartCounterWrapAllFireInStartOrder()
    {
        // The start counter wraps after 2^64 starts: a timer started before the wrap has the largest id and
        // one started after it the smallest. Compared by value, the first is never due (it blocked every
        // later timer and the poll timeout stayed 0: the loop spun); compared by difference, both fire in order.
        using var scope = new LoopScope();
        scope.Loop.SetTimerStartCounter(long.MaxValue - 1);
        var order = new List<int>();
        var timers = new TimerHandle[4];
        for (int i = 0; i < timers.Length; i++)
        {
            int id = i;
            timers[i] = new TimerHandle(scope.Loop);
            timers[i].Start(_ => order.Add(id), 0);
        }

        Assert.False(scope.Loop.Run());

        Assert.Equal([0, 1, 2, 3], order);
        foreach (TimerHandle timer in timers)
            timer.Close();
        scope.Finish();
    }

    [Fact]
    public void TimerStartedInACallbackJustAfterTheWrapWaitsForTheNextPass()
    {
        using var scope = new LoopScope();
        scope.Loop.SetTimerStartCounter(long.MaxValue);
        var first = new TimerHandle(scope.Loop);
        var second = new TimerHandle(scope.Loop);
        var fired = new List<string>();
        first.Start(_ =>
        {
            fired.Add("first");
            second.Start(_ => fired.Add("second"), 0);
        }, 0);

        scope.Loop.Run(RunMode.NoWait);
        Assert.Equal(["first"], fired);
        scope.Loop.Run(RunMode.NoWait);
        Assert.Equal(["first", "second"], fired);

        first.Close();
        second.Close();
        scope.Finish();
    }

    /// <summary>
    /// Lets real time pass without running the loop (libuv's tests call uv_sleep here): reads the clock
    /// until <paramref name="ms"/> went by. It waits on the clock itself, so it cannot end early.
    /// </summary>
    private static void SpinUntilTheClockPasses(Loop loop, long ms)
    {
        long start = loop.Now;
        do
        {
            Thread.SpinWait(100);
            loop.UpdateTime();
        }
        while (loop.Now - start < ms);
    }
}

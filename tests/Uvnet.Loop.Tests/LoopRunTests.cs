namespace Uvnet.Tests;

/// <summary>Loop.Run's modes, Stop, IsAlive and the cached clock, after libuv's test-run-once.c, test-run-nowait.c, test-loop-stop.c and test-loop-alive.c.</summary>
public sealed class LoopRunTests
{
    [Fact]
    public void RunReturnsAtOnceWhenNothingIsAlive()
    {
        using var scope = new LoopScope();

        Assert.False(scope.Loop.IsAlive);
        Assert.False(scope.Loop.Run());
        Assert.False(scope.Loop.Run(RunMode.Once));
        Assert.False(scope.Loop.Run(RunMode.NoWait));

        scope.Finish();
    }

    [Fact]
    public void InactiveHandlesDoNotKeepTheLoopAlive()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        var idle = new IdleHandle(scope.Loop);

        Assert.False(scope.Loop.IsAlive);
        Assert.False(scope.Loop.Run());

        timer.Close();
        idle.Close();
        scope.Finish();
    }

    [Fact]
    public void ActiveHandleKeepsTheLoopAliveUntilItStops()
    {
        // libuv's loop_alive.
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        timer.Start(_ => { }, 1);

        Assert.True(scope.Loop.IsAlive);
        Assert.False(scope.Loop.Run());
        Assert.False(scope.Loop.IsAlive);

        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void ClosingHandleKeepsTheLoopAliveUntilItsCloseCallback()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        bool closed = false;

        timer.Close(_ => closed = true);

        Assert.True(scope.Loop.IsAlive);
        Assert.False(scope.Loop.Run(RunMode.NoWait));
        Assert.True(closed);
        scope.Finish();
    }

    [Fact]
    public void RunOnceRunsOneIterationAndSaysWhetherTheLoopIsAlive()
    {
        // libuv's run_once: an idle handle that stops itself after 64 ticks.
        using var scope = new LoopScope();
        var idle = new IdleHandle(scope.Loop);
        int ticks = 0;
        idle.Start(h =>
        {
            if (++ticks == 64)
                h.Stop();
        });

        int runs = 0;
        while (scope.Loop.Run(RunMode.Once))
            runs++;

        Assert.Equal(64, ticks);
        Assert.Equal(63, runs);
        idle.Close();
        scope.Finish();
    }

    [Fact]
    public void RunOnceWaitsForATimer()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        bool fired = false;
        timer.Start(_ => fired = true, 30);

        Assert.False(scope.Loop.Run(RunMode.Once));

        Assert.True(fired);
        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void RunOnceWaitsForIoWhenNothingElseIsPending()
    {
        // The only thing alive is an async handle: Run(Once) must wait in the poll until the send arrives.
        using var scope = new LoopScope();
        bool received = false;
        var async = new AsyncHandle(scope.Loop, _ => received = true);
        var prepare = new PrepareHandle(scope.Loop);
        using var polling = new ManualResetEventSlim();
        prepare.Start(_ => polling.Set());
        prepare.Unref();
        var sender = new Thread(() =>
        {
            if (polling.Wait(LoopScope.DeadlineMs))
                async.Send();
        });
        sender.Start();

        scope.Loop.Run(RunMode.Once);

        Assert.True(received, "Run(Once) returned without waiting for the send");
        Assert.True(sender.Join(LoopScope.DeadlineMs));
        async.Close();
        prepare.Close();
        scope.Finish();
    }

    [Fact]
    public void RunNoWaitDoesNotWaitForAPendingTimer()
    {
        // libuv's run_nowait.
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        bool fired = false;
        timer.Start(_ => fired = true, 100, 100);

        Assert.True(scope.Loop.Run(RunMode.NoWait));

        Assert.False(fired);
        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void RunNoWaitDoesNotWaitForIo()
    {
        using var scope = new LoopScope();
        var async = new AsyncHandle(scope.Loop, _ => Assert.Fail("nothing was sent"));
        using var pipe = new TestPipe();
        var poll = scope.StartPoll(pipe.ReadFd, PollEvents.Readable, (_, _, _) => Assert.Fail("nothing was written"));

        for (int i = 0; i < 3; i++)
            Assert.True(scope.Loop.Run(RunMode.NoWait));

        async.Close();
        poll.Close();
        scope.Finish();
    }

    [Fact]
    public void RunDefaultDoesNotSpinWhileATimerWaits()
    {
        // The poll waits until the timer is due: a handful of iterations, not thousands.
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        var prepare = new PrepareHandle(scope.Loop);
        int iterations = 0;
        prepare.Start(_ => iterations++);
        prepare.Unref();
        timer.Start(_ => { }, 50);

        scope.Loop.Run();

        Assert.InRange(iterations, 1, 5);
        timer.Close();
        prepare.Close();
        scope.Finish();
    }

    [Fact]
    public void StopInAPrepareCallbackKeepsThePollFromBlocking()
    {
        // Only an async handle, never sent to, is alive: the poll would wait for ever unless Stop makes it 0.
        using var scope = new LoopScope();
        var async = new AsyncHandle(scope.Loop, _ => { });
        var prepare = new PrepareHandle(scope.Loop);
        var check = new CheckHandle(scope.Loop);
        bool checkRan = false;
        prepare.Start(p => p.Loop.Stop());
        check.Start(_ => checkRan = true);

        Assert.True(scope.Loop.Run());

        Assert.True(checkRan);
        async.Close();
        prepare.Close();
        check.Close();
        scope.Finish();
    }

    [Fact]
    public void StopInsideACallbackEndsRunAfterThatIteration()
    {
        // libuv's loop_stop.
        using var scope = new LoopScope();
        var prepare = new PrepareHandle(scope.Loop);
        var timer = new TimerHandle(scope.Loop);
        int prepareCalls = 0, timerCalls = 0;
        prepare.Start(p =>
        {
            if (++prepareCalls == 10)
                p.Stop();
        });
        timer.Start(t =>
        {
            timerCalls++;
            if (timerCalls == 1)
                t.Loop.Stop();
            else if (timerCalls == 10)
                t.Stop();
        }, 1, 1);

        Assert.True(scope.Loop.Run());
        Assert.Equal(1, timerCalls);
        int prepareAtStop = prepareCalls;

        Assert.True(scope.Loop.Run(RunMode.NoWait));
        Assert.Equal(prepareAtStop + 1, prepareCalls);

        Assert.False(scope.Loop.Run());
        Assert.Equal(10, timerCalls);
        Assert.Equal(10, prepareCalls);
        prepare.Close();
        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void StopInsideACallbackLetsTheRestOfTheIterationRun()
    {
        using var scope = new LoopScope();
        var idle = new IdleHandle(scope.Loop);
        var check = new CheckHandle(scope.Loop);
        var order = new List<string>();
        idle.Start(i =>
        {
            order.Add("idle");
            i.Loop.Stop();
        });
        check.Start(_ => order.Add("check"));

        Assert.True(scope.Loop.Run());

        Assert.Equal(["idle", "check"], order);
        idle.Close();
        check.Close();
        scope.Finish();
    }

    [Fact]
    public void StopBeforeRunMakesRunReturnWithoutRunningAnything()
    {
        // libuv's loop_stop_before_run.
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        timer.Start(_ => Assert.Fail("the timer fired after Stop"), 0);

        scope.Loop.Stop();

        Assert.True(scope.Loop.Run());
        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void StopAppliesToOneRunOnly()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        int calls = 0;
        timer.Start(t =>
        {
            if (++calls == 1)
                t.Loop.Stop();
        }, 0, 1);

        Assert.True(scope.Loop.Run());
        Assert.Equal(1, calls);
        scope.RunUntil(() => calls == 3);

        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void NowIsCachedWithinAnIterationAndMovesWithUpdateTime()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        long before = 0, after = 0, updated = 0;
        timer.Start(t =>
        {
            before = t.Loop.Now;
            long target = Environment.TickCount64 + 5;
            while (Environment.TickCount64 < target)
                Thread.SpinWait(100);
            after = t.Loop.Now;
            t.Loop.UpdateTime();
            updated = t.Loop.Now;
        }, 0);

        scope.Loop.Run();

        Assert.Equal(before, after);
        Assert.True(updated > before, $"UpdateTime did not move Now ({before} -> {updated})");
        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void NowNeverGoesBackwards()
    {
        using var scope = new LoopScope();
        var idle = new IdleHandle(scope.Loop);
        long last = scope.Loop.Now;
        int ticks = 0;
        idle.Start(i =>
        {
            Assert.True(i.Loop.Now >= last);
            last = i.Loop.Now;
            if (++ticks == 1000)
                i.Stop();
        });

        scope.Loop.Run();

        idle.Close();
        scope.Finish();
    }

    [Fact]
    public void RunInsideACallbackIsAProgrammerError()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        Exception? nested = null;
        timer.Start(t => nested = Record.Exception(() => t.Loop.Run(RunMode.NoWait)), 0);

        scope.Loop.Run();

        Assert.IsType<InvalidOperationException>(nested);
        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void WalkVisitsEveryHandleNotYetClosed()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        var idle = new IdleHandle(scope.Loop);
        var check = new CheckHandle(scope.Loop);
        check.Close();

        var seen = new List<Handle>();
        scope.Loop.Walk(seen.Add);

        Assert.Equal(3, scope.Loop.HandleCount);
        Assert.Equal(new HashSet<Handle> { timer, idle, check }, seen.ToHashSet());
        scope.Loop.Run(RunMode.NoWait);
        seen.Clear();
        scope.Loop.Walk(seen.Add);
        Assert.Equal(new HashSet<Handle> { timer, idle }, seen.ToHashSet());

        timer.Close();
        idle.Close();
        scope.Finish();
    }

    [Fact]
    public void WalkLetsTheVisitorCloseHandles()
    {
        using var scope = new LoopScope();
        for (int i = 0; i < 5; i++)
            new TimerHandle(scope.Loop).Start(_ => { }, 1000);

        scope.Loop.Walk(h => h.Close());

        Assert.False(scope.Loop.Run());
        scope.Finish();
    }
}

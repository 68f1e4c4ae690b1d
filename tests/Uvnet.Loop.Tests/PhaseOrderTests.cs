using Uvnet.Io;

namespace Uvnet.Tests;

/// <summary>One iteration's phases in libuv's order: timers, pending, idle, prepare, poll, check, close callbacks.</summary>
public sealed class PhaseOrderTests
{
    [Theory]
    [InlineData(RunMode.Default)]
    [InlineData(RunMode.Once)]
    [InlineData(RunMode.NoWait)]
    public void PhasesRunInLibuvOrder(RunMode mode)
    {
        using var scope = new LoopScope();
        using var pipe = new TestPipe();
        var order = new List<string>();
        var timer = new TimerHandle(scope.Loop);
        var pending = new PendingHandle(scope.Loop, () => order.Add("pending"));
        var idle = new IdleHandle(scope.Loop);
        var prepare = new PrepareHandle(scope.Loop);
        var check = new CheckHandle(scope.Loop);
        var closing = new TimerHandle(scope.Loop);

        timer.Start(_ => order.Add("timer"), 0);
        pending.Queue();
        idle.Start(i =>
        {
            order.Add("idle");
            i.Stop();
        });
        prepare.Start(p =>
        {
            order.Add("prepare");
            p.Stop();
        });
        var poll = scope.StartPoll(pipe.ReadFd, PollEvents.Readable, (p, _, _) =>
        {
            order.Add("poll");
            p.Stop();
        });
        Assert.Equal(1, pipe.Write());
        check.Start(c =>
        {
            order.Add("check");
            c.Stop();
        });
        closing.Close(_ => order.Add("close"));

        scope.Loop.Run(mode);

        Assert.Equal(["timer", "pending", "idle", "prepare", "poll", "check", "close"], order);
        foreach (Handle h in new Handle[] { timer, pending, idle, prepare, poll, check })
            h.Close();
        scope.Finish();
    }

    [Fact]
    public void WatchersOfOnePhaseRunInStartOrder()
    {
        using var scope = new LoopScope();
        var order = new List<int>();
        var idles = new IdleHandle[5];
        for (int i = 0; i < idles.Length; i++)
            idles[i] = new IdleHandle(scope.Loop);
        foreach (int i in new[] { 3, 0, 4, 1, 2 })
            idles[i].Start(h =>
            {
                order.Add(i);
                h.Stop();
            });

        scope.Loop.Run();

        Assert.Equal([3, 0, 4, 1, 2], order);
        foreach (var h in idles)
            h.Close();
        scope.Finish();
    }

    [Fact]
    public void ActiveIdleHandleKeepsThePollFromBlockingButTimersStillFire()
    {
        // libuv's idle_starvation: with an idle handle the loop spins, and the 50 ms timer still fires.
        using var scope = new LoopScope();
        var idle = new IdleHandle(scope.Loop);
        var check = new CheckHandle(scope.Loop);
        var timer = new TimerHandle(scope.Loop);
        int idleCalls = 0, checkCalls = 0, closeCalls = 0;
        idle.Start(_ => idleCalls++);
        check.Start(_ => checkCalls++);
        timer.Start(_ =>
        {
            idle.Close(_ => closeCalls++);
            check.Close(_ => closeCalls++);
            timer.Close(_ => closeCalls++);
        }, 50);

        Assert.False(scope.Loop.Run());

        Assert.True(idleCalls > 1);
        Assert.Equal(idleCalls, checkCalls);
        Assert.Equal(3, closeCalls);
        scope.Finish();
    }

    [Fact]
    public void IdleStoppedInItsCallbackStillLetsCheckRunInRunOnce()
    {
        // libuv's idle_check.
        using var scope = new LoopScope();
        var idle = new IdleHandle(scope.Loop);
        var check = new CheckHandle(scope.Loop);
        int checkCalls = 0;
        idle.Start(i => i.Stop());
        check.Start(_ => checkCalls++);

        Assert.True(scope.Loop.Run(RunMode.Once));

        Assert.Equal(1, checkCalls);
        idle.Close();
        check.Close();
        scope.Finish();
    }

    [Fact]
    public void PendingCallbackQueuedByAPendingCallbackRunsAgainAfterThePollEightTimesAtMost()
    {
        // libuv's uv_run (since 1.44.2): the pending phase before the poll, then up to eight more passes after it
        // "to avoid loop starvation"; what a callback queues beyond them waits for the next iteration.
        using var scope = new LoopScope();
        int calls = 0;
        PendingHandle? handle = null;
        handle = new PendingHandle(scope.Loop, () =>
        {
            if (++calls < 100)
                handle!.Queue();
        });
        handle.Queue();

        scope.Loop.Run(RunMode.NoWait);
        Assert.Equal(9, calls);
        scope.Loop.Run(RunMode.NoWait);
        Assert.Equal(18, calls);

        handle.Close();
        scope.Finish();
    }

    [Fact]
    public void PendingCallbackKeepsThePollFromBlocking()
    {
        // Only an async handle, never sent to, keeps the loop alive: work queued for the pending phase by a
        // prepare callback must make the poll return at once, not wait for a send that never comes.
        using var scope = new LoopScope();
        var async = new AsyncHandle(scope.Loop, _ => { });
        var prepare = new PrepareHandle(scope.Loop);
        PendingHandle? pending = null;
        pending = new PendingHandle(scope.Loop, () =>
        {
            async.Close();
            prepare.Close();
            pending!.Close();
        });
        prepare.Start(p =>
        {
            p.Stop();
            pending.Queue();
        });

        Assert.False(scope.Loop.Run());

        scope.Finish();
    }

    /// <summary>An I/O handle with no descriptor whose only use is the pending queue (no public handle queues pending work yet).</summary>
    private sealed class PendingHandle(Loop loop, Action onPending) : IoHandle(loop)
    {
        public void Queue() => Loop.QueuePending(this);

        internal override void OnIo(IoEvents events)
        {
        }

        internal override void OnPending() => onPending();
    }
}

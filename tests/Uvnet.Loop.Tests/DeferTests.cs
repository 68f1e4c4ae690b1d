using System.Runtime.CompilerServices;

namespace Uvnet.Tests;

/// <summary>
/// Loop.Defer: work the loop's own thread leaves for later in the iteration, run once the poll's callbacks returned and
/// before the check phase, without writing the wakeup descriptor that Post writes.
/// </summary>
public sealed class DeferTests
{
    [Fact]
    public void A_callback_deferred_by_a_poll_callback_runs_after_it_returns_and_before_check()
    {
        using var scope = new LoopScope();
        using var pipe = new TestPipe();
        var order = new List<string>();
        var check = new CheckHandle(scope.Loop);
        check.Start(_ => order.Add("check"));
        var poll = scope.StartPoll(pipe.ReadFd, PollEvents.Readable, (p, _, _) =>
        {
            p.Stop();
            scope.Loop.Defer(static list => list.Add("deferred"), order);
            order.Add("poll returns");
        });
        Assert.Equal(1, pipe.Write());

        scope.Loop.Run(RunMode.NoWait);

        Assert.Equal(["poll returns", "deferred", "check"], order);
        check.Close();
        poll.Close();
        scope.Finish();
    }

    [Fact]
    public void A_callback_deferred_by_a_timer_runs_before_the_poll()
    {
        // Left for after the poll, it would make that poll return at once, an empty epoll_wait every time.
        using var scope = new LoopScope();
        var order = new List<string>();
        var timer = new TimerHandle(scope.Loop);
        var prepare = new PrepareHandle(scope.Loop);
        prepare.Start(_ => order.Add("prepare"));
        timer.Start(_ =>
        {
            scope.Loop.Defer(static list => list.Add("deferred"), order);
            order.Add("timer returns");
        }, 0);

        scope.Loop.Run(RunMode.NoWait);

        Assert.Equal(["timer returns", "deferred", "prepare"], order);
        prepare.Close();
        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void Deferring_from_the_loop_thread_writes_no_wakeup_while_posting_does()
    {
        using var scope = new LoopScope();
        scope.Loop.Run(RunMode.NoWait); // the loop has run on this thread: it is the loop's
        long before = scope.Loop.WakeupWrites;
        var ran = new StrongBox<int>();

        scope.Loop.Defer(static r => r.Value++, ran);
        long afterDefer = scope.Loop.WakeupWrites;
        scope.Loop.Post(static r => r.Value++, ran);

        Assert.Equal(before, afterDefer);
        Assert.Equal(before + 1, scope.Loop.WakeupWrites);
        Assert.False(scope.Loop.Run());
        Assert.Equal(2, ran.Value);
        scope.Finish();
    }

    [Fact]
    public void Deferred_callbacks_run_in_order_and_keep_the_loop_alive()
    {
        using var scope = new LoopScope();
        scope.Loop.Run(RunMode.NoWait);
        var order = new List<int>();

        for (int i = 0; i < 100; i++)
            scope.Loop.Defer(static s => s.Order.Add(s.N), (Order: order, N: i));

        Assert.True(scope.Loop.IsAlive);
        Assert.Equal(UvError.EBUSY, scope.Loop.Close());
        Assert.False(scope.Loop.Run());
        Assert.Equal(Enumerable.Range(0, 100), order);
        scope.Finish();
    }

    [Fact]
    public void A_callback_that_always_defers_again_lets_the_iteration_end()
    {
        // Each pass runs what was deferred before it began, and an iteration runs a few passes: the poll comes round.
        using var scope = new LoopScope();
        scope.Loop.Run(RunMode.NoWait);
        var runs = new StrongBox<int>();
        Action<StrongBox<int>>? again = null;
        again = box =>
        {
            box.Value++;
            if (box.Value < 1_000)
                scope.Loop.Defer(again!, box);
        };
        scope.Loop.Defer(again, runs);

        scope.Loop.Run(RunMode.NoWait);

        Assert.InRange(runs.Value, 1, 100);
        scope.RunUntil(() => runs.Value == 1_000, RunMode.NoWait);
        scope.Finish();
    }

    [Fact]
    public void A_deferral_from_another_thread_is_posted()
    {
        using var scope = new LoopScope();
        scope.Loop.Run(RunMode.NoWait);
        var ranOn = new StrongBox<int>();
        var keepAlive = new AsyncHandle(scope.Loop, _ => { });
        var other = new Thread(() => scope.Loop.Defer(static s =>
        {
            s.RanOn.Value = Environment.CurrentManagedThreadId;
            s.KeepAlive.Close();
        }, (RanOn: ranOn, KeepAlive: keepAlive)));

        other.Start();
        Assert.False(scope.Loop.Run()); // blocks in its poll until the post wakes it

        Assert.Equal(Environment.CurrentManagedThreadId, ranOn.Value);
        Assert.True(other.Join(LoopScope.DeadlineMs));
        scope.Finish();
    }

    [Fact]
    public void Run_once_that_ran_work_deferred_by_a_close_callback_does_not_wait_in_the_poll()
    {
        // The deferred work was this iteration's to do before the poll, as a pending callback is (libuv's can_sleep):
        // Run(Once) waited for the next I/O or timer after running it, here a minute, so a caller driving the loop
        // with Run(Once) until the work's effect shows stalled.
        using var scope = new LoopScope();
        var far = new TimerHandle(scope.Loop);
        far.Start(static _ => { }, 60_000);
        var ran = new StrongBox<bool>();
        var closing = new CheckHandle(scope.Loop);
        closing.Close(_ => scope.Loop.Defer(static r => r.Value = true, ran));

        Assert.True(scope.Loop.Run(RunMode.Once)); // its close callback defers
        Assert.False(ran.Value);
        Assert.True(scope.Loop.Run(RunMode.Once)); // runs the deferred work, and returns without waiting for the timer

        Assert.True(ran.Value);
        far.Close();
        scope.Finish();
    }

    [Fact]
    public void A_deferred_callback_that_throws_leaves_those_after_it_queued_in_order()
    {
        using var scope = new LoopScope();
        scope.Loop.Run(RunMode.NoWait);
        var order = new List<int>();
        scope.Loop.Defer(static list => list.Add(1), order);
        scope.Loop.Defer(static _ => throw new InvalidOperationException("deferred"), order);
        scope.Loop.Defer(static list => list.Add(3), order);

        Assert.Throws<InvalidOperationException>(() => scope.Loop.Run(RunMode.NoWait));
        Assert.Equal([1], order);
        Assert.True(scope.Loop.IsAlive);
        Assert.False(scope.Loop.Run());

        Assert.Equal([1, 3], order);
        scope.Finish();
    }

    [Fact]
    public void Callbacks_deferred_while_the_ring_drains_and_grows_keep_their_order()
    {
        // The ring (16 at first) wraps, then grows while a pass takes from it: the pass reads the new ring.
        using var scope = new LoopScope();
        scope.Loop.Run(RunMode.NoWait);
        var order = new List<int>();
        for (int i = 0; i < 10; i++)
            scope.Loop.Defer(static s => s.Order.Add(s.N), (Order: order, N: i));
        scope.Loop.Run(RunMode.NoWait); // the ring's start is now past its middle
        for (int i = 10; i < 20; i++)
        {
            scope.Loop.Defer(static s =>
            {
                s.Order.Add(s.N);
                for (int j = 0; j < 5; j++)
                    s.Loop.Defer(static t => t.Order.Add(t.N), (Order: s.Order, N: 100 * s.N + j));
            }, (Loop: scope.Loop, Order: order, N: i));
        }

        Assert.False(scope.Loop.Run());

        int[] expected = [.. Enumerable.Range(0, 20), .. Enumerable.Range(10, 10).SelectMany(n => Enumerable.Range(0, 5).Select(j => 100 * n + j))];
        Assert.Equal(expected, order);
        scope.Finish();
    }

    [Fact]
    public void Deferring_on_a_closed_loop_throws()
    {
        var loop = new Loop();
        loop.Run(RunMode.NoWait);
        Assert.Equal(0, loop.Close());
        Assert.Throws<ObjectDisposedException>(() => loop.Defer(static _ => { }, 0));
    }
}

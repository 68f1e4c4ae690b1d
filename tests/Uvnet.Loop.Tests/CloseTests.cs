namespace Uvnet.Tests;

/// <summary>Handle.Close: the callback runs in the closing phase, once, in order; after libuv's test-close-order.c.</summary>
public sealed class CloseTests
{
    [Fact]
    public void CloseCallbackNeverRunsInsideClose()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        bool closed = false;

        timer.Close(_ => closed = true);

        Assert.False(closed);
        Assert.True(timer.IsClosing);
        Assert.False(timer.IsClosed);
        scope.Loop.Run();
        Assert.True(closed);
        Assert.True(timer.IsClosed);
        scope.Finish();
    }

    [Fact]
    public void CloseCallbackGetsTheHandleAndSeesItClosed()
    {
        using var scope = new LoopScope();
        var idle = new IdleHandle(scope.Loop);
        Handle? received = null;

        idle.Close(h =>
        {
            received = h;
            Assert.True(h.IsClosed);
            Assert.False(h.IsActive);
        });
        scope.Loop.Run();

        Assert.Same(idle, received);
        scope.Finish();
    }

    [Fact]
    public void CloseCallbackRunsAfterCheckInTheSameIteration()
    {
        // libuv's close_order: handles closed by a timer and by a check callback all finish in that
        // iteration's closing phase, after check.
        using var scope = new LoopScope();
        var check = new CheckHandle(scope.Loop);
        var timer1 = new TimerHandle(scope.Loop);
        var timer2 = new TimerHandle(scope.Loop);
        var order = new List<string>();
        check.Start(c =>
        {
            order.Add("check");
            c.Close(_ => order.Add("close check"));
            timer2.Close(_ => order.Add("close timer2"));
        });
        timer1.Start(t =>
        {
            order.Add("timer1");
            t.Close(_ => order.Add("close timer1"));
        }, 0);
        timer2.Start(_ => Assert.Fail("timer2 fired"), 100_000);

        scope.Loop.Run(RunMode.Once);

        Assert.Equal(["timer1", "check", "close timer1", "close check", "close timer2"], order);
        scope.Finish();
    }

    [Fact]
    public void CloseCallbacksRunInTheOrderTheHandlesWereClosed()
    {
        using var scope = new LoopScope();
        var order = new List<int>();
        var timers = Enumerable.Range(0, 10).Select(_ => new TimerHandle(scope.Loop)).ToArray();
        foreach (int i in new[] { 4, 9, 0, 7, 2, 1, 8, 3, 6, 5 })
            timers[i].Close(_ => order.Add(i));

        scope.Loop.Run();

        Assert.Equal([4, 9, 0, 7, 2, 1, 8, 3, 6, 5], order);
        scope.Finish();
    }

    [Fact]
    public void CloseCallbackRunsOnce()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        int calls = 0;
        timer.Close(_ => calls++);

        for (int i = 0; i < 3; i++)
            scope.Loop.Run(RunMode.NoWait);

        Assert.Equal(1, calls);
        scope.Finish();
    }

    [Fact]
    public void HandleClosedByACloseCallbackFinishesInTheNextIteration()
    {
        using var scope = new LoopScope();
        var first = new TimerHandle(scope.Loop);
        var second = new TimerHandle(scope.Loop);
        bool secondClosed = false;
        first.Close(_ => second.Close(_ => secondClosed = true));

        Assert.True(scope.Loop.Run(RunMode.NoWait));
        Assert.False(secondClosed);
        Assert.False(scope.Loop.Run(RunMode.NoWait));
        Assert.True(secondClosed);
        scope.Finish();
    }

    [Fact]
    public void ClosingTwiceIsAProgrammerError()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        int calls = 0;
        timer.Close(_ => calls++);

        var error = Assert.Throws<InvalidOperationException>(() => timer.Close(_ => calls++));
        Assert.Contains("closing", error.Message);

        scope.Loop.Run();
        Assert.Throws<InvalidOperationException>(() => timer.Close());
        Assert.Equal(1, calls);
        scope.Finish();
    }

    [Fact]
    public void ClosingAnActiveHandleStopsIt()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        var idle = new IdleHandle(scope.Loop);
        timer.Start(_ => Assert.Fail("a closed timer fired"), 0);
        idle.Start(_ => Assert.Fail("a closed idle handle ran"));

        timer.Close();
        idle.Close();

        Assert.False(timer.IsActive);
        Assert.False(idle.IsActive);
        Assert.False(scope.Loop.Run());
        scope.Finish();
    }

    [Fact]
    public void HandleClosedByAnEarlierCallbackOfTheSamePhaseDoesNotRun()
    {
        using var scope = new LoopScope();
        var first = new IdleHandle(scope.Loop);
        var second = new IdleHandle(scope.Loop);
        first.Start(i =>
        {
            second.Close();
            i.Close();
        });
        second.Start(_ => Assert.Fail("a closed idle handle ran"));

        scope.Loop.Run();

        scope.Finish();
    }

    [Fact]
    public void DisposeClosesTheHandleOnce()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        timer.Start(_ => { }, 1000);

        timer.Dispose();
        timer.Dispose();

        Assert.True(timer.IsClosing);
        Assert.False(scope.Loop.Run());
        scope.Finish();
    }

    [Fact]
    public void StartingAClosedWatcherIsAProgrammerError()
    {
        using var scope = new LoopScope();
        var idle = new IdleHandle(scope.Loop);
        idle.Close();
        scope.Loop.Run();

        Assert.Throws<ObjectDisposedException>(() => idle.Start(_ => { }));
        scope.Finish();
    }
}

namespace Uvnet.Tests;

/// <summary>Loop.Close and Dispose refuse with EBUSY while handles, queued work or posted callbacks remain, as uv_loop_close.</summary>
public sealed class LoopCloseTests
{
    [Fact]
    public void CloseOfAnEmptyLoopReturnsZero()
    {
        var loop = new Loop();

        Assert.Equal(0, loop.Close());
        Assert.Equal(0, loop.Close());
        loop.Dispose();
    }

    [Fact]
    public void CloseIsBusyWhileAnInactiveHandleRemains()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);

        Assert.Equal(UvError.EBUSY, scope.Loop.Close());

        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void CloseIsBusyUntilTheCloseCallbacksRan()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        timer.Close();

        Assert.Equal(UvError.EBUSY, scope.Loop.Close());

        scope.Loop.Run();
        Assert.Equal(0, scope.Loop.HandleCount);
        scope.Finish();
    }

    [Fact]
    public void CloseRefusesWithoutChangingTheLoop()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        bool fired = false;
        timer.Start(_ => fired = true, 0);

        Assert.Equal(UvError.EBUSY, scope.Loop.Close());
        scope.Loop.Run();

        Assert.True(fired);
        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void CloseInsideACallbackIsBusy()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        int status = 0;
        timer.Start(t =>
        {
            t.Close();
            status = t.Loop.Close();
        }, 0);

        scope.Loop.Run();

        Assert.Equal(UvError.EBUSY, status);
        scope.Finish();
    }

    [Fact]
    public void DisposeWhileHandlesRemainThrowsAndLeavesTheLoopUsable()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);

        var error = Assert.Throws<InvalidOperationException>(scope.Loop.Dispose);
        Assert.Contains("EBUSY", error.Message);

        timer.Start(_ => { }, 0);
        scope.Loop.Run();
        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void ClosedLoopRefusesRunAndNewHandles()
    {
        var loop = new Loop();
        Assert.Equal(0, loop.Close());

        Assert.Throws<ObjectDisposedException>(() => loop.Run());
        Assert.Throws<ObjectDisposedException>(() => new TimerHandle(loop));
    }

    [Fact]
    public void CloseIsBusyUntilQueuedWorkCalledBack()
    {
        using var scope = new LoopScope();
        using var release = new ManualResetEventSlim();
        int result = 0;
        scope.Loop.QueueWork(() =>
        {
            release.Wait(); // the work stays in flight until the test lets it go
            return 42;
        }, (r, _) => result = r);

        Assert.Equal(UvError.EBUSY, scope.Loop.Close());
        Assert.Throws<InvalidOperationException>(scope.Loop.Dispose);

        release.Set();
        Assert.False(scope.Loop.Run());
        Assert.Equal(42, result);
        scope.Finish();
    }

    [Fact]
    public void CloseIsBusyUntilPostedCallbacksRan()
    {
        using var scope = new LoopScope();
        bool ran = false;
        scope.Loop.Post(() => ran = true);

        Assert.Equal(UvError.EBUSY, scope.Loop.Close());

        Assert.False(scope.Loop.Run());
        Assert.True(ran);
        scope.Finish();
    }

    [Fact]
    public void PostToAClosedLoopThrows()
    {
        var loop = new Loop();
        Assert.Equal(0, loop.Close());

        Assert.Throws<ObjectDisposedException>(() => loop.Post(() => { }));
        Assert.Throws<ObjectDisposedException>(() => loop.Post(static _ => { }, "state"));
    }

    [Fact]
    public void EveryPostRacingCloseEitherRunsOrThrows()
    {
        // A thread posts without pause while the loop thread tries to close: the close succeeds only between
        // posts (or once the poster is done), and no post may be accepted and then dropped.
        const int MaxPosts = 1_000_000;
        var loop = new Loop();
        int accepted = 0, ran = 0;
        var poster = new Thread(() =>
        {
            try
            {
                while (accepted < MaxPosts)
                {
                    loop.Post(() => ran++);
                    Volatile.Write(ref accepted, accepted + 1);
                }
            }
            catch (ObjectDisposedException)
            {
                // the loop closed: this post was refused, not lost
            }
        })
        { IsBackground = true }; // should the loop never close, the test fails without a poster left running
        poster.Start();

        // The race needs the poster running: a close before its first post would test nothing (and under load the
        // thread can start late).
        long deadline = Environment.TickCount64 + LoopScope.DeadlineMs;
        while (Volatile.Read(ref accepted) == 0)
        {
            Assert.True(Environment.TickCount64 < deadline, "the poster never posted");
            Thread.Yield();
        }
        while (loop.Close() == UvError.EBUSY)
        {
            Assert.True(Environment.TickCount64 < deadline, "the loop never closed");
            loop.Run(RunMode.NoWait);
        }

        Assert.True(poster.Join(LoopScope.DeadlineMs));
        Assert.True(accepted > 0);
        Assert.Equal(accepted, ran);
    }
}

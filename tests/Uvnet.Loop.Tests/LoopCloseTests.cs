namespace Uvnet.Tests;

/// <summary>Loop.Close and Dispose refuse with EBUSY while handles remain, as uv_loop_close.</summary>
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
}

namespace Uvnet.Tests;

/// <summary>IdleHandle, PrepareHandle and CheckHandle: Start and Stop, once per iteration; after libuv's test-idle.c and test-loop-handles.c.</summary>
public sealed class WatcherTests
{
    [Fact]
    public void IdleRunsOncePerIterationWhileStarted()
    {
        using var scope = new LoopScope();
        var idle = new IdleHandle(scope.Loop);
        int calls = 0;

        idle.Start(_ => calls++);
        Assert.True(idle.IsActive);
        for (int i = 0; i < 3; i++)
            scope.Loop.Run(RunMode.NoWait);
        idle.Stop();
        Assert.False(idle.IsActive);
        scope.Loop.Run(RunMode.NoWait);

        Assert.Equal(3, calls);
        idle.Close();
        scope.Finish();
    }

    [Fact]
    public void PrepareAndCheckRunOncePerIterationWhileStarted()
    {
        using var scope = new LoopScope();
        var prepare = new PrepareHandle(scope.Loop);
        var check = new CheckHandle(scope.Loop);
        int prepares = 0, checks = 0;
        prepare.Start(_ => prepares++);
        check.Start(_ => checks++);

        for (int i = 0; i < 3; i++)
            scope.Loop.Run(RunMode.NoWait);
        prepare.Stop();
        check.Stop();
        scope.Loop.Run(RunMode.NoWait);

        Assert.Equal(3, prepares);
        Assert.Equal(3, checks);
        prepare.Close();
        check.Close();
        scope.Finish();
    }

    [Fact]
    public void StartingAStartedWatcherOnlyReplacesTheCallback()
    {
        using var scope = new LoopScope();
        var idle = new IdleHandle(scope.Loop);
        var calls = new List<string>();
        idle.Start(_ => calls.Add("first"));

        idle.Start(_ => calls.Add("second"));
        scope.Loop.Run(RunMode.NoWait);

        Assert.Equal(["second"], calls);
        idle.Close();
        scope.Finish();
    }

    [Fact]
    public void StopIsIdempotent()
    {
        using var scope = new LoopScope();
        var check = new CheckHandle(scope.Loop);
        check.Start(_ => { });

        check.Stop();
        check.Stop();

        Assert.False(check.IsActive);
        Assert.False(scope.Loop.IsAlive);
        check.Close();
        scope.Finish();
    }

    [Fact]
    public void WatcherStartedDuringItsOwnPhaseRunsFromTheNextIteration()
    {
        using var scope = new LoopScope();
        var first = new IdleHandle(scope.Loop);
        var late = new IdleHandle(scope.Loop);
        int lateCalls = 0;
        first.Start(f =>
        {
            f.Stop();
            late.Start(_ => lateCalls++);
        });

        scope.Loop.Run(RunMode.NoWait);
        Assert.Equal(0, lateCalls);
        scope.Loop.Run(RunMode.NoWait);
        Assert.Equal(1, lateCalls);

        first.Close();
        late.Close();
        scope.Finish();
    }

    [Fact]
    public void WatcherStoppedByAnEarlierOneOfTheSamePhaseDoesNotRun()
    {
        using var scope = new LoopScope();
        var first = new CheckHandle(scope.Loop);
        var second = new CheckHandle(scope.Loop);
        first.Start(_ => second.Stop());
        second.Start(_ => Assert.Fail("a stopped check handle ran"));

        scope.Loop.Run(RunMode.NoWait);

        first.Close();
        second.Close();
        scope.Finish();
    }

    [Fact]
    public void WatchersStoppedAndRestartedManyTimesStillRunOncePerIteration()
    {
        using var scope = new LoopScope();
        var idles = Enumerable.Range(0, 8).Select(_ => new IdleHandle(scope.Loop)).ToArray();
        int calls = 0;
        for (int round = 0; round < 50; round++)
            foreach (var idle in idles)
            {
                idle.Start(_ => calls++);
                if (round < 49)
                    idle.Stop();
            }

        scope.Loop.Run(RunMode.NoWait);

        Assert.Equal(idles.Length, calls);
        foreach (var idle in idles)
            idle.Close();
        scope.Finish();
    }
}

namespace Uvnet.Tests;

/// <summary>Ref, Unref and HasRef: an unreferenced active handle does not keep Run alive; after libuv's test-ref.c.</summary>
public sealed class RefTests
{
    public static TheoryData<string> Kinds => ["timer", "idle", "prepare", "check", "async", "poll"];

    [Fact]
    public void HandlesAreReferencedByDefault()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);

        Assert.True(timer.HasRef);
        timer.Unref();
        Assert.False(timer.HasRef);
        timer.Ref();
        Assert.True(timer.HasRef);

        timer.Close();
        scope.Finish();
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void UnreferencedActiveHandleDoesNotKeepRunAlive(string kind)
    {
        // libuv's timer_ref2, idle_ref, prepare_ref, check_ref, async_ref.
        using var scope = new LoopScope();
        using var pipe = new TestPipe();
        Handle handle = StartNeverEnding(scope.Loop, kind, pipe);
        Assert.True(handle.IsActive);

        handle.Unref();

        Assert.False(scope.Loop.IsAlive);
        Assert.False(scope.Loop.Run());
        Assert.True(handle.IsActive);
        handle.Close();
        scope.Finish();
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ReferencingAgainKeepsTheLoopAlive(string kind)
    {
        using var scope = new LoopScope();
        using var pipe = new TestPipe();
        Handle handle = StartNeverEnding(scope.Loop, kind, pipe);

        handle.Unref();
        handle.Ref();

        Assert.True(scope.Loop.IsAlive);
        Assert.True(scope.Loop.Run(RunMode.NoWait));
        handle.Close();
        scope.Finish();
    }

    [Fact]
    public void RefAndUnrefAreIdempotent()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        var other = new TimerHandle(scope.Loop);
        timer.Start(_ => { }, 1000);
        other.Start(_ => { }, 1000);
        other.Unref();

        timer.Unref();
        timer.Unref();
        timer.Ref();
        Assert.True(scope.Loop.IsAlive);
        timer.Ref();
        timer.Unref();

        Assert.False(scope.Loop.IsAlive);
        timer.Close();
        other.Close();
        scope.Finish();
    }

    [Fact]
    public void UnreferencedHandleStaysUnreferencedWhenRestarted()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        timer.Unref();

        timer.Start(_ => Assert.Fail("the timer fired"), 1000);

        Assert.False(scope.Loop.Run());
        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void UnrefInsideAPrepareCallbackEndsRun()
    {
        // libuv's unref_in_prepare_cb.
        using var scope = new LoopScope();
        var prepare = new PrepareHandle(scope.Loop);
        int calls = 0;
        prepare.Start(p =>
        {
            calls++;
            p.Unref();
        });

        Assert.False(scope.Loop.Run());

        Assert.Equal(1, calls);
        prepare.Close();
        scope.Finish();
    }

    [Fact]
    public void UnreferencedTimerStillFiresWhileTheLoopRunsForSomethingElse()
    {
        using var scope = new LoopScope();
        var unreferenced = new TimerHandle(scope.Loop);
        var referenced = new TimerHandle(scope.Loop);
        bool fired = false;
        unreferenced.Start(_ => fired = true, 1);
        unreferenced.Unref();
        referenced.Start(_ => { }, 30);

        scope.Loop.Run();

        Assert.True(fired);
        unreferenced.Close();
        referenced.Close();
        scope.Finish();
    }

    [Fact]
    public void ClosingAnUnreferencedHandleKeepsTheLoopAliveUntilItsCloseCallback()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        timer.Unref();
        bool closed = false;

        timer.Close(_ => closed = true);

        Assert.True(scope.Loop.IsAlive);
        Assert.False(scope.Loop.Run());
        Assert.True(closed);
        scope.Finish();
    }

    private static Handle StartNeverEnding(Loop loop, string kind, TestPipe pipe)
    {
        switch (kind)
        {
            case "timer":
                var timer = new TimerHandle(loop);
                timer.Start(_ => Assert.Fail("the timer fired"), 100_000);
                return timer;
            case "idle":
                var idle = new IdleHandle(loop);
                idle.Start(_ => { });
                return idle;
            case "prepare":
                var prepare = new PrepareHandle(loop);
                prepare.Start(_ => { });
                return prepare;
            case "check":
                var check = new CheckHandle(loop);
                check.Start(_ => { });
                return check;
            case "async":
                return new AsyncHandle(loop, _ => Assert.Fail("nothing was sent"));
            default:
                var poll = new PollHandle(loop, pipe.ReadFd);
                Assert.Equal(0, poll.Start(PollEvents.Readable, (_, _, _) => Assert.Fail("nothing was written")));
                return poll;
        }
    }
}

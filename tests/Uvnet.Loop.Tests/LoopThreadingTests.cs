namespace Uvnet.Tests;

/// <summary>The default loop, independent loops on their own threads, and the one-thread-at-a-time rule.</summary>
public sealed class LoopThreadingTests
{
    // The only tests that touch Loop.Default: xunit runs one class's tests one at a time, so they cannot collide.
    [Fact]
    public void DefaultLoopIsOneLoopForTheProcess()
    {
        Loop loop = Loop.Default;
        using var other = new Loop();

        Assert.Same(loop, Loop.Default);
        Assert.NotSame(loop, other);
    }

    [Fact]
    public void DefaultLoopRunsHandlesAndClosesCleanly()
    {
        using var scope = new LoopScope(Loop.Default);
        var timer = new TimerHandle(scope.Loop);
        bool fired = false;
        timer.Start(_ => fired = true, 1);

        Assert.False(scope.Loop.Run());

        Assert.True(fired);
        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void DefaultLoopIsCreatedAgainAfterItWasClosed()
    {
        // uv_default_loop after uv_loop_close(uv_default_loop()) gives a fresh loop: libuv's tests rely on it.
        Loop first = Loop.Default;
        Assert.Equal(0, first.Close());

        Loop second = Loop.Default;

        Assert.NotSame(first, second);
        using var scope = new LoopScope(second);
        var idle = new IdleHandle(second);
        idle.Start(i => i.Close());
        Assert.False(second.Run());
        scope.Finish();
    }

    [Fact]
    public void IndependentLoopsRunAtTheSameTimeOnTheirOwnThreads()
    {
        const int loops = 4;
        var errors = new Exception?[loops];
        var threads = new Thread[loops];
        int[] fired = new int[loops];
        for (int n = 0; n < loops; n++)
        {
            int index = n;
            threads[n] = new Thread(() => errors[index] = Record.Exception(() =>
            {
                using var scope = new LoopScope();
                int loopThread = Environment.CurrentManagedThreadId;
                var timer = new TimerHandle(scope.Loop);
                timer.Start(t =>
                {
                    Assert.Equal(loopThread, Environment.CurrentManagedThreadId);
                    if (++fired[index] == 20)
                        t.Close();
                }, 1, 1);
                Assert.False(scope.Loop.Run());
                scope.Finish();
            }));
            threads[n].Start();
        }

        foreach (var thread in threads)
            Assert.True(thread.Join(LoopScope.DeadlineMs));
        Assert.All(errors, Assert.Null);
        Assert.All(fired, count => Assert.Equal(20, count));
    }

    [Fact]
    public void ALoopCanBeDrivenByAnotherThreadOnceTheFirstStopped()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        var threadsSeen = new List<int>();
        timer.Start(_ => threadsSeen.Add(Environment.CurrentManagedThreadId), 0);
        scope.Loop.Run();

        var other = new Thread(() =>
        {
            timer.Start(_ => threadsSeen.Add(Environment.CurrentManagedThreadId), 0);
            scope.Loop.Run();
        });
        other.Start();
        Assert.True(other.Join(LoopScope.DeadlineMs));

        Assert.Equal([Environment.CurrentManagedThreadId, other.ManagedThreadId], threadsSeen);
        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void UsingARunningLoopFromAnotherThreadIsAProgrammerError()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        var errors = new List<Exception?>();
        timer.Start(t =>
        {
            var other = new Thread(() =>
            {
                errors.Add(Record.Exception(() => t.Loop.Run(RunMode.NoWait)));
                errors.Add(Record.Exception(() => t.Start(_ => { }, 0)));
                errors.Add(Record.Exception(() => new IdleHandle(t.Loop)));
                errors.Add(Record.Exception(t.Loop.Stop));
            });
            other.Start();
            Assert.True(other.Join(LoopScope.DeadlineMs));
        }, 0);

        scope.Loop.Run();

        Assert.Equal(4, errors.Count);
        Assert.All(errors, e => Assert.IsType<InvalidOperationException>(e));
        timer.Close();
        scope.Finish();
    }
}

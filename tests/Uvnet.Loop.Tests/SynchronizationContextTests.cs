using Uvnet.Threading;

namespace Uvnet.Tests;

/// <summary>While a loop runs its SynchronizationContext is current, so awaits in callbacks resume on the loop thread; Loop.RunUntil.</summary>
public sealed class SynchronizationContextTests
{
    [Fact]
    public void PostingNoCallbackThrowsAtTheCallAndQueuesNothing()
    {
        using var scope = new LoopScope();
        var context = new LoopSynchronizationContext(scope.Loop);
        Assert.Throws<ArgumentNullException>(() => context.Post(null!, null));
        Assert.Throws<ArgumentNullException>(() => context.Send(null!, null));
        Assert.False(scope.Loop.IsAlive); // nothing queued that would fail inside Run
        scope.Finish();
    }

    [Fact]
    public void AContinuationPostedAfterTheLoopClosedIsDroppedNotThrown()
    {
        // An await still pending when the loop closed (work the loop did not know of) resumes through Post, called by
        // the TPL on the thread that completed the awaited task: an exception there is rethrown on the thread pool,
        // which ends the process. The explicit Loop.Post still throws to its caller.
        var loop = new Loop();
        var context = new LoopSynchronizationContext(loop);
        Assert.Equal(0, loop.Close());
        bool ran = false;
        context.Post(_ => ran = true, null);
        Assert.False(ran);
        Assert.Throws<ObjectDisposedException>(() => loop.Post(() => { }));
        Assert.Throws<ObjectDisposedException>(() => context.Send(_ => ran = true, null)); // its caller waits: it must know
        Assert.False(ran);
    }

    [Fact]
    public void LoopContextIsCurrentInsideCallbacksAndRestoredAfterRun()
    {
        using var scope = new LoopScope();
        var before = SynchronizationContext.Current;
        SynchronizationContext? inside = null;
        var timer = new TimerHandle(scope.Loop);
        timer.Start(_ => inside = SynchronizationContext.Current, 0);

        scope.Loop.Run();

        var context = Assert.IsType<LoopSynchronizationContext>(inside);
        Assert.Same(scope.Loop, context.Loop);
        Assert.Same(before, SynchronizationContext.Current);
        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void AwaitInsideACallbackResumesOnTheLoopThread()
    {
        using var scope = new LoopScope();
        int loopThread = Environment.CurrentManagedThreadId;
        int resumedOn = 0, awaitedOn = 0;
        var timer = new TimerHandle(scope.Loop);
        timer.Start(async t =>
        {
            awaitedOn = await Task.Run(() => Environment.CurrentManagedThreadId);
            resumedOn = Environment.CurrentManagedThreadId;
            t.Close();
        }, 0);

        scope.RunUntil(() => resumedOn != 0);

        Assert.NotEqual(loopThread, awaitedOn);
        Assert.Equal(loopThread, resumedOn);
        scope.Finish();
    }

    [Fact]
    public void TaskYieldInsideACallbackResumesOnTheLoopBeforeTheCheckPhase()
    {
        using var scope = new LoopScope();
        var order = new List<string>();
        var idle = new IdleHandle(scope.Loop);
        idle.Start(async i =>
        {
            i.Stop();
            order.Add("before yield");
            await Task.Yield();
            order.Add("after yield");
            i.Close();
        });
        var check = new CheckHandle(scope.Loop);
        check.Start(c =>
        {
            order.Add("check");
            c.Close();
        });

        scope.RunUntil(() => idle.IsClosing);

        Assert.Equal(["before yield", "after yield", "check"], order);
        scope.Finish();
    }

    [Fact]
    public void ExceptionAfterAnAwaitInAnAsyncCallbackLeavesRun()
    {
        // An async void callback's exception is posted to the loop's context, so it leaves Run like any other.
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        timer.Start(async t =>
        {
            t.Close();
            await Task.Yield();
            throw new FormatException("after the await");
        }, 0);

        var error = Assert.Throws<FormatException>(() => scope.Loop.Run());

        Assert.Equal("after the await", error.Message);
        scope.Finish();
    }

    [Fact]
    public void AnotherLoopRunInsideACallbackHasItsOwnContextAndRestoresTheOuterOne()
    {
        using var outer = new LoopScope();
        using var inner = new LoopScope();
        var timer = new TimerHandle(outer.Loop);
        Loop? innerContextLoop = null, restoredContextLoop = null;
        timer.Start(t =>
        {
            var idle = new IdleHandle(inner.Loop);
            idle.Start(i =>
            {
                innerContextLoop = ((LoopSynchronizationContext)SynchronizationContext.Current!).Loop;
                i.Close();
            });
            inner.Loop.Run();
            restoredContextLoop = ((LoopSynchronizationContext)SynchronizationContext.Current!).Loop;
            t.Close();
        }, 0);

        outer.Loop.Run();

        Assert.Same(inner.Loop, innerContextLoop);
        Assert.Same(outer.Loop, restoredContextLoop);
        inner.Finish();
        outer.Finish();
    }

    [Fact]
    public void RunUntilRunsTheLoopUntilTheTaskCompletesAndReturnsItsResult()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        var done = new TaskCompletionSource<int>();
        timer.Start(_ => done.SetResult(42), 10);

        Assert.Equal(42, scope.Loop.RunUntil(done.Task));

        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void RunUntilWaitsForATaskCompletedByAnotherThreadWithNothingElseAlive()
    {
        using var scope = new LoopScope();
        var done = new TaskCompletionSource();
        var completer = new Thread(() => done.SetResult());

        completer.Start();
        scope.Loop.RunUntil(done.Task);

        Assert.True(done.Task.IsCompletedSuccessfully);
        Assert.True(completer.Join(LoopScope.DeadlineMs));
        scope.Finish();
    }

    [Fact]
    public void RunUntilRethrowsTheTasksException()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        var done = new TaskCompletionSource();
        timer.Start(_ => done.SetException(new FormatException("failed")), 0);

        var error = Assert.Throws<FormatException>(() => scope.Loop.RunUntil(done.Task));

        Assert.Equal("failed", error.Message);
        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void RunUntilReturnsAtOnceForACompletedTask()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        timer.Start(_ => Assert.Fail("the loop ran"), 0);

        Assert.Equal(7, scope.Loop.RunUntil(Task.FromResult(7)));

        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void AsyncCodeStartedByRunUntilResumesOnTheLoopThreadAfterEveryAwait()
    {
        using var scope = new LoopScope();
        int loopThread = Environment.CurrentManagedThreadId;
        var threads = new List<int>();

        async Task<int> WorkAsync()
        {
            await Task.Yield();
            threads.Add(Environment.CurrentManagedThreadId);
            await Task.Run(() => { });
            threads.Add(Environment.CurrentManagedThreadId);
            var timer = new TimerHandle(scope.Loop);
            var fired = new TaskCompletionSource();
            timer.Start(_ => fired.SetResult(), 1);
            await fired.Task;
            threads.Add(Environment.CurrentManagedThreadId);
            timer.Close();
            return threads.Count;
        }

        Assert.Equal(3, scope.Loop.RunUntil(WorkAsync));

        Assert.Equal([loopThread, loopThread, loopThread], threads);
        scope.Finish();
    }

    [Fact]
    public void RunUntilStartsAsyncCodeWithTheLoopContextCurrent()
    {
        using var scope = new LoopScope();
        SynchronizationContext? seen = null;

        scope.Loop.RunUntil(() =>
        {
            seen = SynchronizationContext.Current;
            return Task.CompletedTask;
        });

        Assert.IsType<LoopSynchronizationContext>(seen);
        Assert.IsNotType<LoopSynchronizationContext>(SynchronizationContext.Current);
        scope.Finish();
    }

    [Fact]
    public void SendFromAnotherThreadRunsOnTheLoopAndWaits()
    {
        using var scope = new LoopScope();
        int loopThread = Environment.CurrentManagedThreadId;
        int ranOn = 0;
        var async = new AsyncHandle(scope.Loop, _ => { });
        var timer = new TimerHandle(scope.Loop);
        timer.Start(_ =>
        {
            var context = SynchronizationContext.Current!;
            var other = new Thread(() =>
            {
                context.Send(_ => ranOn = Environment.CurrentManagedThreadId, null);
                context.Post(_ => async.Close(), null);
            });
            other.Start();
        }, 0);

        Assert.False(scope.Loop.Run());

        Assert.Equal(loopThread, ranOn);
        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void SendFromTheLoopThreadRunsInline()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        bool ran = false;
        timer.Start(_ =>
        {
            SynchronizationContext.Current!.Send(_ => ran = true, null);
            Assert.True(ran);
        }, 0);

        scope.Loop.Run();

        Assert.True(ran);
        timer.Close();
        scope.Finish();
    }
}

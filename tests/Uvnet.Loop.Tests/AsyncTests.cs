namespace Uvnet.Tests;

/// <summary>AsyncHandle: Send from any thread wakes the loop, sends coalesce, the callback runs on the loop thread; after libuv's test-async.c.</summary>
public sealed class AsyncTests
{
    [Fact]
    public void SendFromAnotherThreadRunsTheCallbackOnTheLoopThread()
    {
        using var scope = new LoopScope();
        int loopThread = Environment.CurrentManagedThreadId;
        int callbackThread = 0;
        var async = new AsyncHandle(scope.Loop, a =>
        {
            callbackThread = Environment.CurrentManagedThreadId;
            a.Close();
        });
        var sender = new Thread(async.Send);

        sender.Start();
        Assert.False(scope.Loop.Run());

        Assert.Equal(loopThread, callbackThread);
        Assert.True(sender.Join(LoopScope.DeadlineMs));
        scope.Finish();
    }

    [Fact]
    public void AsyncHandleIsActiveAndKeepsTheLoopAliveUntilClosed()
    {
        using var scope = new LoopScope();
        var async = new AsyncHandle(scope.Loop, _ => { });

        Assert.True(async.IsActive);
        Assert.True(scope.Loop.IsAlive);
        Assert.True(scope.Loop.Run(RunMode.NoWait));

        async.Close();
        Assert.False(async.IsActive);
        Assert.False(scope.Loop.Run());
        scope.Finish();
    }

    [Fact]
    public void SendsBeforeTheLoopRunsCoalesceIntoOneCallback()
    {
        using var scope = new LoopScope();
        int calls = 0;
        var async = new AsyncHandle(scope.Loop, _ => calls++);

        for (int i = 0; i < 100; i++)
            async.Send();
        scope.Loop.Run(RunMode.NoWait);
        scope.Loop.Run(RunMode.NoWait);

        Assert.Equal(1, calls);
        async.Close();
        scope.Finish();
    }

    [Fact]
    public void SendFromTheLoopThreadRunsTheCallbackInALaterIteration()
    {
        using var scope = new LoopScope();
        int calls = 0;
        var async = new AsyncHandle(scope.Loop, _ => calls++);
        var timer = new TimerHandle(scope.Loop);
        timer.Start(_ =>
        {
            async.Send();
            Assert.Equal(0, calls);
        }, 0);

        scope.RunUntil(() => calls == 1);

        async.Close();
        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void SendDuringTheCallbackRunsItAgain()
    {
        using var scope = new LoopScope();
        int calls = 0;
        var async = new AsyncHandle(scope.Loop, a =>
        {
            if (++calls < 3)
                a.Send();
            else
                a.Close();
        });
        async.Send();

        Assert.False(scope.Loop.Run());

        Assert.Equal(3, calls);
        scope.Finish();
    }

    [Fact]
    public void SendAfterCloseDoesNothing()
    {
        using var scope = new LoopScope();
        var async = new AsyncHandle(scope.Loop, _ => Assert.Fail("a closed async handle ran"));
        async.Send();

        async.Close();
        async.Send();

        Assert.False(scope.Loop.Run());
        scope.Finish();
    }

    [Fact]
    public void OnlyTheHandlesThatWereSentToRun()
    {
        using var scope = new LoopScope();
        var ran = new List<string>();
        var a = new AsyncHandle(scope.Loop, _ => ran.Add("a"));
        var b = new AsyncHandle(scope.Loop, _ => ran.Add("b"));

        b.Send();
        scope.Loop.Run(RunMode.NoWait);

        Assert.Equal(["b"], ran);
        a.Close();
        b.Close();
        scope.Finish();
    }

    [Fact]
    public void ManyThreadsSendingLoseNoWakeup()
    {
        // 8 threads x 10,000 sends: the callback must see the last increment of every thread, so the wakeup
        // that follows the last send is never lost, however the sends coalesce.
        const int threads = 8, sendsPerThread = 10_000, total = threads * sendsPerThread;
        using var scope = new LoopScope();
        int loopThread = Environment.CurrentManagedThreadId;
        int sent = 0, callbacks = 0, wrongThread = 0;
        var async = new AsyncHandle(scope.Loop, a =>
        {
            callbacks++;
            if (Environment.CurrentManagedThreadId != loopThread)
                wrongThread++;
            if (Volatile.Read(ref sent) == total)
                a.Close();
        });
        using var start = new Barrier(threads);
        var senders = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < sendsPerThread; i++)
            {
                Interlocked.Increment(ref sent);
                async.Send();
            }
        })).ToArray();
        foreach (var t in senders)
            t.Start();

        Assert.False(scope.Loop.Run());

        Assert.All(senders, t => Assert.True(t.Join(LoopScope.DeadlineMs)));
        Assert.InRange(callbacks, 1, total);
        Assert.Equal(0, wrongThread);
        scope.Finish();
    }

    [Fact]
    public void EverySendThatWaitsForItsCallbackWakesTheLoop()
    {
        // Ping-pong: the sender waits for each callback before sending again, so every send must wake a
        // loop that is blocked in the poll: one lost wakeup stalls the exchange.
        const int rounds = 2_000;
        using var scope = new LoopScope();
        using var answered = new SemaphoreSlim(0);
        int calls = 0;
        var async = new AsyncHandle(scope.Loop, a =>
        {
            answered.Release();
            if (++calls == rounds)
                a.Close();
        });
        bool allAnswered = true;
        var sender = new Thread(() =>
        {
            for (int i = 0; i < rounds && allAnswered; i++)
            {
                async.Send();
                allAnswered = answered.Wait(LoopScope.DeadlineMs);
            }
        });
        sender.Start();

        Assert.False(scope.Loop.Run());

        Assert.True(sender.Join(LoopScope.DeadlineMs));
        Assert.True(allAnswered);
        Assert.Equal(rounds, calls);
        scope.Finish();
    }

    [Fact]
    public void NullCallbackIsAProgrammerError()
    {
        using var scope = new LoopScope();

        Assert.Throws<ArgumentNullException>(() => new AsyncHandle(scope.Loop, null!));

        scope.Finish();
    }
}

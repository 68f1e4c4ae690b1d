namespace Uvnet.Tests;

/// <summary>
/// A callback that throws: the exception leaves Run on the loop thread, and the loop stays consistent, so the
/// caller can run it again (Loop's documented contract). One test per callback kind.
/// </summary>
public sealed class ThrowingCallbackTests
{
    [Fact]
    public void TimerCallbackThatThrows()
    {
        using var scope = new LoopScope();
        var thrower = new TimerHandle(scope.Loop);
        var other = new TimerHandle(scope.Loop);
        int throws = 0, otherCalls = 0;
        thrower.Start(_ =>
        {
            if (++throws <= 2)
                throw new CallbackException();
        }, 0, 1);
        other.Start(_ => otherCalls++, 0);

        Assert.Throws<CallbackException>(() => scope.Loop.Run());
        Assert.True(thrower.IsActive, "a repeating timer stays armed after its callback threw");
        Assert.Throws<CallbackException>(() => scope.Loop.Run());
        scope.RunUntil(() => throws == 4);

        Assert.Equal(1, otherCalls);
        thrower.Close();
        other.Close();
        scope.Finish();
    }

    [Fact]
    public void IdleCallbackThatThrows() => WatcherCallbackThatThrows(loop => new IdleHandle(loop));

    [Fact]
    public void PrepareCallbackThatThrows() => WatcherCallbackThatThrows(loop => new PrepareHandle(loop));

    [Fact]
    public void CheckCallbackThatThrows() => WatcherCallbackThatThrows(loop => new CheckHandle(loop));

    [Fact]
    public void AsyncCallbackThatThrows()
    {
        using var scope = new LoopScope();
        int thrown = 0, otherCalls = 0;
        var thrower = new AsyncHandle(scope.Loop, _ =>
        {
            thrown++;
            throw new CallbackException();
        });
        var other = new AsyncHandle(scope.Loop, _ => otherCalls++);
        thrower.Send();
        other.Send();

        Assert.Throws<CallbackException>(() => scope.Loop.Run());
        Assert.Equal(1, thrown);

        // The other handle's send was not lost; the thrower runs again only when sent to again.
        scope.RunUntil(() => otherCalls == 1);
        thrower.Send();
        Assert.Throws<CallbackException>(() => scope.RunUntil(() => false));
        Assert.Equal(2, thrown);

        thrower.Close();
        other.Close();
        scope.Finish();
    }

    [Fact]
    public void PostedCallbackThatThrows()
    {
        using var scope = new LoopScope();
        var ran = new List<string>();
        scope.Loop.Post(() => ran.Add("first"));
        scope.Loop.Post(() => throw new CallbackException());
        scope.Loop.Post(() => ran.Add("after"));

        Assert.Throws<CallbackException>(() => scope.Loop.Run());
        Assert.Equal(["first"], ran);

        Assert.False(scope.Loop.Run());
        Assert.Equal(["first", "after"], ran);
        scope.Finish();
    }

    [Fact]
    public void PollCallbackThatThrows()
    {
        using var scope = new LoopScope();
        using var pipe = new TestPipe();
        int calls = 0;
        var poll = scope.StartPoll(pipe.ReadFd, PollEvents.Readable, (p, _, _) =>
        {
            if (++calls == 1)
                throw new CallbackException();
            pipe.Read();
            p.Stop();
        });
        pipe.Write();

        Assert.Throws<CallbackException>(() => scope.Loop.Run());
        Assert.True(poll.IsActive);

        Assert.False(scope.Loop.Run());
        Assert.Equal(2, calls);
        poll.Close();
        scope.Finish();
    }

    [Fact]
    public void CloseCallbackThatThrows()
    {
        using var scope = new LoopScope();
        var thrower = new TimerHandle(scope.Loop);
        var other = new TimerHandle(scope.Loop);
        bool otherClosed = false;
        thrower.Close(_ => throw new CallbackException());
        other.Close(_ => otherClosed = true);

        Assert.Throws<CallbackException>(() => scope.Loop.Run());
        Assert.True(thrower.IsClosed);

        Assert.False(scope.Loop.Run());
        Assert.True(otherClosed);
        scope.Finish();
    }

    [Fact]
    public void StopRequestedBeforeACallbackThrewDoesNotLeakIntoTheNextRun()
    {
        using var scope = new LoopScope();
        var timer = new TimerHandle(scope.Loop);
        int calls = 0;
        timer.Start(t =>
        {
            if (++calls == 1)
            {
                t.Loop.Stop();
                throw new CallbackException();
            }
            if (calls == 3)
                t.Stop();
        }, 0, 1);

        Assert.Throws<CallbackException>(() => scope.Loop.Run());

        Assert.False(scope.Loop.Run());
        Assert.Equal(3, calls);
        timer.Close();
        scope.Finish();
    }

    [Fact]
    public void LoopContextIsRestoredWhenACallbackThrows()
    {
        using var scope = new LoopScope();
        var before = SynchronizationContext.Current;
        scope.Loop.Post(() => throw new CallbackException());

        Assert.Throws<CallbackException>(() => scope.Loop.Run());

        Assert.Same(before, SynchronizationContext.Current);
        Assert.False(scope.Loop.IsLoopThread);
        scope.Finish();
    }

    private static void WatcherCallbackThatThrows<T>(Func<Loop, LoopWatcher<T>> create) where T : LoopWatcher<T>
    {
        using var scope = new LoopScope();
        var thrower = create(scope.Loop);
        var other = create(scope.Loop);
        int throwerCalls = 0, otherCalls = 0;
        thrower.Start(_ =>
        {
            if (++throwerCalls == 1)
                throw new CallbackException();
        });
        other.Start(_ =>
        {
            otherCalls++;
            thrower.Stop();
            other.Stop();
        });

        // NoWait: with only check handles active, the poll before the check phase would wait for I/O.
        Assert.Throws<CallbackException>(() => scope.Loop.Run(RunMode.NoWait));
        Assert.Equal(0, otherCalls);
        Assert.True(thrower.IsActive);

        // Both stay started; the next iteration runs the phase again, the watcher after the thrower included.
        Assert.False(scope.Loop.Run(RunMode.NoWait));
        Assert.Equal(2, throwerCalls);
        Assert.Equal(1, otherCalls);
        thrower.Close();
        other.Close();
        scope.Finish();
    }
}

namespace Uvnet.Tests;

/// <summary>Loop.Post: runs work on the loop thread, in posting order, from any thread.</summary>
public sealed class PostTests
{
    [Fact]
    public void PostedCallbacksRunInPostingOrder()
    {
        using var scope = new LoopScope();
        var order = new List<int>();

        for (int i = 0; i < 1000; i++)
        {
            int n = i;
            if (i % 2 == 0)
                scope.Loop.Post(() => order.Add(n));
            else
                scope.Loop.Post(static state => state.List.Add(state.N), (List: order, N: n));
        }
        Assert.True(scope.Loop.IsAlive);
        Assert.False(scope.Loop.Run());

        Assert.Equal(Enumerable.Range(0, 1000), order);
        scope.Finish();
    }

    [Fact]
    public void PostWithStatePassesTheState()
    {
        using var scope = new LoopScope();
        var box = new List<string>();

        scope.Loop.Post(static list => list.Add("ran"), box);
        scope.Loop.Run();

        Assert.Equal(["ran"], box);
        scope.Finish();
    }

    [Fact]
    public void PostFromAnotherThreadWakesABlockedLoop()
    {
        using var scope = new LoopScope();
        int loopThread = Environment.CurrentManagedThreadId;
        int ranOn = 0;
        var keepAlive = new AsyncHandle(scope.Loop, _ => { });
        var poster = new Thread(() => scope.Loop.Post(() =>
        {
            ranOn = Environment.CurrentManagedThreadId;
            keepAlive.Close();
        }));

        poster.Start();
        Assert.False(scope.Loop.Run());

        Assert.Equal(loopThread, ranOn);
        Assert.True(poster.Join(LoopScope.DeadlineMs));
        scope.Finish();
    }

    [Fact]
    public void PostsFromManyThreadsAllRunAndKeepEachThreadsOrder()
    {
        const int threads = 4, postsPerThread = 5_000;
        using var scope = new LoopScope();
        var last = new int[threads];
        int outOfOrder = 0, ran = 0;
        var keepAlive = new AsyncHandle(scope.Loop, _ => { });
        var posters = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            for (int i = 1; i <= postsPerThread; i++)
            {
                int n = i;
                scope.Loop.Post(() =>
                {
                    if (last[t] != n - 1)
                        outOfOrder++;
                    last[t] = n;
                    if (++ran == threads * postsPerThread)
                        keepAlive.Close();
                });
            }
        })).ToArray();
        foreach (var p in posters)
            p.Start();

        Assert.False(scope.Loop.Run());

        Assert.All(posters, p => Assert.True(p.Join(LoopScope.DeadlineMs)));
        Assert.Equal(0, outOfOrder);
        Assert.All(last, n => Assert.Equal(postsPerThread, n));
        scope.Finish();
    }

    [Fact]
    public void PostFromAPostedCallbackRunsInALaterIteration()
    {
        using var scope = new LoopScope();
        var order = new List<string>();
        var check = new CheckHandle(scope.Loop);
        check.Start(_ => order.Add("check"));
        check.Unref();

        scope.Loop.Post(() =>
        {
            order.Add("outer");
            scope.Loop.Post(() => order.Add("inner"));
        });
        scope.Loop.Run(RunMode.NoWait);
        Assert.Equal(["outer", "check"], order);
        scope.Loop.Run(RunMode.NoWait);
        Assert.Equal(["outer", "check", "inner", "check"], order);

        check.Close();
        scope.Finish();
    }

    [Fact]
    public void PostedWorkRunsInThePollPhase()
    {
        using var scope = new LoopScope();
        var order = new List<string>();
        var prepare = new PrepareHandle(scope.Loop);
        var check = new CheckHandle(scope.Loop);
        prepare.Start(p =>
        {
            order.Add("prepare");
            p.Stop();
        });
        check.Start(c =>
        {
            order.Add("check");
            c.Stop();
        });

        scope.Loop.Post(() => order.Add("posted"));
        scope.Loop.Run(RunMode.NoWait);

        Assert.Equal(["prepare", "posted", "check"], order);
        prepare.Close();
        check.Close();
        scope.Finish();
    }

    [Fact]
    public void PostRejectsANullCallback()
    {
        using var scope = new LoopScope();

        Assert.Throws<ArgumentNullException>(() => scope.Loop.Post(null!));
        Assert.Throws<ArgumentNullException>(() => scope.Loop.Post<string>(null!, "state"));

        scope.Finish();
    }
}

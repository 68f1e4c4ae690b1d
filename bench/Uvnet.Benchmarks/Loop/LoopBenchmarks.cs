using BenchmarkDotNet.Attributes;

namespace Uvnet.Benchmarks.Loop;

/// <summary>The loop's primitives: one iteration that finds nothing to do, and a timer through the heap.</summary>
[MemoryDiagnoser]
public class LoopBenchmarks
{
    private static readonly Action<TimerHandle> s_noop = static _ => { };

    private Uvnet.Loop _loop = null!;
    private TimerHandle _timer = null!;
    private TimerHandle[] _background = null!;

    [GlobalSetup]
    public void Setup()
    {
        _loop = new Uvnet.Loop();
        _timer = new TimerHandle(_loop);
        // A heap of realistic size (one timer per connection of a busy server), so start/stop pay their log n;
        // they also keep the loop alive, so that Run(NoWait) iterates.
        _background = new TimerHandle[10_000];
        for (int i = 0; i < _background.Length; i++)
        {
            _background[i] = new TimerHandle(_loop);
            _background[i].Start(s_noop, 600_000 + i);
        }
    }

    /// <summary>Run(NoWait) with nothing due: update the clock, check every phase, skip the poll.</summary>
    [Benchmark]
    public bool EmptyIteration() => _loop.Run(RunMode.NoWait);

    /// <summary>Start then stop a timer among 10,000 others.</summary>
    [Benchmark]
    public void TimerStartStop()
    {
        _timer.Start(s_noop, 1_000);
        _timer.Stop();
    }

    /// <summary>Start a timer due now and run the iteration that fires it.</summary>
    [Benchmark]
    public void TimerFire()
    {
        _timer.Start(s_noop, 0);
        _loop.Run(RunMode.NoWait);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _timer.Close();
        foreach (var t in _background)
            t.Close();
        _loop.Run();
        _loop.Dispose();
    }
}

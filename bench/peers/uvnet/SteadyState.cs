namespace Uvnet.Bench.UvnetPeer;

/// <summary>
/// What the loop thread allocates, and how many collections run, between a first mark (after a warm-up, when
/// pools are full and the JIT has settled) and the stop: printed on stderr, so the run shows whether the steady
/// state allocates per read and per write. The RESULT line is not affected.
/// </summary>
internal sealed class SteadyState
{
    // Long enough for the connections, pools and tiered JIT to settle; short of every run's duration.
    public const long WarmUpMs = 1000;

    private long _bytes;
    private readonly int[] _collections = new int[3];
    private long _events;
    private bool _marked, _stopped;

    /// <summary>Starts a one-shot timer that marks the start of the steady state after <see cref="WarmUpMs"/>.</summary>
    public static SteadyState Start(Loop loop, Func<long> events)
    {
        var meter = new SteadyState();
        var mark = new TimerHandle(loop);
        mark.Start(
            t =>
            {
                meter.Mark(events());
                t.Close();
            },
            WarmUpMs);
        return meter;
    }

    private void Mark(long events)
    {
        _marked = true;
        _events = events;
        _bytes = GC.GetAllocatedBytesForCurrentThread();
        for (int g = 0; g < 3; g++)
            _collections[g] = GC.CollectionCount(g);
    }

    /// <summary>Ends the steady state (at the stop); <paramref name="events"/> is the workload's count so far.</summary>
    public void Stop(long events)
    {
        if (!_marked || _stopped)
            return;
        _stopped = true;
        _bytes = GC.GetAllocatedBytesForCurrentThread() - _bytes;
        _events = events - _events;
        for (int g = 0; g < 3; g++)
            _collections[g] = GC.CollectionCount(g) - _collections[g];
    }

    /// <summary>Prints the figures on stderr, with <paramref name="eventName"/> naming what was counted.</summary>
    public void Report(string eventName)
    {
        if (!_stopped)
            return;
        double perEvent = _events > 0 ? (double)_bytes / _events : 0;
        PeerOutput.Progress(
            $"steady state (from {WarmUpMs} ms to the stop): {_bytes} bytes allocated on the loop thread over {_events} {eventName} " +
            $"({perEvent:0.###} per {eventName.TrimEnd('s')}); collections gen0={_collections[0]} gen1={_collections[1]} gen2={_collections[2]}");
    }
}

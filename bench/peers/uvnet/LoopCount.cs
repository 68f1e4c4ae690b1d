using System.Diagnostics;

namespace Uvnet.Bench.UvnetPeer;

/// <summary>
/// Loop count, after libuv's test/benchmark-loop-count.c (loop_count_timed): an <see cref="IdleHandle"/>
/// counts iterations until a timer stops it after --seconds.
/// </summary>
internal static class LoopCount
{
    public static int Run(PeerArgs args)
    {
        PeerOutput.Progress($"loopcount: {args.Seconds} s");
        using var loop = new Loop();
        long ticks = 0;
        var idle = new IdleHandle(loop);
        var stop = new TimerHandle(loop);
        idle.Start(_ => ticks++);
        stop.Start(_ =>
        {
            idle.Close();
            stop.Close();
        }, args.Seconds * 1000L);

        long start = Stopwatch.GetTimestamp();
        loop.Run();
        return PeerOutput.Result(("iterations_per_sec", Math.Round(ticks / ProcessStats.SecondsSince(start))));
    }
}

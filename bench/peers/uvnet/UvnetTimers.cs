namespace Uvnet.Bench.UvnetPeer;

/// <summary><see cref="MillionTimers"/> with <see cref="TimerHandle"/>s on one <see cref="Loop"/>, closed at the end as libuv's benchmark does.</summary>
internal static class UvnetTimers
{
    public static int Run(PeerArgs args)
    {
        using var loop = new Loop();
        long fired = 0;
        Action<TimerHandle> onTimer = _ => fired++;
        var timers = new TimerHandle[args.Count];
        int status = MillionTimers.Run(
            args,
            (i, timeoutMs) =>
            {
                timers[i] = new TimerHandle(loop);
                timers[i].Start(onTimer, timeoutMs);
            },
            () =>
            {
                loop.Run();
                return fired;
            });
        foreach (TimerHandle timer in timers)
            timer.Close();
        loop.Run();
        return status;
    }
}

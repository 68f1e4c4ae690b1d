namespace Uvnet.Bench.UvnetPeer;

/// <summary>
/// <see cref="MillionTimers"/> with <see cref="TimerHandle"/>s on one <see cref="Loop"/>, closed at the end as libuv's
/// benchmark does. The loop holds the handles (it lists them for <see cref="Loop.Walk"/>), so the peer keeps no array
/// of them: libuv's benchmark has one only because its array is the timers' storage.
/// </summary>
internal static class UvnetTimers
{
    public static int Run(PeerArgs args)
    {
        using var loop = new Loop();
        long fired = 0;
        Action<TimerHandle> onTimer = _ => fired++;
        int status = MillionTimers.Run(
            args,
            (_, timeoutMs) => new TimerHandle(loop).Start(onTimer, timeoutMs),
            () =>
            {
                loop.Run();
                return fired;
            });
        Handles.CloseAll(loop);
        loop.Run();
        return status;
    }
}

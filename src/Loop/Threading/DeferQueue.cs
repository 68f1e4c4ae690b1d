namespace Uvnet.Threading;

/// <summary>
/// Work the loop's own thread defers to later in the iteration (<see cref="Loop.Defer{TState}(Action{TState}, TState)"/>):
/// a ring buffer touched by that thread alone, so queueing takes no lock and rings no wakeup descriptor, and reused, so
/// it allocates nothing once it has grown to the most calls ever queued at once.
/// </summary>
internal sealed class DeferQueue
{
    private LoopCallback[] _ring = new LoopCallback[16];
    private int _start, _count;

    internal bool IsEmpty => _count == 0;

    internal void Enqueue(LoopCallback callback)
    {
        if (_count == _ring.Length)
            Grow();
        _ring[(_start + _count) & (_ring.Length - 1)] = callback;
        _count++;
    }

    /// <summary>
    /// Runs what was queued when the call began; what those callbacks defer waits for the next pass, so a callback that
    /// always defers again cannot starve I/O. One at a time off the queue, so a callback that throws leaves the rest queued.
    /// </summary>
    internal void RunQueued()
    {
        for (int n = _count; n > 0; n--)
        {
            LoopCallback callback = _ring[_start];
            _ring[_start] = default; // the state is not held past its call
            _start = (_start + 1) & (_ring.Length - 1);
            _count--;
            callback.Run();
        }
    }

    // The length stays a power of two, so that an index wraps with a mask.
    private void Grow()
    {
        var bigger = new LoopCallback[_ring.Length * 2];
        for (int i = 0; i < _count; i++)
            bigger[i] = _ring[(_start + i) & (_ring.Length - 1)];
        _ring = bigger;
        _start = 0;
    }
}

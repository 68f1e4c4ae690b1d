using System.Collections.Concurrent;

namespace Uvnet.Threading;

/// <summary>
/// Work posted to the loop from any thread, run on the loop thread in posting order. Entries are
/// <see cref="LoopCallback"/> structs, so a post with a reference-type state allocates nothing in the steady state.
/// </summary>
/// <remarks>
/// The queue closes with the loop, and only when empty, without a lock on the posting path: posters count
/// themselves in <see cref="_state"/> around their enqueue, and <see cref="TryClose"/> marks it
/// <see cref="Closing"/> only when no poster is inside, then looks at the queue. A poster that meets
/// Closing waits the few instructions until it becomes Closed (refused) or open again.
/// </remarks>
internal sealed class PostQueue
{
    private const int Closing = 1 << 30, Closed = int.MinValue;

    private readonly ConcurrentQueue<LoopCallback> _queue = new();

    // Posters between their check and their enqueue, plus the Closing or Closed flag.
    private int _state;

    internal bool IsEmpty => _queue.IsEmpty;

    /// <summary>Queues <paramref name="callback"/>; false, and nothing queued, once the queue closed.</summary>
    internal bool TryEnqueue(Action callback) => TryEnqueue(LoopCallback.Of(callback));

    /// <inheritdoc cref="TryEnqueue(Action)"/>
    internal bool TryEnqueue<TState>(Action<TState> callback, TState state) => TryEnqueue(LoopCallback.Of(callback, state));

    /// <inheritdoc cref="TryEnqueue(Action)"/>
    internal bool TryEnqueue(SendOrPostCallback callback, object? state) => TryEnqueue(LoopCallback.Of(callback, state));

    private bool TryEnqueue(LoopCallback entry)
    {
        SpinWait spin = default;
        int state;
        while (((state = Interlocked.Increment(ref _state)) & (Closing | Closed)) != 0)
        {
            Interlocked.Decrement(ref _state);
            if ((state & Closed) != 0)
                return false;
            spin.SpinOnce(); // TryClose is deciding, on the loop thread, in a few instructions
        }
        _queue.Enqueue(entry);
        Interlocked.Decrement(ref _state);
        return true;
    }

    /// <summary>
    /// On the loop thread: closes the queue if it is empty and no post is under way, so that every later post
    /// is refused; false (and the queue stays open) otherwise.
    /// </summary>
    internal bool TryClose()
    {
        if (!_queue.IsEmpty || Interlocked.CompareExchange(ref _state, Closing, 0) != 0)
            return false;
        // No poster is inside now and new ones wait: what the queue holds is final. Posters that meet the
        // flag change the count meanwhile, so the flag is swapped by adding, not by writing.
        if (_queue.IsEmpty)
        {
            Interlocked.Add(ref _state, unchecked(Closed - Closing));
            return true;
        }
        Interlocked.Add(ref _state, -Closing);
        return false;
    }

    /// <summary>
    /// Runs what was queued when the call began; work posted meanwhile waits for the next iteration, so
    /// a callback that posts again cannot starve I/O.
    /// </summary>
    internal void RunQueued()
    {
        for (int n = _queue.Count; n > 0 && _queue.TryDequeue(out LoopCallback e); n--)
            e.Run();
    }
}

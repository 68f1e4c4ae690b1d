using System.Collections.Concurrent;

namespace Uvnet.Threading;

/// <summary>
/// Work posted to the loop from any thread, run on the loop thread in posting order. Entries are structs
/// holding the user's delegate and state with a cached static invoker, so a post with a reference-type
/// state allocates nothing in the steady state.
/// </summary>
internal sealed class PostQueue
{
    private readonly ConcurrentQueue<Entry> _queue = new();

    private readonly record struct Entry(Delegate Callback, object? State, Action<Delegate, object?> Invoke);

    internal bool IsEmpty => _queue.IsEmpty;

    internal void Enqueue(Action callback) =>
        _queue.Enqueue(new Entry(callback, null, static (d, _) => ((Action)d)()));

    internal void Enqueue<TState>(Action<TState> callback, TState state) =>
        _queue.Enqueue(new Entry(callback, state, Invoker<TState>.Invoke));

    internal void Enqueue(SendOrPostCallback callback, object? state) =>
        _queue.Enqueue(new Entry(callback, state, static (d, s) => ((SendOrPostCallback)d)(s)));

    /// <summary>
    /// Runs what was queued when the call began; work posted meanwhile waits for the next iteration, so
    /// a callback that posts again cannot starve I/O.
    /// </summary>
    internal void RunQueued()
    {
        for (int n = _queue.Count; n > 0 && _queue.TryDequeue(out Entry e); n--)
            e.Invoke(e.Callback, e.State);
    }

    private static class Invoker<TState>
    {
        internal static readonly Action<Delegate, object?> Invoke = static (d, s) => ((Action<TState>)d)((TState)s!);
    }
}

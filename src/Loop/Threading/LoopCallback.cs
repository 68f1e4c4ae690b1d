namespace Uvnet.Threading;

/// <summary>
/// A queued call: the user's delegate, its state and a cached static invoker, kept in a struct so that queueing a
/// call with a reference-type state and a cached delegate (a static lambda) allocates nothing.
/// </summary>
internal readonly record struct LoopCallback(Delegate Callback, object? State, Action<Delegate, object?> Invoke)
{
    private static readonly Action<Delegate, object?> s_action = static (d, _) => ((Action)d)();
    private static readonly Action<Delegate, object?> s_sendOrPost = static (d, s) => ((SendOrPostCallback)d)(s);

    internal static LoopCallback Of(Action callback) => new(callback, null, s_action);

    internal static LoopCallback Of<TState>(Action<TState> callback, TState state) => new(callback, state, Invoker<TState>.Invoke);

    internal static LoopCallback Of(SendOrPostCallback callback, object? state) => new(callback, state, s_sendOrPost);

    internal void Run() => Invoke(Callback, State);

    private static class Invoker<TState>
    {
        internal static readonly Action<Delegate, object?> Invoke = static (d, s) => ((Action<TState>)d)((TState)s!);
    }
}

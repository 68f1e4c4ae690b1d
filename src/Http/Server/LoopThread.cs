using System.Runtime.CompilerServices;

namespace Uvnet.Http.Server;

/// <summary>
/// Keeps requests and responses on their loop's thread: their state is their connection's (its output, its header
/// cache, the pooled objects), which the loop changes without locks, so a call from another thread is refused
/// before it touches anything. <see cref="ServerResponse.WriteAsync(ReadOnlyMemory{byte})"/> and
/// <see cref="ServerResponse.EndAsync(ReadOnlyMemory{byte})"/> are the exceptions: they post themselves to the loop.
/// </summary>
internal static class LoopThread
{
    /// <summary>
    /// Throws <see cref="InvalidOperationException"/> naming <paramref name="type"/>.<paramref name="member"/> unless
    /// the caller runs <paramref name="loop"/> or, between runs, ran it last.
    /// </summary>
    internal static void Verify(Loop loop, string type, [CallerMemberName] string member = "") => Verify(loop, type, unstarted: false, member);

    /// <summary>
    /// As <see cref="Verify(Loop, string, string)"/>, and with <paramref name="unstarted"/> it also admits any thread
    /// before the loop first runs: a client's requests, like sockets, are set up before their loop runs, while a
    /// server's objects exist only once it has.
    /// </summary>
    internal static void Verify(Loop loop, string type, bool unstarted, [CallerMemberName] string member = "")
    {
        if (unstarted && loop.OwnerThreadId == 0)
            return;
        // Not "any thread while the loop is not running" (Loop.VerifyAccess's rule, for setting handles up): a loop
        // driven by Run(Once) or RunUntil stops between iterations, and a thread-pool call admitted then would race
        // the next one. A request exists only once its loop has run, so the thread that ran it is always known.
        if (loop.OwnerThreadId == Environment.CurrentManagedThreadId)
            return;
        throw new InvalidOperationException(
            $"{type}.{member} was called off the loop's thread: a request and its response belong to the loop that " +
            "received them, and their state is their connection's. To send from any thread, await " +
            "ServerResponse.WriteAsync and EndAsync, which post to the loop. Call everything else on the loop: do not " +
            "continue with ConfigureAwait(false) or on a thread-pool callback before touching them, or post the call " +
            "with Loop.Post.");
    }

    /// <summary>
    /// Adds (or removes) <paramref name="handler"/> to an event's <paramref name="handlers"/> once <see cref="Verify(Loop, string, string)"/>
    /// admits the caller: a pooled object's handlers are cleared for its next use on the loop, so a handler added from
    /// another thread could land on the next request's object.
    /// </summary>
    internal static void Subscribe<T>(Loop loop, string type, ref T? handlers, T? handler, bool add, [CallerMemberName] string member = "")
        where T : Delegate => Subscribe(loop, type, unstarted: false, ref handlers, handler, add, member);

    /// <summary>As <see cref="Subscribe{T}(Loop, string, ref T, T, bool, string)"/>, admitting an unstarted loop as <see cref="Verify(Loop, string, bool, string)"/>.</summary>
    internal static void Subscribe<T>(Loop loop, string type, bool unstarted, ref T? handlers, T? handler, bool add, [CallerMemberName] string member = "")
        where T : Delegate
    {
        Verify(loop, type, unstarted, member);
        handlers = (T?)(add ? Delegate.Combine(handlers, handler) : Delegate.Remove(handlers, handler));
    }
}

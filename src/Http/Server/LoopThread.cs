using System.Runtime.CompilerServices;

namespace Uvnet.Http.Server;

/// <summary>
/// Keeps requests and responses on their loop's thread: their state is their connection's (its output, its header
/// cache, the pooled objects), which the loop changes without locks, so a call from another thread is refused
/// before it touches anything.
/// </summary>
internal static class LoopThread
{
    /// <summary>Throws <see cref="InvalidOperationException"/> naming <paramref name="type"/>.<paramref name="member"/> when <paramref name="loop"/> runs on another thread.</summary>
    internal static void Verify(Loop loop, string type, [CallerMemberName] string member = "")
    {
        if (loop.IsLoopThread)
            return;
        // Off the loop's thread: only the loop knows whether it is running (a stopped loop admits any thread, as
        // Loop.VerifyAccess does); its refusal is re-thrown with what the caller did and what to do instead.
        try
        {
            loop.VerifyAccess();
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException(
                $"{type}.{member} was called off the loop's thread: a request and its response belong to the loop that " +
                "received them, and their state is their connection's. Call it on the loop: do not continue with " +
                "ConfigureAwait(false) or on a thread-pool callback before touching them, or post the call with Loop.Post.", e);
        }
    }
}

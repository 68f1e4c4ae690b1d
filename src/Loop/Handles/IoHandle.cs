using Uvnet.Io;

namespace Uvnet;

/// <summary>
/// A handle that watches a file descriptor through the loop's poller: <see cref="PollHandle"/> and the
/// streams. The interest set is changed cheaply and given to the poller before the loop next waits, so a
/// stop and restart within one iteration costs no system call.
/// </summary>
public abstract class IoHandle : Handle
{
    // Set by the loop: the descriptor, its slot in the loop's table (the poller's token), the slot's
    // generation (so an event queued for a descriptor that was closed meanwhile is recognised as stale),
    // what the handle wants and what the poller has.
    internal int Fd = -1;
    internal int Slot;
    internal uint Generation;
    internal IoEvents Wanted;
    internal IoEvents Registered;
    internal bool InChangeList;

    // The pending-callback queue (libuv's pending_queue): I/O callbacks deferred to the next pending phase.
    internal IoHandle? NextPending;
    internal bool IsPending;

    private protected IoHandle(Loop loop) : base(loop)
    {
    }

    /// <summary>The watched descriptor, or -1.</summary>
    public int FileDescriptor => Fd;

    /// <summary>Called in the poll phase with the ready events (only those wanted, plus errors).</summary>
    internal abstract void OnIo(IoEvents events);

    /// <summary>Called in the pending phase after <see cref="Loop.QueuePending"/>.</summary>
    internal virtual void OnPending()
    {
    }
}

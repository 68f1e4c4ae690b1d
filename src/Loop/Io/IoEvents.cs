namespace Uvnet.Io;

/// <summary>Readiness the pollers report, in one vocabulary for every backend.</summary>
[Flags]
internal enum IoEvents
{
    None = 0,
    Read = 1,
    Write = 2,
    /// <summary>The peer shut down its writing side (EPOLLRDHUP, EV_EOF on the read filter).</summary>
    Disconnect = 4,
    Priority = 8,
    Error = 16,
    Hangup = 32,
    /// <summary>
    /// Not an event but how to be told of one: of the pollers (one per loop) watching one socket, wake only one
    /// (EPOLLEXCLUSIVE), so a connection on a listening socket shared by several loops wakes one of them rather
    /// than all, which would race to accept it. Ignored by kqueue, which has no such option.
    /// </summary>
    Exclusive = 64,
}

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
}

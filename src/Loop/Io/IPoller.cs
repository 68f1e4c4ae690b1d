namespace Uvnet.Io;

/// <summary>
/// One OS readiness facility (epoll, kqueue). Level-triggered. Each registered descriptor carries a
/// 64-bit token chosen by the loop, returned with its events.
/// </summary>
internal interface IPoller : IDisposable
{
    /// <summary>Starts watching <paramref name="fd"/>; 0 or a negative status.</summary>
    int Add(int fd, ulong token, IoEvents events);

    /// <summary>Changes what <paramref name="fd"/> is watched for; <paramref name="previous"/> is what was registered.</summary>
    int Modify(int fd, ulong token, IoEvents events, IoEvents previous);

    /// <summary>
    /// Registers <paramref name="fd"/> anew as it is (<paramref name="events"/>), so that an
    /// <see cref="IoEvents.Exclusive"/> registration goes to the back of the order in which the pollers watching the
    /// descriptor are woken; 0 or a negative status.
    /// </summary>
    int Requeue(int fd, ulong token, IoEvents events);

    /// <summary>Stops watching <paramref name="fd"/>.</summary>
    void Remove(int fd, IoEvents previous);

    /// <summary>Waits up to <paramref name="timeoutMs"/> (-1: forever); the number of events, or a negative status.</summary>
    int Wait(int timeoutMs);

    /// <summary>The token and events of the <paramref name="index"/>th event of the last wait.</summary>
    IoEvents GetEvent(int index, out ulong token);
}

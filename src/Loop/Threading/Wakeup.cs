using Uvnet.Interop;

namespace Uvnet.Threading;

/// <summary>
/// The loop's one cross-thread doorbell: an eventfd on Linux, a self-pipe elsewhere, always watched by
/// the poller. Signals coalesce: only the first signal after the loop last answered writes the descriptor.
/// </summary>
internal sealed unsafe class Wakeup : IDisposable
{
    private readonly object _gate = new();
    private readonly int _readFd;
    private readonly int _writeFd;
    private int _signalled;
    private bool _closed;
    private long _writes;

    internal Wakeup()
    {
        if (OperatingSystem.IsLinux())
        {
            _readFd = _writeFd = Libc.EventFd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
            if (_readFd < 0)
                throw new InvalidOperationException($"eventfd failed: {UvError.Message(Libc.LastStatus())}");
            return;
        }
        int* fds = stackalloc int[2];
        if (Libc.Pipe(fds) < 0)
            throw new InvalidOperationException($"pipe failed: {UvError.Message(Libc.LastStatus())}");
        (_readFd, _writeFd) = (fds[0], fds[1]);
        Libc.SetNonBlockingCloseOnExec(_readFd);
        Libc.SetNonBlockingCloseOnExec(_writeFd);
    }

    internal int ReadFd => _readFd;

    /// <summary>Whether a signal arrived that the loop has not answered: lets a non-blocking iteration skip the poll.</summary>
    internal bool IsSignalled => Volatile.Read(ref _signalled) != 0;

    /// <summary>How many times the descriptor was written: the system calls signalling cost, and a wakeup's poll and read each.</summary>
    internal long Writes => Volatile.Read(ref _writes);

    /// <summary>Wakes the loop. Any thread; the descriptor is written only by the first signal since the last answer.</summary>
    internal void Signal()
    {
        if (Interlocked.Exchange(ref _signalled, 1) != 0)
            return;
        // The lock only orders this write against Dispose closing the descriptor (which a later open could
        // reuse); it is taken once per wakeup, not once per send.
        lock (_gate)
        {
            if (_closed)
                return;
            ulong one = 1;
            Libc.Write(_writeFd, (byte*)&one, OperatingSystem.IsLinux() ? 8 : 1);
            _writes++; // under the lock: signallers on several threads count every write
        }
    }

    /// <summary>
    /// Drains the descriptor and re-arms signalling. Called on the loop thread before it looks at what the
    /// signal was for: a sender that finds the flag cleared writes again, so no wakeup is lost.
    /// </summary>
    internal void Acknowledge()
    {
        byte* buffer = stackalloc byte[64];
        if (OperatingSystem.IsLinux())
            Libc.Read(_readFd, buffer, 8); // one read resets an eventfd's counter
        else
            while (Libc.Read(_readFd, buffer, 64) > 0) { }
        Interlocked.Exchange(ref _signalled, 0);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_closed)
                return;
            _closed = true;
            Libc.Close(_readFd);
            if (_writeFd != _readFd)
                Libc.Close(_writeFd);
        }
    }
}

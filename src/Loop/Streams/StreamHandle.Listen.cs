using Uvnet.Interop;

namespace Uvnet;

public abstract unsafe partial class StreamHandle
{
    // Connections accepted per wakeup of a listener, so a connection storm cannot starve established
    // connections; the rest are accepted in the next iteration.
    private const int MaxAcceptsPerWakeup = 128;

    // Out of descriptors with nothing to shed the waiting connections with (the reserve was lost, see
    // Loop.ShedPendingConnections), the listener stops watching for this long: otherwise, level-triggered, it
    // would be woken at once, forever, by connections it cannot accept.
    private const int AcceptRetryDelayMs = 100;

    private ConnectionCallback? _onConnection;
    private int _acceptedFd = -1;
    private int _acceptCeiling = int.MaxValue;
    private TimerHandle? _acceptRetry;

    /// <summary>
    /// Starts listening, as <c>uv_listen</c>: <paramref name="onConnection"/> runs for each incoming connection
    /// (call <see cref="Accept"/> in it) or accept error. If the callback does not accept, the listener stops
    /// accepting until <see cref="Accept"/> is called. Returns 0 or a negative status.
    /// </summary>
    /// <remarks>
    /// When the process runs out of descriptors (EMFILE, ENFILE), the listener closes a reserved descriptor,
    /// accepts and closes the waiting connections (their clients see a reset rather than hanging), reopens
    /// the reserve and reports the error through <paramref name="onConnection"/>: it never spins. Without a
    /// reserve (none could be opened, or a file opened on another thread took the descriptor it freed), the
    /// listener stops watching for 100 ms, with a timer handle of its own (unreferenced, closed with it), then
    /// takes a reserve again if it can; the connections wait meanwhile. Connections never take the top eighth of
    /// the descriptor table (64 descriptors at most, read from the soft limit when listening starts): one accepted
    /// there is closed and handled as EMFILE, so that the process keeps descriptors for files, logs and threads.
    /// </remarks>
    public int Listen(int backlog, ConnectionCallback onConnection)
    {
        ArgumentNullException.ThrowIfNull(onConnection);
        VerifyUsable();
        if (Has(StreamState.Listening))
            return UvError.EALREADY;
        int status = EnsureListenable();
        if (status < 0)
            return status;
        if (Libc.Listen(Fd, backlog) < 0)
            return Libc.LastStatus();
        Loop.EnsureReserveDescriptor();
        _acceptCeiling = Loop.AcceptCeiling();
        _onConnection = onConnection;
        Set(StreamState.Listening, true);
        UpdateInterest();
        return 0;
    }

    /// <summary>Whether the stream is listening for connections.</summary>
    public bool IsListening => Has(StreamState.Listening);

    /// <summary>
    /// Hands the connection announced to the connection callback to <paramref name="client"/>, a new stream of
    /// the same kind on the same loop. Returns 0, or EAGAIN when no connection is waiting.
    /// </summary>
    /// <exception cref="ObjectDisposedException">This stream or <paramref name="client"/> is closing or closed; the
    /// connection stays waiting for an <see cref="Accept"/> into a usable client.</exception>
    public int Accept(StreamHandle client)
    {
        ArgumentNullException.ThrowIfNull(client);
        VerifyUsable();
        client.VerifyUsable();
        if (client.Loop != Loop || client.GetType() != GetType())
            throw new ArgumentException("The client must be a new stream of the same type on the same loop.", nameof(client));
        if (client.Fd >= 0)
            throw new ArgumentException("The client stream already has a descriptor.", nameof(client));
        if (_acceptedFd < 0)
            return UvError.EAGAIN;
        client.Attach(_acceptedFd, StreamState.Readable | StreamState.Writable);
        _acceptedFd = -1;
        UpdateInterest();
        return 0;
    }

    /// <summary>
    /// Whether other loops listen on this socket too (<see cref="TcpBindFlags.SharePort"/>). Such a listener takes one
    /// connection per wakeup, as nginx does by default (<c>multi_accept off</c>): draining the queue hands a burst of
    /// connections to whichever loop woke first (measured: 64 of 65), while one at a time leaves the rest to the
    /// loops that the next connections wake. And each connection sends it to the back of the loops the socket wakes
    /// (<see cref="Loop.Requeue"/>): the kernel wakes the first loop waiting in the order they registered the socket,
    /// so the first loop, whenever idle, would take every connection (measured, two loops and a connection per
    /// request: 73% to one), while requeued the next connection wakes another idle loop (measured: 50%).
    /// </summary>
    private protected virtual bool SharedByLoops => false;

    /// <summary>Prepares a socket to listen on (a TCP handle binds an ephemeral port if it was not bound).</summary>
    private protected abstract int EnsureListenable();

    private void AcceptPending()
    {
        for (int count = SharedByLoops ? 1 : MaxAcceptsPerWakeup; count > 0 && Has(StreamState.Listening) && _acceptedFd < 0; count--)
        {
            int fd = Loop.AcceptInTurn(Fd, _acceptCeiling);
            if (fd >= _acceptCeiling)
            {
                // Into the headroom kept at the top of the table: shed as if the table were full.
                Libc.Close(fd);
                fd = UvError.EMFILE;
            }
            if (fd < 0)
            {
                int status = fd;
                if (status == UvError.EAGAIN)
                    return;
                if (status == UvError.EINTR || status == UvError.ECONNABORTED)
                    continue;
                if ((status == UvError.EMFILE || status == UvError.ENFILE) && !Loop.ShedPendingConnections(Fd))
                    PauseAccepting();
                _onConnection!(this, status);
                return;
            }
            _acceptedFd = fd;
            if (SharedByLoops)
                Loop.Requeue(this);
            _onConnection!(this, 0);
        }
        // Not accepted by the callback: stop watching until Accept takes it.
        UpdateInterest();
    }

    private void PauseAccepting()
    {
        Set(StreamState.AcceptPaused, true);
        UpdateInterest();
        if (_acceptRetry is null or { IsClosing: true })
        {
            _acceptRetry = new TimerHandle(Loop) { Data = this };
            _acceptRetry.Unref(); // the listener keeps the loop alive, not its retry
        }
        _acceptRetry.Start(static t => ((StreamHandle)t.Data!).ResumeAccepting(), AcceptRetryDelayMs);
    }

    private void ResumeAccepting()
    {
        Set(StreamState.AcceptPaused, false);
        Loop.EnsureReserveDescriptor();
        UpdateInterest();
    }

    /// <summary>accept4 (or accept and fcntl) giving a non-blocking, close-on-exec descriptor, or a negative status.</summary>
    internal static int AcceptOne(int listenFd)
    {
        if (OperatingSystem.IsLinux())
        {
            int fd = Libc.Accept4(listenFd, null, null, SocketConstants.SOCK_NONBLOCK | SocketConstants.SOCK_CLOEXEC);
            return fd < 0 ? Libc.LastStatus() : fd;
        }
        int accepted = Libc.Accept(listenFd, null, null);
        if (accepted < 0)
            return Libc.LastStatus();
        int status = Libc.SetNonBlockingCloseOnExec(accepted);
        if (status < 0)
        {
            Libc.Close(accepted);
            return status;
        }
        return accepted;
    }
}

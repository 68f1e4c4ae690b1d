namespace Uvnet.Server.Hosting;

/// <summary>
/// One loop's share of a server (a listening socket and its connections), as <see cref="ServerHost"/> drives
/// it: every member is called on the loop's thread.
/// </summary>
public interface ILoopService
{
    /// <summary>
    /// Starts listening on <paramref name="port"/> (0: any free one) and <paramref name="host"/> (null: every
    /// interface, dual stack), sharing its listening socket with the other loops of this process (the port held
    /// against every other process: <see cref="TcpBindFlags.SharePort"/>). Calls
    /// <paramref name="listening"/> with the bound port once listening, or <paramref name="failed"/> with the
    /// error (EADDRINUSE, EACCES...); once listening, <paramref name="failed"/> hears of errors accepting
    /// connections (EMFILE...), which the service weathers.
    /// </summary>
    void Listen(int port, string? host, Action<int> listening, Action<Exception> failed);

    /// <summary>
    /// Begins a graceful stop: stop accepting, let responses in flight finish, close idle connections. The loop
    /// ends once nothing is left open.
    /// </summary>
    void Stop();

    /// <summary>The grace period after <see cref="Stop"/> is over: close every connection still open, now.</summary>
    void Abort();

    /// <summary>Connections open now (read on the loop's thread, for the <see cref="LoopStats"/> line).</summary>
    int ConnectionCount { get; }

    /// <summary>Connections accepted so far (written on the loop's thread; read by others once the loop has ended).</summary>
    long ConnectionsAccepted { get; }
}

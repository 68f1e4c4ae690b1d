namespace Uvnet.Net;

public sealed partial class Socket
{
    private bool _resetOnClose;
    private bool _resetWhenConnected;

    /// <summary>Raised right after <see cref="Connected"/> (and the connect's callback), as Node's <c>'ready'</c>; not when a handler of those destroyed the socket.</summary>
    public event Action<Socket>? Ready;

    /// <summary>
    /// Whether data may still arrive (Node's <c>readable</c>): true from creation until the peer's end was raised
    /// (<see cref="Ended"/>) or the socket was destroyed. Pausing does not change it.
    /// </summary>
    public bool Readable => !_destroyed && !_readableEnded;

    /// <summary>Whether <see cref="Ended"/> was raised (Node's <c>readableEnded</c>); a socket destroyed before the peer ended never has.</summary>
    public bool ReadableEnded => _readableEnded;

    /// <summary>Whether the socket is not connected yet (Node's <c>pending</c>): before and during a connect, and once destroyed.</summary>
    public bool Pending => _handle is null || _connecting || _destroyed;

    /// <summary>
    /// Closes the connection with a reset (RST, through SO_LINGER 0) instead of a FIN, as Node's
    /// <c>socket.resetAndDestroy()</c>: queued writes are cancelled and <see cref="Closed"/> follows. While connecting,
    /// the reset waits for the connection (a failed connect closes as it would). A socket that never started to
    /// connect is destroyed with ERR_SOCKET_CLOSED (<see cref="Error"/>, then <see cref="Closed"/>); a destroyed one
    /// is left as it is (Node's destroy of a destroyed stream does nothing).
    /// </summary>
    /// <exception cref="InvalidOperationException">The socket is a Unix-socket connection (Node's ERR_INVALID_HANDLE_TYPE): only TCP has a reset.</exception>
    public void ResetAndDestroy()
    {
        Loop.VerifyAccess();
        if (_destroyed)
            return;
        if (_handle is PipeHandle)
            throw new InvalidOperationException("ResetAndDestroy needs a TCP socket (ERR_INVALID_HANDLE_TYPE).");
        if (_connecting)
        {
            _resetWhenConnected = true;
            return;
        }
        if (_handle is null)
        {
            Destroy(new NetException("ERR_SOCKET_CLOSED", "Socket is closed"));
            return;
        }
        _resetOnClose = true;
        Destroy();
    }

    /// <summary>Carries out a <see cref="ResetAndDestroy"/> asked for while connecting.</summary>
    private void ResetIfAsked()
    {
        if (!_resetWhenConnected)
            return;
        _resetWhenConnected = false;
        ResetAndDestroy();
    }
}

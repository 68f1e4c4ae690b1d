namespace Uvnet.Http.Server;

public sealed partial class ServerResponse
{
    private Action<ServerResponse>? _timeout;

    /// <summary>
    /// Raised when the connection has been idle for its socket's timeout (see <see cref="SetTimeout"/> and
    /// <see cref="HttpServer.SetTimeout"/>) while this response is the first still to be sent, as Node's
    /// <c>timeout</c> on <c>res</c> (the socket's current message). A handler here keeps the socket from being
    /// destroyed: it decides.
    /// </summary>
    public event Action<ServerResponse>? Timeout
    {
        add => LoopThread.Subscribe(Live.Server.Loop, nameof(ServerResponse), ref _timeout, value, add: true);
        remove => LoopThread.Subscribe(Connection.Server.Loop, nameof(ServerResponse), ref _timeout, value, add: false);
    }

    /// <summary>
    /// Sets the connection's idle timeout to <paramref name="milliseconds"/> (0: none), as Node's
    /// <c>res.setTimeout</c>, and adds <paramref name="callback"/>, when given, to <see cref="Timeout"/>. As
    /// <see cref="IncomingMessage.SetTimeout"/>, it lasts until the connection has no response left to send.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="milliseconds"/> is negative.</exception>
    /// <exception cref="ObjectDisposedException">The response was answered and recycled (kept past its handler).</exception>
    public ServerResponse SetTimeout(long milliseconds, Action<ServerResponse>? callback = null)
    {
        VerifyLoopThread();
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds);
        HttpConnection connection = Live; // a recycled response would set the next request's timeout and handler
        if (callback is not null)
            _timeout += callback;
        connection.SetRequestTimeout(milliseconds);
        return this;
    }

    /// <summary>The connection has been idle for its socket's timeout: true when a <see cref="Timeout"/> handler took it.</summary>
    internal bool RaiseTimeout()
    {
        if (_timeout is not { } handlers)
            return false;
        try
        {
            handlers(this);
        }
        catch (Exception e)
        {
            // As for a throwing server Timeout handler: what the handler meant to do with the socket is unknown.
            Connection.Server.ReportHandlerError(e, _request);
            Socket.Destroy();
        }
        return true;
    }
}

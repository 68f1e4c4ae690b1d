using System.Net;

namespace Uvnet.Net;

public sealed partial class DgramSocket
{
    private Action<NetException?>? _connectCallback;

    /// <summary>
    /// Fixes the peer to <paramref name="port"/> on <paramref name="address"/> (null or "": "127.0.0.1" or "::1"), as
    /// Node's <c>socket.connect(port, address, callback)</c>: sends then go there without a port, only its datagrams are
    /// received, and a closed port comes back as ECONNREFUSED. An unbound socket binds to a free port first.
    /// <see cref="Connected"/> follows, and <paramref name="callback"/> with null; a failure goes to
    /// <paramref name="callback"/>, or without one to <see cref="Error"/>.
    /// </summary>
    /// <exception cref="NetException">ERR_SOCKET_BAD_PORT (not 1–65535), ERR_SOCKET_DGRAM_IS_CONNECTED (connected or
    /// connecting), ERR_SOCKET_DGRAM_NOT_RUNNING (closed).</exception>
    public void Connect(int port, string? address = null, Action<NetException?>? callback = null)
    {
        Loop.VerifyAccess();
        ValidatePort(port, allowZero: false);
        UdpHandle handle = HealthCheck();
        if (_connectState != ConnectState.Disconnected)
            throw new NetException("ERR_SOCKET_DGRAM_IS_CONNECTED", "Already connected");
        _connectState = ConnectState.Connecting;
        _connectCallback = callback;
        BindIfUnbound(handle);
        string host = HostOrLoopback(address);
        WhenBound(bindError =>
        {
            if (bindError is not null)
                AbandonConnect(bindError);
            else if (_handle == handle)
                Resolve(host, (ip, error) => FinishConnect(handle, ip, host, port, error));
        });
    }

    private void FinishConnect(UdpHandle handle, IPAddress? ip, string address, int port, NetException? error)
    {
        if (_handle != handle || _connectState != ConnectState.Connecting)
            return; // closed meanwhile
        if (error is null)
        {
            int status = IsOwnFamily(ip!) ? handle.Connect(new IPEndPoint(ip!, port)) : UvError.EINVAL;
            if (status < 0)
                error = new NetException(status, "connect", address, port);
        }
        Action<NetException?>? callback = _connectCallback;
        _connectCallback = null;
        if (error is not null)
        {
            _connectState = ConnectState.Disconnected;
            if (callback is not null)
                callback(error);
            else
                Error?.Invoke(this, error);
            return;
        }
        _connectState = ConnectState.Connected;
        Connected?.Invoke(this);
        callback?.Invoke(null);
    }

    /// <summary>The bind a connect waited for failed (raised as <see cref="Error"/> already): the connect's callback hears of it.</summary>
    private void AbandonConnect(NetException bindError)
    {
        Action<NetException?>? callback = _connectCallback;
        _connectCallback = null;
        _connectState = ConnectState.Disconnected;
        callback?.Invoke(bindError);
    }

    /// <summary>Forgets the peer, as Node's <c>socket.disconnect()</c>: sends need an address again.</summary>
    /// <exception cref="NetException">ERR_SOCKET_DGRAM_NOT_CONNECTED, ERR_SOCKET_DGRAM_NOT_RUNNING (closed), or the system's "connect" error.</exception>
    public void Disconnect()
    {
        Loop.VerifyAccess();
        UdpHandle handle = HealthCheck();
        if (_connectState != ConnectState.Connected)
            throw NotConnected();
        int status = handle.Disconnect();
        if (status < 0)
            throw new NetException(status, "connect");
        _connectState = ConnectState.Disconnected;
    }
}

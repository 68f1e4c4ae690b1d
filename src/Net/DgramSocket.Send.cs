using System.Net;
using System.Text;

namespace Uvnet.Net;

public sealed partial class DgramSocket
{
    private static readonly Action<UdpSendRequest, int> s_onSent = static (request, status) =>
    {
        var send = (PendingSend)request.Data!;
        send.Socket.OnSent(send, status);
    };

    // Send states waiting for reuse: a steady sender allocates none.
    private PendingSend? _freeSends;

    // Destinations given as text, by address and port, so that answering senders (rinfo.Address, rinfo.Port) parses
    // and allocates nothing. As the handle's cache of senders: any of CacheProbes slots from the hash's, then in turn.
    private const int DestinationCacheSize = 64;
    private (string Address, IPEndPoint EndPoint)[]? _destinations;
    private int _destinationEvictions;

    /// <summary>
    /// Sends <paramref name="message"/> as one datagram to <paramref name="port"/> on <paramref name="address"/> (null or "":
    /// "127.0.0.1" or "::1"), as Node's <c>socket.send(msg, port, address, callback)</c>. An unbound socket binds to a
    /// free port first (<see cref="Listening"/>) and sends once bound. <paramref name="callback"/> runs once with null
    /// and the bytes sent, or the error (EMSGSIZE, ECONNREFUSED, ENOTFOUND...), never inside this call; without a
    /// callback an error is dropped, as Node drops it. The memory must not change until the callback.
    /// </summary>
    /// <exception cref="NetException">ERR_SOCKET_DGRAM_IS_CONNECTED (connected: use the form without a port),
    /// ERR_SOCKET_DGRAM_NOT_RUNNING (closed), ERR_SOCKET_BAD_PORT (not 1–65535).</exception>
    public void Send(ReadOnlyMemory<byte> message, int port, string? address = null, Action<NetException?, int>? callback = null) =>
        SendTo(message, port, address, null, callback);

    /// <summary>Sends <paramref name="length"/> bytes of <paramref name="message"/> from <paramref name="offset"/>, as Node's <c>socket.send(msg, offset, length, port, address, callback)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is outside <paramref name="message"/>.</exception>
    /// <exception cref="NetException">As <see cref="Send(ReadOnlyMemory{byte}, int, string?, Action{NetException?, int}?)"/>.</exception>
    public void Send(ReadOnlyMemory<byte> message, int offset, int length, int port, string? address = null, Action<NetException?, int>? callback = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, message.Length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, message.Length - offset);
        SendTo(message.Slice(offset, length), port, address, null, callback);
    }

    /// <summary>Sends <paramref name="message"/> (UTF-8) as one datagram; see <see cref="Send(ReadOnlyMemory{byte}, int, string?, Action{NetException?, int}?)"/>.</summary>
    public void Send(string message, int port, string? address = null, Action<NetException?, int>? callback = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        SendTo(Encoding.UTF8.GetBytes(message), port, address, null, callback);
    }

    /// <summary>Sends <paramref name="message"/> to <paramref name="remote"/>; see <see cref="Send(ReadOnlyMemory{byte}, int, string?, Action{NetException?, int}?)"/>.</summary>
    public void Send(ReadOnlyMemory<byte> message, IPEndPoint remote, Action<NetException?, int>? callback = null)
    {
        ArgumentNullException.ThrowIfNull(remote);
        SendTo(message, remote.Port, null, remote, callback);
    }

    /// <summary>
    /// Sends <paramref name="message"/> to the connected peer, as Node's <c>socket.send(msg, callback)</c> on a connected
    /// socket; a refused port comes back as ECONNREFUSED (to this callback, a later one, or <see cref="Error"/>).
    /// </summary>
    /// <exception cref="NetException">ERR_SOCKET_BAD_PORT when not connected (Node asks for a port then),
    /// ERR_SOCKET_DGRAM_NOT_RUNNING (closed).</exception>
    public void Send(ReadOnlyMemory<byte> message, Action<NetException?, int>? callback = null) => SendConnected(message, callback);

    /// <summary>Sends <paramref name="message"/> (UTF-8) to the connected peer; see <see cref="Send(ReadOnlyMemory{byte}, Action{NetException?, int}?)"/>.</summary>
    public void Send(string message, Action<NetException?, int>? callback = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        SendConnected(Encoding.UTF8.GetBytes(message), callback);
    }

    private void SendConnected(ReadOnlyMemory<byte> message, Action<NetException?, int>? callback)
    {
        Loop.VerifyAccess();
        UdpHandle handle = HealthCheck();
        // Node reads the connected form on a socket that is not connected as a send without a port.
        if (_connectState != ConnectState.Connected)
            throw BadPort("undefined", allowZero: false);
        Enqueue(handle, message, 0, null, null, callback);
    }

    private void SendTo(ReadOnlyMemory<byte> message, int port, string? address, IPEndPoint? remote, Action<NetException?, int>? callback)
    {
        Loop.VerifyAccess();
        if (_connectState == ConnectState.Connected)
            throw new NetException("ERR_SOCKET_DGRAM_IS_CONNECTED", "Already connected");
        UdpHandle handle = HealthCheck();
        ValidatePort(port, allowZero: false);
        Enqueue(handle, message, port, address, remote, callback);
    }

    private void Enqueue(UdpHandle handle, ReadOnlyMemory<byte> message, int port, string? address, IPEndPoint? remote, Action<NetException?, int>? callback)
    {
        BindIfUnbound(handle);
        if (_bindState == BindState.Bound)
            SendNow(handle, message, port, address, remote, callback);
        else
            SendWhenBound(message, port, address, remote, callback);
    }

    // Apart from Enqueue: a lambda capturing parameters allocates its closure on entry to the method that holds it,
    // whichever path runs, and the bound path must allocate nothing.
    private void SendWhenBound(ReadOnlyMemory<byte> message, int port, string? address, IPEndPoint? remote, Action<NetException?, int>? callback)
    {
        // A copy of the caller's endpoint, which may change (one IPEndPoint reused for several sends) before this goes.
        IPEndPoint? destination = remote is null ? null : new IPEndPoint(Copy(remote.Address), port);
        WhenBound(bindError =>
        {
            if (bindError is not null)
                callback?.Invoke(bindError, 0);
            else if (_handle is { } bound)
                SendNow(bound, message, port, address, destination, callback);
            else
                callback?.Invoke(NotRunning(), 0); // closed by a Listening handler before its turn
        });
    }

    private static IPAddress Copy(IPAddress address) => address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
        ? new IPAddress(address.GetAddressBytes(), address.ScopeId)
        : new IPAddress(address.GetAddressBytes());

    private void SendNow(UdpHandle handle, ReadOnlyMemory<byte> message, int port, string? address, IPEndPoint? remote, Action<NetException?, int>? callback)
    {
        if (port == 0)
        {
            Transmit(handle, message, null, null, 0, callback); // the connected form
            return;
        }
        if (remote is not null)
        {
            Transmit(handle, message, remote, null, port, callback);
            return;
        }
        address = HostOrLoopback(address);
        if (KnownDestination(address, port) is { } known)
        {
            Transmit(handle, message, known, address, port, callback);
            return;
        }
        SendAfterLookup(handle, message, port, address, callback);
    }

    /// <summary>The endpoint of an IP literal (or "localhost") and a port, from the cache when sent to before; null for a name to look up.</summary>
    private IPEndPoint? KnownDestination(string address, int port)
    {
        (string Address, IPEndPoint EndPoint)[] destinations = _destinations ??= new (string, IPEndPoint)[DestinationCacheSize];
        uint hash = (uint)HashCode.Combine(address, port);
        int free = -1;
        for (int probe = 0; probe < CacheProbes; probe++)
        {
            int index = (int)((hash + (uint)probe) % DestinationCacheSize);
            (string Address, IPEndPoint EndPoint) known = destinations[index];
            if (known.EndPoint is null)
                free = free < 0 ? index : free;
            else if (known.EndPoint.Port == port && known.Address == address)
                return known.EndPoint;
        }
        if (TryParseAddress(address) is not { } literal)
            return null;
        var endPoint = new IPEndPoint(literal, port);
        destinations[free >= 0 ? free : (int)((hash + (uint)_destinationEvictions++ % CacheProbes) % DestinationCacheSize)] = (address, endPoint);
        return endPoint;
    }

    // Apart from SendNow, for the reason SendWhenBound is apart from Enqueue.
    private void SendAfterLookup(UdpHandle handle, ReadOnlyMemory<byte> message, int port, string address, Action<NetException?, int>? callback) =>
        Resolve(address, (ip, error) =>
        {
            if (_handle != handle)
            {
                callback?.Invoke(NotRunning(), 0); // closed while the name was looked up
                return;
            }
            if (error is not null)
            {
                if (callback is not null)
                    callback(error, 0);
                else
                    Error?.Invoke(this, error); // Node: a failed lookup without a callback is an 'error'
                return;
            }
            Transmit(handle, message, new IPEndPoint(ip!, port), address, port, callback);
        });

    private void Transmit(UdpHandle handle, ReadOnlyMemory<byte> message, IPEndPoint? remote, string? address, int port, Action<NetException?, int>? callback)
    {
        PendingSend send = _freeSends ?? new PendingSend(this);
        _freeSends = send.Next;
        send.Next = null;
        send.Callback = callback;
        send.Address = address;
        send.Remote = remote;
        send.Port = port;
        send.Size = message.Length;
        // A destination of the other family: Node's handle says EINVAL (uv_ip4_addr of an IPv6 address, and back).
        int status = remote is not null && !IsOwnFamily(remote.Address) ? UvError.EINVAL : 0;
        if (status == 0)
        {
            UdpSendRequest request = UdpSendRequest.Rent();
            request.Data = send;
            status = handle.Send(request, new ReadOnlySpan<ReadOnlyMemory<byte>>(in message), remote, s_onSent);
        }
        if (status < 0)
        {
            // Refused before it started (Node: the callback gets the error on the next tick; without one it is dropped).
            Loop.Post(static s => s.Socket.OnSent(s, s.Status), send.Refused(status));
        }
    }

    private void OnSent(PendingSend send, int status)
    {
        Action<NetException?, int>? callback = send.Callback;
        NetException? error = status < 0 ? new NetException(status, "send", send.Address ?? send.Remote?.Address.ToString(), send.Port == 0 ? null : send.Port) : null;
        int size = send.Size;
        send.Callback = null;
        send.Address = null;
        send.Remote = null;
        send.Next = _freeSends;
        _freeSends = send;
        callback?.Invoke(error, error is null ? size : 0);
    }

    /// <summary>A send's callback and where it went (for the error's message), kept with its request until the callback.</summary>
    private sealed class PendingSend(DgramSocket socket)
    {
        public DgramSocket Socket { get; } = socket;
        public Action<NetException?, int>? Callback;
        public string? Address;
        public IPEndPoint? Remote;
        public int Port;
        public int Size;
        public int Status;
        public PendingSend? Next;

        public PendingSend Refused(int status)
        {
            Status = status;
            return this;
        }
    }
}

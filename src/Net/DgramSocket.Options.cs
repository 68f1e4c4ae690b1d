using System.Net;

namespace Uvnet.Net;

public sealed partial class DgramSocket
{
    /// <summary>SO_BROADCAST, as Node's <c>socket.setBroadcast(flag)</c>.</summary>
    /// <exception cref="NetException">"setBroadcast EBADF" before the socket is bound; ERR_SOCKET_DGRAM_NOT_RUNNING once closed.</exception>
    public void SetBroadcast(bool flag) => Check(Handle().SetBroadcast(flag), "setBroadcast");

    /// <summary>The unicast TTL (1–255), as Node's <c>socket.setTTL(ttl)</c>; returns <paramref name="ttl"/>.</summary>
    /// <exception cref="NetException">"setTTL EINVAL" out of range, "setTTL EBADF" before binding.</exception>
    public int SetTTL(int ttl)
    {
        Check(Handle().SetTtl(ttl), "setTTL");
        return ttl;
    }

    /// <summary>The multicast TTL (0–255), as Node's <c>socket.setMulticastTTL(ttl)</c>; returns <paramref name="ttl"/>.</summary>
    /// <exception cref="NetException">"setMulticastTTL EINVAL" out of range, "setMulticastTTL EBADF" before binding.</exception>
    public int SetMulticastTTL(int ttl)
    {
        Check(Handle().SetMulticastTtl(ttl), "setMulticastTTL");
        return ttl;
    }

    /// <summary>IP_MULTICAST_LOOP, as Node's <c>socket.setMulticastLoopback(flag)</c>; returns <paramref name="flag"/>.</summary>
    public bool SetMulticastLoopback(bool flag)
    {
        Check(Handle().SetMulticastLoop(flag), "setMulticastLoopback");
        return flag;
    }

    /// <summary>
    /// The interface multicast leaves by, as Node's <c>socket.setMulticastInterface(interface)</c>: an IPv4 address of
    /// an interface for udp4; for udp6 an address with its scope ("::%2", "::%eth0").
    /// </summary>
    /// <exception cref="NetException">"setMulticastInterface EINVAL" for an address that does not parse or is of the other family.</exception>
    public void SetMulticastInterface(string interfaceAddress)
    {
        ArgumentNullException.ThrowIfNull(interfaceAddress);
        UdpHandle handle = Handle();
        Check(IPAddress.TryParse(interfaceAddress, out IPAddress? address) ? handle.SetMulticastInterface(address) : UvError.EINVAL, "setMulticastInterface");
    }

    /// <summary>Joins <paramref name="multicastAddress"/>, as Node's <c>socket.addMembership(multicastAddress, interfaceAddress)</c> (binding a free port first, as libuv does).</summary>
    /// <exception cref="NetException">"addMembership EINVAL" for an address that is not multicast, "addMembership EADDRINUSE" when joined already...</exception>
    public void AddMembership(string multicastAddress, string? interfaceAddress = null) =>
        Membership(multicastAddress, interfaceAddress, null, UdpMembership.Join, "addMembership");

    /// <summary>Leaves <paramref name="multicastAddress"/>, as Node's <c>socket.dropMembership(multicastAddress, interfaceAddress)</c>.</summary>
    /// <exception cref="NetException">"dropMembership EADDRNOTAVAIL" for a group not joined...</exception>
    public void DropMembership(string multicastAddress, string? interfaceAddress = null) =>
        Membership(multicastAddress, interfaceAddress, null, UdpMembership.Leave, "dropMembership");

    /// <summary>Joins the source-specific channel, as Node's <c>socket.addSourceSpecificMembership(sourceAddress, groupAddress, interfaceAddress)</c>.</summary>
    public void AddSourceSpecificMembership(string sourceAddress, string groupAddress, string? interfaceAddress = null)
    {
        ArgumentNullException.ThrowIfNull(sourceAddress);
        Membership(groupAddress, interfaceAddress, sourceAddress, UdpMembership.Join, "addSourceSpecificMembership");
    }

    /// <summary>Leaves the source-specific channel, as Node's <c>socket.dropSourceSpecificMembership(sourceAddress, groupAddress, interfaceAddress)</c>.</summary>
    public void DropSourceSpecificMembership(string sourceAddress, string groupAddress, string? interfaceAddress = null)
    {
        ArgumentNullException.ThrowIfNull(sourceAddress);
        Membership(groupAddress, interfaceAddress, sourceAddress, UdpMembership.Leave, "dropSourceSpecificMembership");
    }

    private void Membership(string group, string? interfaceAddress, string? source, UdpMembership membership, string syscall)
    {
        if (string.IsNullOrEmpty(group))
            throw new NetException("ERR_MISSING_ARGS", "The \"multicastAddress\" argument must be specified");
        UdpHandle handle = Handle();
        IPAddress? groupAddress = null, interfaceIp = null, sourceIp = null;
        bool parsed = IPAddress.TryParse(group, out groupAddress)
            && (interfaceAddress is null || IPAddress.TryParse(interfaceAddress, out interfaceIp))
            && (source is null || IPAddress.TryParse(source, out sourceIp));
        int status = !parsed || !IsOwnFamily(groupAddress!) ? UvError.EINVAL
            : source is null ? handle.SetMembership(groupAddress!, interfaceIp, membership)
            : handle.SetSourceMembership(groupAddress!, interfaceIp, sourceIp!, membership);
        Check(status, syscall);
    }

    /// <summary>SO_RCVBUF, as Node's <c>socket.setRecvBufferSize(size)</c>.</summary>
    /// <exception cref="NetException">ERR_SOCKET_BAD_BUFFER_SIZE (not positive), ERR_SOCKET_BUFFER_SIZE (not bound, or refused).</exception>
    public void SetRecvBufferSize(int size) => BufferSize(size, receive: true);

    /// <summary>SO_SNDBUF, as Node's <c>socket.setSendBufferSize(size)</c>.</summary>
    /// <exception cref="NetException">ERR_SOCKET_BAD_BUFFER_SIZE (not positive), ERR_SOCKET_BUFFER_SIZE (not bound, or refused).</exception>
    public void SetSendBufferSize(int size) => BufferSize(size, receive: false);

    /// <summary>SO_RCVBUF as the system reports it (Linux: twice what was set), as Node's <c>socket.getRecvBufferSize()</c>.</summary>
    /// <exception cref="NetException">ERR_SOCKET_BUFFER_SIZE before the socket is bound.</exception>
    public int GetRecvBufferSize() => BufferSize(0, receive: true);

    /// <summary>SO_SNDBUF as the system reports it, as Node's <c>socket.getSendBufferSize()</c>.</summary>
    /// <exception cref="NetException">ERR_SOCKET_BUFFER_SIZE before the socket is bound.</exception>
    public int GetSendBufferSize() => BufferSize(0, receive: false);

    /// <summary>Bytes of datagrams whose sends have not completed, as Node's <c>socket.getSendQueueSize()</c>.</summary>
    public long GetSendQueueSize() => Handle().SendQueueSize;

    /// <summary>Sends not completed yet, as Node's <c>socket.getSendQueueCount()</c>.</summary>
    public long GetSendQueueCount() => Handle().SendQueueCount;

    // Node's bufferSize(): 0 reads, a positive size sets; a negative one is ERR_SOCKET_BAD_BUFFER_SIZE.
    private int BufferSize(int size, bool receive)
    {
        if (size < 0)
            throw BadBufferSize();
        UdpHandle handle = Handle();
        int value = size;
        int status = size == 0
            ? (receive ? handle.GetReceiveBufferSize(out value) : handle.GetSendBufferSize(out value))
            : (receive ? handle.SetReceiveBufferSize(size) : handle.SetSendBufferSize(size));
        if (status < 0)
        {
            string call = (receive ? "uv_recv_buffer_size" : "uv_send_buffer_size");
            throw new NetException("ERR_SOCKET_BUFFER_SIZE", $"Could not get or set buffer size: {call} returned {UvError.Name(status)} ({UvError.Message(status)})");
        }
        return value;
    }

    internal static NetException BadBufferSize() => new("ERR_SOCKET_BAD_BUFFER_SIZE", "Buffer size must be a positive integer");

    private UdpHandle Handle()
    {
        Loop.VerifyAccess();
        return HealthCheck();
    }

    private static void Check(int status, string syscall)
    {
        if (status < 0)
            throw new NetException(status, syscall);
    }
}

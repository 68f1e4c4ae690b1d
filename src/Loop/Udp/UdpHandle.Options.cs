using System.Net;
using System.Net.Sockets;
using Uvnet.Interop;

namespace Uvnet;

public sealed unsafe partial class UdpHandle
{
    /// <summary>SO_BROADCAST: whether datagrams may go to a broadcast address (<c>uv_udp_set_broadcast</c>). Returns 0, EBADF without a socket, or the system's status.</summary>
    public int SetBroadcast(bool enable)
    {
        VerifyUsable();
        return Fd < 0 ? UvError.EBADF : SetOption(SocketConstants.SOL_SOCKET, SocketConstants.SO_BROADCAST, enable ? 1 : 0);
    }

    /// <summary>The unicast time to live, IP_TTL or IPV6_UNICAST_HOPS (<c>uv_udp_set_ttl</c>): 1 to 255, else EINVAL. EBADF without a socket.</summary>
    public int SetTtl(int ttl)
    {
        VerifyUsable();
        if (ttl is < 1 or > 255)
            return UvError.EINVAL;
        if (Fd < 0)
            return UvError.EBADF;
        return _ipv6
            ? SetOption(SocketConstants.IPPROTO_IPV6, SocketConstants.IPV6_UNICAST_HOPS, ttl)
            : SetOption(SocketConstants.IPPROTO_IP, SocketConstants.IP_TTL, ttl);
    }

    /// <summary>The multicast time to live (<c>uv_udp_set_multicast_ttl</c>): 0 to 255, else EINVAL. EBADF without a socket.</summary>
    public int SetMulticastTtl(int ttl)
    {
        VerifyUsable();
        if (ttl is < 0 or > 255)
            return UvError.EINVAL;
        if (Fd < 0)
            return UvError.EBADF;
        return _ipv6
            ? SetOption(SocketConstants.IPPROTO_IPV6, SocketConstants.IPV6_MULTICAST_HOPS, ttl)
            : SetMulticastByte(SocketConstants.IP_MULTICAST_TTL, ttl);
    }

    /// <summary>Whether multicast datagrams this socket sends come back to it (<c>uv_udp_set_multicast_loop</c>). EBADF without a socket.</summary>
    public int SetMulticastLoop(bool enable)
    {
        VerifyUsable();
        if (Fd < 0)
            return UvError.EBADF;
        return _ipv6
            ? SetOption(SocketConstants.IPPROTO_IPV6, SocketConstants.IPV6_MULTICAST_LOOP, enable ? 1 : 0)
            : SetMulticastByte(SocketConstants.IP_MULTICAST_LOOP, enable ? 1 : 0);
    }

    // The BSDs take IPv4's multicast TTL and loop as an unsigned char; Linux takes an int (or a char).
    private int SetMulticastByte(int name, int value)
    {
        if (OperatingSystem.IsLinux())
            return SetOption(SocketConstants.IPPROTO_IP, name, value);
        byte b = (byte)value;
        return Libc.SetSockOpt(Fd, SocketConstants.IPPROTO_IP, name, &b, 1) < 0 ? Libc.LastStatus() : 0;
    }

    /// <summary>
    /// The interface multicast datagrams leave by (<c>uv_udp_set_multicast_interface</c>): for IPv4 the address of a
    /// local interface, for IPv6 an address whose scope id names the interface; null for the system's choice. EINVAL
    /// for an address of the other family than the socket's, EBADF without a socket.
    /// </summary>
    public int SetMulticastInterface(IPAddress? interfaceAddress)
    {
        VerifyUsable();
        if (interfaceAddress is not null && !IsSocketFamily(interfaceAddress))
            return Fd < 0 ? UvError.EBADF : UvError.EINVAL;
        if (Fd < 0)
            return UvError.EBADF;
        if (_ipv6)
            return SetOption(SocketConstants.IPPROTO_IPV6, SocketConstants.IPV6_MULTICAST_IF, (int)(interfaceAddress?.ScopeId ?? 0));
        uint address = 0; // INADDR_ANY
        interfaceAddress?.TryWriteBytes(new Span<byte>(&address, 4), out _);
        return Libc.SetSockOpt(Fd, SocketConstants.IPPROTO_IP, SocketConstants.IP_MULTICAST_IF, &address, 4) < 0 ? Libc.LastStatus() : 0;
    }

    /// <summary>
    /// Joins or leaves the multicast <paramref name="group"/> on the interface of <paramref name="interfaceAddress"/>
    /// (null: the system's choice), as <c>uv_udp_set_membership</c>. Binds to a free port with SO_REUSEADDR first when
    /// the socket is not bound, as libuv does. Returns 0, EINVAL when <paramref name="group"/> is not multicast or not
    /// of the socket's family, or the system's status (EADDRINUSE for a group joined already, EADDRNOTAVAIL for one
    /// not joined, ENODEV for an interface the system does not know).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An unknown <paramref name="membership"/>.</exception>
    public int SetMembership(IPAddress group, IPAddress? interfaceAddress, UdpMembership membership)
    {
        ArgumentNullException.ThrowIfNull(group);
        VerifyMembership(membership);
        VerifyUsable();
        if (!IsMulticast(group) || (interfaceAddress is not null && interfaceAddress.AddressFamily != group.AddressFamily))
            return UvError.EINVAL;
        int status = BindForMembership(group);
        if (status < 0)
            return status;
        bool join = membership == UdpMembership.Join;
        if (group.AddressFamily == AddressFamily.InterNetworkV6)
        {
            // struct ipv6_mreq: the group's 16 bytes, then the interface index.
            byte* request = stackalloc byte[20];
            group.TryWriteBytes(new Span<byte>(request, 16), out _);
            *(uint*)(request + 16) = (uint)(interfaceAddress?.ScopeId ?? 0);
            int name = join ? SocketConstants.IPV6_ADD_MEMBERSHIP : SocketConstants.IPV6_DROP_MEMBERSHIP;
            return Libc.SetSockOpt(Fd, SocketConstants.IPPROTO_IPV6, name, request, 20) < 0 ? Libc.LastStatus() : 0;
        }
        // struct ip_mreq: the group, then the interface's address (INADDR_ANY: zero).
        byte* mreq = stackalloc byte[8];
        new Span<byte>(mreq, 8).Clear();
        group.TryWriteBytes(new Span<byte>(mreq, 4), out _);
        interfaceAddress?.TryWriteBytes(new Span<byte>(mreq + 4, 4), out _);
        int option = join ? SocketConstants.IP_ADD_MEMBERSHIP : SocketConstants.IP_DROP_MEMBERSHIP;
        return Libc.SetSockOpt(Fd, SocketConstants.IPPROTO_IP, option, mreq, 8) < 0 ? Libc.LastStatus() : 0;
    }

    /// <summary>
    /// Joins or leaves the source-specific multicast channel (<paramref name="source"/>, <paramref name="group"/>), as
    /// <c>uv_udp_set_source_membership</c>: only <paramref name="source"/>'s datagrams to the group are received.
    /// Returns and binds as <see cref="SetMembership"/>; EINVAL also when <paramref name="source"/> is not of the group's family.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An unknown <paramref name="membership"/>.</exception>
    public int SetSourceMembership(IPAddress group, IPAddress? interfaceAddress, IPAddress source, UdpMembership membership)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(source);
        VerifyMembership(membership);
        VerifyUsable();
        if (!IsMulticast(group) || source.AddressFamily != group.AddressFamily
            || (interfaceAddress is not null && interfaceAddress.AddressFamily != group.AddressFamily))
            return UvError.EINVAL;
        int status = BindForMembership(group);
        if (status < 0)
            return status;
        bool join = membership == UdpMembership.Join;
        if (group.AddressFamily == AddressFamily.InterNetworkV6)
        {
            // struct group_source_req: the interface index, padded to 8, then two sockaddr_storage (group, source).
            const int Storage = 128, GroupOffset = 8;
            byte* request = stackalloc byte[GroupOffset + 2 * Storage];
            new Span<byte>(request, GroupOffset + 2 * Storage).Clear();
            *(uint*)request = (uint)(interfaceAddress?.ScopeId ?? 0);
            SockAddr.Write(new IPEndPoint(group, 0), new Span<byte>(request + GroupOffset, Storage));
            SockAddr.Write(new IPEndPoint(source, 0), new Span<byte>(request + GroupOffset + Storage, Storage));
            int name = join ? SocketConstants.MCAST_JOIN_SOURCE_GROUP : SocketConstants.MCAST_LEAVE_SOURCE_GROUP;
            return Libc.SetSockOpt(Fd, SocketConstants.IPPROTO_IPV6, name, request, GroupOffset + 2 * Storage) < 0 ? Libc.LastStatus() : 0;
        }
        // struct ip_mreq_source: group, interface, source on Linux; group, source, interface on the BSDs.
        byte* mreq = stackalloc byte[12];
        new Span<byte>(mreq, 12).Clear();
        int interfaceOffset = OperatingSystem.IsLinux() ? 4 : 8, sourceOffset = OperatingSystem.IsLinux() ? 8 : 4;
        group.TryWriteBytes(new Span<byte>(mreq, 4), out _);
        interfaceAddress?.TryWriteBytes(new Span<byte>(mreq + interfaceOffset, 4), out _);
        source.TryWriteBytes(new Span<byte>(mreq + sourceOffset, 4), out _);
        int option = join ? SocketConstants.IP_ADD_SOURCE_MEMBERSHIP : SocketConstants.IP_DROP_SOURCE_MEMBERSHIP;
        return Libc.SetSockOpt(Fd, SocketConstants.IPPROTO_IP, option, mreq, 12) < 0 ? Libc.LastStatus() : 0;
    }

    private static void VerifyMembership(UdpMembership membership)
    {
        if (membership is not (UdpMembership.Join or UdpMembership.Leave))
            throw new ArgumentOutOfRangeException(nameof(membership), membership, "Join or Leave.");
    }

    private static bool IsMulticast(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? address.IsIPv6Multicast
        : address.AddressFamily == AddressFamily.InterNetwork && (address.GetAddressBytes()[0] & 0xF0) == 0xE0;

    private bool IsSocketFamily(IPAddress address) => (address.AddressFamily == AddressFamily.InterNetworkV6) == _ipv6;

    // As libuv: a membership on a socket not bound yet binds it (with SO_REUSEADDR, so that other receivers of
    // the group may bind the same port), then the group must be of the socket's family.
    private int BindForMembership(IPAddress group)
    {
        if (Fd < 0)
        {
            IPAddress any = group.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
            int status = BindSocket(new IPEndPoint(any, 0), ipv6Only: false, reuseAddress: true);
            if (status < 0)
                return status;
        }
        return IsSocketFamily(group) ? 0 : UvError.EINVAL;
    }

    /// <summary>The send buffer's size, SO_SNDBUF (<c>uv_send_buffer_size</c> with 0): Linux reports twice what was set, its bookkeeping included.</summary>
    public int GetSendBufferSize(out int size) => GetBufferSize(SocketConstants.SO_SNDBUF, out size);

    /// <summary>Sets SO_SNDBUF (<c>uv_send_buffer_size</c>): a positive size, else EINVAL; EBADF without a socket.</summary>
    public int SetSendBufferSize(int size) => SetBufferSize(SocketConstants.SO_SNDBUF, size);

    /// <summary>The receive buffer's size, SO_RCVBUF (<c>uv_recv_buffer_size</c> with 0): Linux reports twice what was set.</summary>
    public int GetReceiveBufferSize(out int size) => GetBufferSize(SocketConstants.SO_RCVBUF, out size);

    /// <summary>Sets SO_RCVBUF (<c>uv_recv_buffer_size</c>): a positive size, else EINVAL; EBADF without a socket.</summary>
    public int SetReceiveBufferSize(int size) => SetBufferSize(SocketConstants.SO_RCVBUF, size);

    private int GetBufferSize(int name, out int size)
    {
        VerifyUsable();
        size = 0;
        if (Fd < 0)
            return UvError.EBADF;
        int value, length = sizeof(int);
        if (Libc.GetSockOpt(Fd, SocketConstants.SOL_SOCKET, name, &value, &length) < 0)
            return Libc.LastStatus();
        size = value;
        return 0;
    }

    private int SetBufferSize(int name, int size)
    {
        VerifyUsable();
        if (size <= 0)
            return UvError.EINVAL;
        return Fd < 0 ? UvError.EBADF : SetOption(SocketConstants.SOL_SOCKET, name, size);
    }
}

using System.Net;

namespace Uvnet;

/// <summary>Options for <see cref="UdpHandle.Bind"/>, as libuv's <c>uv_udp_flags</c>.</summary>
[Flags]
public enum UdpBindFlags
{
    /// <summary>Defaults: an IPv6 address also receives IPv4 (dual stack); the port is this socket's alone.</summary>
    None = 0,

    /// <summary>IPV6_V6ONLY: an IPv6 socket takes IPv6 only (libuv's UV_UDP_IPV6ONLY). Only with an IPv6 address.</summary>
    Ipv6Only = 1,

    /// <summary>
    /// SO_REUSEADDR (libuv's UV_UDP_REUSEADDR, Node's <c>reuseAddr</c>): other sockets that set it may bind the same
    /// address and port, in this process or another, as multicast receivers do; unicast datagrams then go to one of
    /// them. Not with <see cref="SharePort"/>.
    /// </summary>
    ReuseAddress = 4,

    /// <summary>
    /// The handles of this process that bind one address and port with this flag (one per loop) share one socket,
    /// as <see cref="TcpBindFlags.SharePort"/>: the first binds it without SO_REUSEPORT, so no other process can take
    /// a share of the datagrams; the others receive from a duplicate of it, and a datagram wakes one of the loops.
    /// Libuv's UV_UDP_REUSEPORT spreads datagrams over sockets with SO_REUSEPORT instead, which any process of the
    /// same user can join. Not with <see cref="ReuseAddress"/>.
    /// </summary>
    SharePort = 8,
}

/// <summary>What a received datagram's callback is told besides its length, as libuv's <c>uv_udp_flags</c>.</summary>
[Flags]
public enum UdpRecvFlags
{
    /// <summary>A whole datagram.</summary>
    None = 0,

    /// <summary>The datagram was larger than the buffer: what did not fit is lost (UV_UDP_PARTIAL, MSG_TRUNC).</summary>
    Partial = 2,
}

/// <summary>Joining or leaving a multicast group, as libuv's <c>uv_membership</c>.</summary>
public enum UdpMembership
{
    /// <summary>Leave the group (UV_LEAVE_GROUP).</summary>
    Leave = 0,

    /// <summary>Join the group (UV_JOIN_GROUP).</summary>
    Join = 1,
}

/// <summary>
/// Asked for a buffer before each receive, as libuv's <c>uv_alloc_cb</c> for UDP (suggested size 64 KiB, the largest
/// datagram). An empty buffer makes the receive callback get <see cref="UvError.ENOBUFS"/>; a buffer smaller than the
/// datagram gets its start, flagged <see cref="UdpRecvFlags.Partial"/>. If the callback closes the handle or stops
/// receiving, nothing is received and the receive callback does not run for that buffer.
/// </summary>
public delegate Memory<byte> UdpAllocCallback(UdpHandle handle, int suggestedSize);

/// <summary>
/// Called for each receive, as libuv's <c>uv_udp_recv_cb</c>: <paramref name="nread"/> &gt;= 0 bytes of a datagram
/// from <paramref name="sender"/> (0 with a sender: an empty datagram); 0 with no sender: nothing more to read now
/// (the buffer can be reused); a negative status: an error (ECONNREFUSED on a connected socket whose peer's port is
/// closed), after which receiving goes on.
/// </summary>
/// <remarks>
/// With the loop's default buffer, the bytes are valid only until the callback returns. <paramref name="sender"/> is
/// handed out again for later datagrams from the same address (so steady peers cost no allocation), unless it was
/// changed since: then later datagrams get a new one.
/// </remarks>
public delegate void UdpRecvCallback(UdpHandle handle, int nread, Memory<byte> buffer, IPEndPoint? sender, UdpRecvFlags flags);

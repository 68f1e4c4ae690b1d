namespace Uvnet;

/// <summary>Options for <see cref="TcpHandle.Bind"/>.</summary>
[Flags]
public enum TcpBindFlags
{
    /// <summary>Defaults: SO_REUSEADDR (as libuv sets it); an IPv6 address also accepts IPv4 (dual stack).</summary>
    None = 0,

    /// <summary>IPV6_V6ONLY: an IPv6 socket accepts IPv6 only.</summary>
    Ipv6Only = 1,

    /// <summary>
    /// SO_REUSEPORT: several sockets listen on the same port and the kernel spreads connections over them. The
    /// risk: any process of the same user that also sets SO_REUSEPORT can bind the port too, without an error, and
    /// then takes its share of the connections (a second server started by mistake, or one started on purpose to
    /// read them). For one socket per loop of this process, use <see cref="SharePort"/>, which other processes
    /// cannot join. Not with <see cref="SharePort"/>.
    /// </summary>
    ReusePort = 2,

    /// <summary>
    /// The handles of this process that bind one address and port with this flag (one per loop, each on its own
    /// thread) share one socket: the first binds it (without SO_REUSEPORT, so the port is held against every other
    /// process, which gets EADDRINUSE, and a port already held gives this bind EADDRINUSE), the others open a
    /// duplicate of it (dup(2)). They accept from its one queue: a connection wakes one of the loops waiting
    /// (EPOLLEXCLUSIVE) rather than all of them, and a loop accepts one connection per wakeup, so that a burst is
    /// not all taken by the first loop woken. The socket
    /// is closed with the last of them. Port 0 binds a new socket on a free port, which the others then join by
    /// its number. Not with <see cref="ReusePort"/>.
    /// </summary>
    SharePort = 4,
}

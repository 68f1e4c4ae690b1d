namespace Uvnet;

/// <summary>Options for <see cref="TcpHandle.Bind"/>.</summary>
[Flags]
public enum TcpBindFlags
{
    /// <summary>Defaults: SO_REUSEADDR (as libuv sets it); an IPv6 address also accepts IPv4 (dual stack).</summary>
    None = 0,

    /// <summary>IPV6_V6ONLY: an IPv6 socket accepts IPv6 only.</summary>
    Ipv6Only = 1,

    /// <summary>SO_REUSEPORT: several sockets (one loop per core) listen on the same port; the kernel spreads connections.</summary>
    ReusePort = 2,
}

namespace Uvnet.Interop;

/// <summary>Socket constants whose values differ between Linux and the BSDs, chosen once at start-up.</summary>
internal static class SocketConstants
{
    private static readonly bool s_linux = OperatingSystem.IsLinux();

    internal const int AF_UNIX = 1, AF_INET = 2;
    internal static readonly int AF_INET6 = s_linux ? 10 : OperatingSystem.IsMacOS() ? 30 : 28;
    internal const int SOCK_STREAM = 1, SOCK_DGRAM = 2;
    internal const int SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000; // Linux only
    internal static readonly int SOL_SOCKET = s_linux ? 1 : 0xffff;
    internal static readonly int SO_REUSEADDR = s_linux ? 2 : 0x4;
    internal static readonly int SO_ERROR = s_linux ? 4 : 0x1007;
    internal static readonly int SO_TYPE = s_linux ? 3 : 0x1008;
    internal static readonly int SO_KEEPALIVE = s_linux ? 9 : 0x8;
    internal static readonly int SO_LINGER = s_linux ? 13 : 0x80;
    internal static readonly int SO_REUSEPORT = s_linux ? 15 : 0x200;
    internal static readonly int SO_BROADCAST = s_linux ? 6 : 0x20;
    internal static readonly int SO_SNDBUF = s_linux ? 7 : 0x1001;
    internal static readonly int SO_RCVBUF = s_linux ? 8 : 0x1002;
    internal const int SO_NOSIGPIPE = 0x1022; // macOS, FreeBSD has no such option
    internal const int IPPROTO_TCP = 6, TCP_NODELAY = 1;
    internal static readonly int TCP_KEEPIDLE = s_linux ? 4 : OperatingSystem.IsMacOS() ? 0x10 : 0x100;
    internal static readonly int TCP_KEEPINTVL = s_linux ? 5 : OperatingSystem.IsMacOS() ? 0x101 : 0x200;
    internal static readonly int TCP_KEEPCNT = s_linux ? 6 : OperatingSystem.IsMacOS() ? 0x102 : 0x400;
    internal const int IPPROTO_IPV6 = 41;
    internal static readonly int IPV6_V6ONLY = s_linux ? 26 : 27;
    internal const int MSG_NOSIGNAL = 0x4000; // Linux
    internal static readonly int MSG_TRUNC = s_linux ? 0x20 : 0x10;

    // IPv4 and IPv6 options of UDP sockets (libuv's uv_udp_set_*).
    internal const int IPPROTO_IP = 0;
    internal static readonly int IP_TTL = s_linux ? 2 : 4;
    internal static readonly int IP_MULTICAST_IF = s_linux ? 32 : 9;
    internal static readonly int IP_MULTICAST_TTL = s_linux ? 33 : 10;
    internal static readonly int IP_MULTICAST_LOOP = s_linux ? 34 : 11;
    internal static readonly int IP_ADD_MEMBERSHIP = s_linux ? 35 : 12;
    internal static readonly int IP_DROP_MEMBERSHIP = s_linux ? 36 : 13;
    internal static readonly int IP_ADD_SOURCE_MEMBERSHIP = s_linux ? 39 : 70;
    internal static readonly int IP_DROP_SOURCE_MEMBERSHIP = s_linux ? 40 : 71;
    internal static readonly int IPV6_UNICAST_HOPS = s_linux ? 16 : 4;
    internal static readonly int IPV6_MULTICAST_IF = s_linux ? 17 : 9;
    internal static readonly int IPV6_MULTICAST_HOPS = s_linux ? 18 : 10;
    internal static readonly int IPV6_MULTICAST_LOOP = s_linux ? 19 : 11;
    internal static readonly int IPV6_ADD_MEMBERSHIP = s_linux ? 20 : 12; // IPV6_JOIN_GROUP on the BSDs
    internal static readonly int IPV6_DROP_MEMBERSHIP = s_linux ? 21 : 13; // IPV6_LEAVE_GROUP
    internal static readonly int MCAST_JOIN_SOURCE_GROUP = s_linux ? 46 : 82;
    internal static readonly int MCAST_LEAVE_SOURCE_GROUP = s_linux ? 47 : 83;
    internal const int SHUT_WR = 1;

    // UDP segmentation offload (Linux only): a send's size of each datagram of a run (GSO), and receiving runs whole (GRO).
    internal const int SOL_UDP = 17, UDP_SEGMENT = 103;
}

namespace Uvnet.Interop;

/// <summary>Socket constants whose values differ between Linux and the BSDs, chosen once at start-up.</summary>
internal static class SocketConstants
{
    private static readonly bool s_linux = OperatingSystem.IsLinux();

    internal const int AF_UNIX = 1, AF_INET = 2;
    internal static readonly int AF_INET6 = s_linux ? 10 : OperatingSystem.IsMacOS() ? 30 : 28;
    internal const int SOCK_STREAM = 1;
    internal const int SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000; // Linux only
    internal static readonly int SOL_SOCKET = s_linux ? 1 : 0xffff;
    internal static readonly int SO_REUSEADDR = s_linux ? 2 : 0x4;
    internal static readonly int SO_ERROR = s_linux ? 4 : 0x1007;
    internal static readonly int SO_TYPE = s_linux ? 3 : 0x1008;
    internal static readonly int SO_KEEPALIVE = s_linux ? 9 : 0x8;
    internal static readonly int SO_LINGER = s_linux ? 13 : 0x80;
    internal static readonly int SO_REUSEPORT = s_linux ? 15 : 0x200;
    internal const int SO_NOSIGPIPE = 0x1022; // macOS, FreeBSD has no such option
    internal const int IPPROTO_TCP = 6, TCP_NODELAY = 1;
    internal static readonly int TCP_KEEPIDLE = s_linux ? 4 : OperatingSystem.IsMacOS() ? 0x10 : 0x100;
    internal static readonly int TCP_KEEPINTVL = s_linux ? 5 : OperatingSystem.IsMacOS() ? 0x101 : 0x200;
    internal static readonly int TCP_KEEPCNT = s_linux ? 6 : OperatingSystem.IsMacOS() ? 0x102 : 0x400;
    internal const int IPPROTO_IPV6 = 41;
    internal static readonly int IPV6_V6ONLY = s_linux ? 26 : 27;
    internal const int MSG_NOSIGNAL = 0x4000; // Linux
    internal const int SHUT_WR = 1;
}

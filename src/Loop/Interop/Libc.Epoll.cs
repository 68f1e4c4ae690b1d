using System.Runtime.InteropServices;

namespace Uvnet.Interop;

internal static unsafe partial class Libc
{
    internal const int EPOLL_CLOEXEC = 0x80000;
    internal const int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
    internal const uint EPOLLIN = 0x1, EPOLLPRI = 0x2, EPOLLOUT = 0x4, EPOLLERR = 0x8, EPOLLHUP = 0x10,
        EPOLLRDHUP = 0x2000, EPOLLEXCLUSIVE = 1u << 28;

    /// <summary>
    /// struct epoll_event is packed on x86-64 (12 bytes: events, then the data word at offset 4) and
    /// naturally aligned elsewhere (16 bytes, data at offset 8), so the poller addresses it by stride.
    /// </summary>
    internal static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    internal static readonly int EpollDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    [LibraryImport(Name, EntryPoint = "epoll_create1", SetLastError = true)]
    internal static partial int EpollCreate1(int flags);

    [LibraryImport(Name, EntryPoint = "epoll_ctl", SetLastError = true)]
    internal static partial int EpollCtl(int epfd, int op, int fd, byte* eventStruct);

    [LibraryImport(Name, EntryPoint = "epoll_wait", SetLastError = true)]
    internal static partial int EpollWait(int epfd, byte* events, int maxEvents, int timeout);

    internal const int EFD_CLOEXEC = 0x80000, EFD_NONBLOCK = 0x800;

    [LibraryImport(Name, EntryPoint = "eventfd", SetLastError = true)]
    internal static partial int EventFd(uint initialValue, int flags);
}

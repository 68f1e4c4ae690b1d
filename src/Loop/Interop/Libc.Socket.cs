using System.Runtime.InteropServices;

namespace Uvnet.Interop;

internal static unsafe partial class Libc
{
    [LibraryImport(Name, EntryPoint = "socket", SetLastError = true)]
    internal static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(Name, EntryPoint = "bind", SetLastError = true)]
    internal static partial int Bind(int fd, byte* address, int addressLength);

    [LibraryImport(Name, EntryPoint = "listen", SetLastError = true)]
    internal static partial int Listen(int fd, int backlog);

    [LibraryImport(Name, EntryPoint = "accept4", SetLastError = true)]
    internal static partial int Accept4(int fd, byte* address, int* addressLength, int flags);

    [LibraryImport(Name, EntryPoint = "accept", SetLastError = true)]
    internal static partial int Accept(int fd, byte* address, int* addressLength);

    [LibraryImport(Name, EntryPoint = "connect", SetLastError = true)]
    internal static partial int Connect(int fd, byte* address, int addressLength);

    [LibraryImport(Name, EntryPoint = "shutdown", SetLastError = true)]
    internal static partial int Shutdown(int fd, int how);

    /// <summary>ioctl(2) with an int result (SIOCOUTQ); called on Linux only, where the request is an unsigned long.</summary>
    [LibraryImport(Name, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(int fd, nuint request, int* value);

    /// <summary>Linux's SIOCOUTQ: the bytes of a socket's the kernel holds, not yet sent (for UDP, its send buffer's use).</summary>
    internal const nuint SIOCOUTQ = 0x5411;

    [LibraryImport(Name, EntryPoint = "getsockopt", SetLastError = true)]
    internal static partial int GetSockOpt(int fd, int level, int name, void* value, int* length);

    [LibraryImport(Name, EntryPoint = "setsockopt", SetLastError = true)]
    internal static partial int SetSockOpt(int fd, int level, int name, void* value, int length);

    [LibraryImport(Name, EntryPoint = "getsockname", SetLastError = true)]
    internal static partial int GetSockName(int fd, byte* address, int* addressLength);

    [LibraryImport(Name, EntryPoint = "getpeername", SetLastError = true)]
    internal static partial int GetPeerName(int fd, byte* address, int* addressLength);

    [LibraryImport(Name, EntryPoint = "send", SetLastError = true)]
    internal static partial nint Send(int fd, byte* buffer, nint length, int flags);

    [LibraryImport(Name, EntryPoint = "sendmsg", SetLastError = true)]
    internal static partial nint SendMsg(int fd, MsgHdr* message, int flags);

    [LibraryImport(Name, EntryPoint = "recvmsg", SetLastError = true)]
    internal static partial nint RecvMsg(int fd, MsgHdr* message, int flags);

    /// <summary>recvmmsg(2), Linux only: the number of datagrams received into <paramref name="messages"/>, or -1.</summary>
    [LibraryImport(Name, EntryPoint = "recvmmsg", SetLastError = true)]
    internal static partial int RecvMMsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    /// <summary>sendmmsg(2), Linux only: the number of datagrams sent from the start of <paramref name="messages"/>, or -1.</summary>
    [LibraryImport(Name, EntryPoint = "sendmmsg", SetLastError = true)]
    internal static partial int SendMMsg(int fd, MMsgHdr* messages, uint count, int flags);

    [LibraryImport(Name, EntryPoint = "sendfile", SetLastError = true)]
    internal static partial nint SendFile(int outFd, int inFd, long* offset, nint count);

    [LibraryImport(Name, EntryPoint = "writev", SetLastError = true)]
    internal static partial nint Writev(int fd, IoVec* vectors, int count);

    // The access mode in F_GETFL's flags (the same on Linux and the BSDs): what an adopted descriptor may do.
    internal const int O_ACCMODE = 3, O_RDONLY = 0, O_WRONLY = 1;

    [StructLayout(LayoutKind.Sequential)]
    internal struct IoVec
    {
        public byte* Base;
        public nint Length;
    }

    /// <summary>
    /// Linux's struct msghdr. The BSDs' has the same offsets up to msg_control on 64-bit systems (its int msg_iovlen
    /// fills the low half of the nint here, the rest is padding), then a 32-bit msg_controllen and msg_flags where
    /// this has the nint <see cref="ControlLength"/>: with no control data, <see cref="ReceivedFlags"/> reads them.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MsgHdr
    {
        /// <summary>msg_flags as recvmsg set them, on Linux or a BSD (little-endian 64-bit, no control data).</summary>
        internal readonly int ReceivedFlags => OperatingSystem.IsLinux() ? Flags : (int)((ulong)ControlLength >> 32);

        public void* Name;
        public int NameLength;
        public IoVec* Iov;
        public nint IovLength;
        public void* Control;
        public nint ControlLength;
        public int Flags;
    }

    /// <summary>Linux's struct mmsghdr: a message and the bytes recvmmsg put in it (or sendmmsg sent from it).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MMsgHdr
    {
        public MsgHdr Header;
        public int Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct Linger
    {
        public int OnOff;
        public int Seconds;
    }
}

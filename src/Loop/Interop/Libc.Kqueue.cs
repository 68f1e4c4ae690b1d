using System.Runtime.InteropServices;

namespace Uvnet.Interop;

internal static unsafe partial class Libc
{
    internal const short EVFILT_READ = -1, EVFILT_WRITE = -2;
    internal const ushort EV_ADD = 0x1, EV_DELETE = 0x2, EV_ERROR = 0x4000, EV_EOF = 0x8000;

    /// <summary>
    /// struct kevent: ident (uintptr), filter (int16), flags (uint16), fflags (uint32), data (intptr),
    /// udata (pointer): 32 bytes on macOS; FreeBSD 12 and later append uint64 ext[4], 64 bytes.
    /// </summary>
    internal static int KeventSize => OperatingSystem.IsFreeBSD() ? 64 : 32;

    internal const int KeventIdentOffset = 0, KeventFilterOffset = 8, KeventFlagsOffset = 10, KeventUdataOffset = 24;

    [LibraryImport(Name, EntryPoint = "kqueue", SetLastError = true)]
    internal static partial int Kqueue();

    [LibraryImport(Name, EntryPoint = "kevent", SetLastError = true)]
    internal static partial int Kevent(int kq, byte* changes, int changeCount, byte* events, int eventCount, Timespec* timeout);

    [StructLayout(LayoutKind.Sequential)]
    internal struct Timespec
    {
        public nint Seconds;
        public nint Nanoseconds;
    }
}

using System.Reflection;
using System.Runtime.InteropServices;

namespace Uvnet.Interop;

/// <summary>
/// The C library calls the loop makes. Signatures are blittable only (ints, nints, pointers) so every
/// call is a plain transition with no marshalling; errno comes back through SetLastError.
/// </summary>
internal static unsafe partial class Libc
{
    internal const string Name = "libc";

    // Runs before the first call into the library: the resolver must be in place by then.
    static Libc() => NativeLibrary.SetDllImportResolver(typeof(Libc).Assembly, Resolve);

    // "libc" is not a file name on any of our systems (on Debian libc.so is a linker script), so name
    // the real library for each OS.
    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != Name)
            return 0;
        string file = OperatingSystem.IsLinux() ? "libc.so.6"
            : OperatingSystem.IsMacOS() ? "/usr/lib/libSystem.dylib"
            : "libc.so.7";
        return NativeLibrary.Load(file, assembly, searchPath);
    }

    /// <summary>errno of the last call, as a negative Uvnet status.</summary>
    internal static int LastStatus() => Errno.ToStatus(Marshal.GetLastPInvokeError());

    [LibraryImport(Name, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport(Name, EntryPoint = "read", SetLastError = true)]
    internal static partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport(Name, EntryPoint = "write", SetLastError = true)]
    internal static partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport(Name, EntryPoint = "pipe", SetLastError = true)]
    internal static partial int Pipe(int* fds);

    /// <summary>
    /// fcntl(2) with an int argument. fcntl is variadic, and a variadic argument travels where the platform's
    /// ABI puts one: in the third argument register on Linux and the x64 systems, but always on the stack on
    /// Apple arm64, where a binding with a fixed third argument would hand fcntl whatever the stack held.
    /// </summary>
    internal static int Fcntl(int fd, int command, int argument) =>
        VariadicArgumentsOnStack
            ? FcntlArgumentOnStack(fd, command, 0, 0, 0, 0, 0, 0, argument)
            : FcntlArgumentInRegister(fd, command, argument);

    /// <summary>Apple arm64 (macOS here): variadic arguments go on the stack, in 8-byte slots, never in registers.</summary>
    internal static readonly bool VariadicArgumentsOnStack =
        OperatingSystem.IsMacOS() && RuntimeInformation.ProcessArchitecture == Architecture.Arm64;

    // Where a variadic argument goes as a fixed one would: System V x64, AAPCS64 on Linux.
    [LibraryImport(Name, EntryPoint = "fcntl", SetLastError = true)]
    private static partial int FcntlArgumentInRegister(int fd, int command, int argument);

    // .NET cannot declare a variadic call (dotnet/runtime#48796), so the documented workaround: six placeholders
    // fill the argument registers x2..x7 left after fd and command, which puts the argument, ninth, in the first
    // stack slot, where fcntl's va_arg reads it. An nint fills the whole 8-byte slot a variadic int occupies.
    [LibraryImport(Name, EntryPoint = "fcntl", SetLastError = true)]
    private static partial int FcntlArgumentOnStack(int fd, int command, nint x2, nint x3, nint x4, nint x5, nint x6, nint x7, nint argument);

    [LibraryImport(Name, EntryPoint = "open", SetLastError = true)]
    internal static partial int Open(byte* path, int flags);

    /// <summary>getrlimit: <paramref name="limits"/> receives the soft and hard limits (two 64-bit values on every system we run on).</summary>
    [LibraryImport(Name, EntryPoint = "getrlimit", SetLastError = true)]
    internal static partial int GetRLimit(int resource, ulong* limits);

    internal static int RLIMIT_NOFILE => OperatingSystem.IsLinux() ? 7 : 8;

    internal static int O_CLOEXEC => OperatingSystem.IsLinux() ? 0x80000 : OperatingSystem.IsMacOS() ? 0x1000000 : 0x100000;

    internal const int F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, FD_CLOEXEC = 1;
    internal static int O_NONBLOCK => OperatingSystem.IsLinux() ? 0x800 : 0x4;

    /// <summary>Sets O_NONBLOCK and FD_CLOEXEC, as every descriptor the loop watches needs.</summary>
    internal static int SetNonBlockingCloseOnExec(int fd)
    {
        int flags = Fcntl(fd, F_GETFL, 0);
        if (flags < 0 || Fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
            return LastStatus();
        if (Fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
            return LastStatus();
        return 0;
    }

    private static int F_DUPFD_CLOEXEC => OperatingSystem.IsLinux() ? 1030 : OperatingSystem.IsMacOS() ? 67 : 17;

    /// <summary>dup(2) with FD_CLOEXEC set at once (no window for a fork to inherit it): the new descriptor or a negative status.</summary>
    internal static int DuplicateCloseOnExec(int fd)
    {
        int duplicate = Fcntl(fd, F_DUPFD_CLOEXEC, 0);
        return duplicate < 0 ? LastStatus() : duplicate;
    }

    /// <summary>close(2) that retries nothing: on Linux the descriptor is gone even after EINTR.</summary>
    internal static void CloseQuietly(int fd)
    {
        if (fd >= 0)
            Close(fd);
    }

    /// <summary>A new socket of <paramref name="family"/> and <paramref name="type"/>, non-blocking and close-on-exec: its descriptor or a negative status.</summary>
    internal static int NonBlockingSocket(int family, int type)
    {
        if (OperatingSystem.IsLinux())
        {
            int socket = Socket(family, type | SocketConstants.SOCK_NONBLOCK | SocketConstants.SOCK_CLOEXEC, 0);
            return socket < 0 ? LastStatus() : socket;
        }
        int fd = Socket(family, type, 0);
        if (fd < 0)
            return LastStatus();
        int status = SetNonBlockingCloseOnExec(fd);
        if (status < 0)
        {
            Close(fd);
            return status;
        }
        // No MSG_NOSIGNAL on the BSDs: the socket itself must not raise SIGPIPE.
        int on = 1;
        if (OperatingSystem.IsMacOS())
            SetSockOpt(fd, SocketConstants.SOL_SOCKET, SocketConstants.SO_NOSIGPIPE, &on, sizeof(int));
        return fd;
    }
}

namespace Uvnet.Interop;

/// <summary>Translates this system's errno into Uvnet's portable status codes (negated Linux errno).</summary>
internal static class Errno
{
    internal static int ToStatus(int errno)
    {
        if (errno <= 0)
            return UvError.EIO;
        if (OperatingSystem.IsLinux())
            return -errno;
        return FromBsd(errno);
    }

    /// <summary>
    /// A BSD errno as a status: the code of the same error, or, for an errno with no code here, an unknown
    /// code that keeps the number (passed through, it would alias an unrelated Linux code: macOS's EPROTO,
    /// 100, is Linux's ENETDOWN).
    /// </summary>
    internal static int FromBsd(int errno)
    {
        int linux = LinuxErrnoOfBsd(errno);
        return linux != 0 ? -linux : UvError.UnknownErrnoBase - errno;
    }

    // Numbers 1..34 are the same on Linux and the BSDs, except 11 (EDEADLK there, EAGAIN on Linux); 0 for
    // an errno without a Linux equivalent here.
    private static int LinuxErrnoOfBsd(int errno) => errno switch
    {
        11 => 35, // EDEADLK
        35 => 11, // EAGAIN / EWOULDBLOCK
        36 => 115, // EINPROGRESS
        37 => 114, // EALREADY
        38 => 88, // ENOTSOCK
        39 => 89, // EDESTADDRREQ
        40 => 90, // EMSGSIZE
        41 => 91, // EPROTOTYPE
        42 => 92, // ENOPROTOOPT
        43 => 93, // EPROTONOSUPPORT
        45 or 102 => 95, // ENOTSUP / EOPNOTSUPP
        47 => 97, // EAFNOSUPPORT
        48 => 98, // EADDRINUSE
        49 => 99, // EADDRNOTAVAIL
        50 => 100, // ENETDOWN
        51 => 101, // ENETUNREACH
        53 => 103, // ECONNABORTED
        54 => 104, // ECONNRESET
        55 => 105, // ENOBUFS
        56 => 106, // EISCONN
        57 => 107, // ENOTCONN
        58 => 108, // ESHUTDOWN
        60 => 110, // ETIMEDOUT
        61 => 111, // ECONNREFUSED
        62 => 40, // ELOOP
        63 => 36, // ENAMETOOLONG
        64 => 112, // EHOSTDOWN
        65 => 113, // EHOSTUNREACH
        66 => 39, // ENOTEMPTY
        78 => 38, // ENOSYS
        85 when OperatingSystem.IsFreeBSD() => 125, // ECANCELED
        89 when OperatingSystem.IsMacOS() => 125, // ECANCELED
        <= 34 => errno,
        _ => 0,
    };
}

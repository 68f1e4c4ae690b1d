namespace Uvnet;

/// <summary>
/// Status codes, as libuv has them: 0 is success, a negative value is an error. On every system the
/// values are the negated Linux errno numbers (the loop translates other systems' errno at the call),
/// plus libuv's own codes such as <see cref="EOF"/>.
/// </summary>
public static class UvError
{
#pragma warning disable CS1591 // the names are the POSIX names; Message says what each means
    public const int EPERM = -1, ENOENT = -2, EINTR = -4, EIO = -5, EBADF = -9, EAGAIN = -11, ENOMEM = -12,
        EACCES = -13, EFAULT = -14, EBUSY = -16, EEXIST = -17, ENODEV = -19, ENOTDIR = -20, EISDIR = -21, EINVAL = -22,
        ENFILE = -23, EMFILE = -24, ENOSPC = -28, EPIPE = -32, ERANGE = -34, ENAMETOOLONG = -36, ENOSYS = -38,
        ENOTEMPTY = -39, ELOOP = -40, ENOTSOCK = -88, EDESTADDRREQ = -89, EMSGSIZE = -90, EPROTOTYPE = -91,
        ENOPROTOOPT = -92, EPROTONOSUPPORT = -93, ENOTSUP = -95, EAFNOSUPPORT = -97, EADDRINUSE = -98,
        EADDRNOTAVAIL = -99, ENETDOWN = -100, ENETUNREACH = -101, ECONNABORTED = -103, ECONNRESET = -104,
        ENOBUFS = -105, EISCONN = -106, ENOTCONN = -107, ESHUTDOWN = -108, ETIMEDOUT = -110,
        ECONNREFUSED = -111, EHOSTDOWN = -112, EHOSTUNREACH = -113, EALREADY = -114, EINPROGRESS = -115,
        ECANCELED = -125;

    /// <summary>End of file: the peer finished sending.</summary>
    public const int EOF = -4095;

    public const int EAI_AGAIN = -3001, EAI_FAIL = -3002, EAI_NONAME = -3008;
#pragma warning restore CS1591

    /// <summary>
    /// Where the codes of unknown system errors start: an errno of this system that has no code here (only
    /// possible on the BSDs, whose numbers are translated) is reported as <c>UnknownErrnoBase - errno</c>, a
    /// code no other error has, which keeps the number. <see cref="Name"/> says "UNKNOWN" and
    /// <see cref="Message"/> gives the errno.
    /// </summary>
    public const int UnknownErrnoBase = -10000;

    private static readonly Dictionary<int, (string Name, string Message)> s_known = new()
    {
        [EPERM] = ("EPERM", "operation not permitted"),
        [ENOENT] = ("ENOENT", "no such file or directory"),
        [EINTR] = ("EINTR", "interrupted system call"),
        [EIO] = ("EIO", "i/o error"),
        [EBADF] = ("EBADF", "bad file descriptor"),
        [EAGAIN] = ("EAGAIN", "resource temporarily unavailable"),
        [ENOMEM] = ("ENOMEM", "not enough memory"),
        [EACCES] = ("EACCES", "permission denied"),
        [EFAULT] = ("EFAULT", "bad address in system call argument"),
        [EBUSY] = ("EBUSY", "resource busy or locked"),
        [EEXIST] = ("EEXIST", "file already exists"),
        [ENODEV] = ("ENODEV", "no such device"),
        [ENOTDIR] = ("ENOTDIR", "not a directory"),
        [EISDIR] = ("EISDIR", "illegal operation on a directory"),
        [EINVAL] = ("EINVAL", "invalid argument"),
        [ENFILE] = ("ENFILE", "file table overflow"),
        [EMFILE] = ("EMFILE", "too many open files"),
        [ENOSPC] = ("ENOSPC", "no space left on device"),
        [EPIPE] = ("EPIPE", "broken pipe"),
        [ERANGE] = ("ERANGE", "result too large"),
        [ENAMETOOLONG] = ("ENAMETOOLONG", "name too long"),
        [ENOSYS] = ("ENOSYS", "function not implemented"),
        [ENOTEMPTY] = ("ENOTEMPTY", "directory not empty"),
        [ELOOP] = ("ELOOP", "too many symbolic links encountered"),
        [ENOTSOCK] = ("ENOTSOCK", "socket operation on non-socket"),
        [EDESTADDRREQ] = ("EDESTADDRREQ", "destination address required"),
        [EMSGSIZE] = ("EMSGSIZE", "message too long"),
        [EPROTOTYPE] = ("EPROTOTYPE", "protocol wrong type for socket"),
        [ENOPROTOOPT] = ("ENOPROTOOPT", "protocol not available"),
        [EPROTONOSUPPORT] = ("EPROTONOSUPPORT", "protocol not supported"),
        [ENOTSUP] = ("ENOTSUP", "operation not supported on socket"),
        [EAFNOSUPPORT] = ("EAFNOSUPPORT", "address family not supported"),
        [EADDRINUSE] = ("EADDRINUSE", "address already in use"),
        [EADDRNOTAVAIL] = ("EADDRNOTAVAIL", "address not available"),
        [ENETDOWN] = ("ENETDOWN", "network is down"),
        [ENETUNREACH] = ("ENETUNREACH", "network is unreachable"),
        [ECONNABORTED] = ("ECONNABORTED", "software caused connection abort"),
        [ECONNRESET] = ("ECONNRESET", "connection reset by peer"),
        [ENOBUFS] = ("ENOBUFS", "no buffer space available"),
        [EISCONN] = ("EISCONN", "socket is already connected"),
        [ENOTCONN] = ("ENOTCONN", "socket is not connected"),
        [ESHUTDOWN] = ("ESHUTDOWN", "cannot send after transport endpoint shutdown"),
        [ETIMEDOUT] = ("ETIMEDOUT", "connection timed out"),
        [ECONNREFUSED] = ("ECONNREFUSED", "connection refused"),
        [EHOSTDOWN] = ("EHOSTDOWN", "host is down"),
        [EHOSTUNREACH] = ("EHOSTUNREACH", "host is unreachable"),
        [EALREADY] = ("EALREADY", "connection already in progress"),
        [EINPROGRESS] = ("EINPROGRESS", "operation in progress"),
        [ECANCELED] = ("ECANCELED", "operation canceled"),
        [EOF] = ("EOF", "end of file"),
        [EAI_AGAIN] = ("EAI_AGAIN", "temporary failure"),
        [EAI_FAIL] = ("EAI_FAIL", "permanent failure"),
        [EAI_NONAME] = ("EAI_NONAME", "unknown node or service"),
    };

    /// <summary>The code's name, as libuv's <c>uv_err_name</c>: "ECONNREFUSED", "EOF".</summary>
    public static string Name(int status) =>
        status == 0 ? "OK" : s_known.TryGetValue(status, out var e) ? e.Name
        : status < UnknownErrnoBase ? "UNKNOWN" : $"Unknown system error {status}";

    /// <summary>A human description, as libuv's <c>uv_strerror</c>: "connection refused".</summary>
    public static string Message(int status) =>
        status == 0 ? "success" : s_known.TryGetValue(status, out var e) ? e.Message
        : status < UnknownErrnoBase ? $"unknown system error (errno {UnknownErrnoBase - status} of this system)"
        : $"Unknown system error {status}";
}

namespace Uvnet.Net;

/// <summary>
/// An I/O error in Node's shape: <see cref="Code"/> ("ECONNREFUSED"), <see cref="Errno"/>, <see cref="Syscall"/>
/// ("connect") and, where they apply, <see cref="Address"/> and <see cref="Port"/>. Delivered through
/// <c>Error</c> events and callbacks, never thrown at the caller for I/O conditions.
/// </summary>
public sealed class NetException : Exception
{
    /// <summary>Creates the error for a libuv-style <paramref name="status"/> from <paramref name="syscall"/>.</summary>
    public NetException(int status, string syscall, string? address = null, int? port = null)
        : this(UvError.Name(status), status, syscall, address, port, UvError.Message(status))
    {
    }

    /// <summary>Creates an error that is not an errno (Node's ERR_* codes, ENOTFOUND).</summary>
    public NetException(string code, string message, string? syscall = null, string? address = null)
        : this(code, 0, syscall, address, null, message)
    {
    }

    private NetException(string code, int errno, string? syscall, string? address, int? port, string description)
        : base(Describe(code, syscall, address, port, description))
    {
        Code = code;
        Errno = errno;
        Syscall = syscall;
        Address = address;
        Port = port;
    }

    /// <summary>The error's name: "ECONNREFUSED", "EOF", "ENOTFOUND", "ERR_STREAM_WRITE_AFTER_END".</summary>
    public string Code { get; }

    /// <summary>The negative status (libuv's convention), or 0 for errors that are not errno values.</summary>
    public int Errno { get; }

    /// <summary>The failing operation: "connect", "read", "write", "listen", "getaddrinfo"...</summary>
    public string? Syscall { get; }

    /// <summary>The address involved (a host name for lookups), if any.</summary>
    public string? Address { get; }

    /// <summary>The port involved, if any.</summary>
    public int? Port { get; }

    // Node's format: "connect ECONNREFUSED 127.0.0.1:8080", "write EPIPE", "getaddrinfo ENOTFOUND nope.invalid".
    private static string Describe(string code, string? syscall, string? address, int? port, string description)
    {
        string where = address is null ? "" : port is null ? $" {address}" : $" {address}:{port}";
        return syscall is null ? $"{description} ({code})" : $"{syscall} {code}{where}";
    }
}

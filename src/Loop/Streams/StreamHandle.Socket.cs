using System.Net;
using Uvnet.Interop;

namespace Uvnet;

public abstract unsafe partial class StreamHandle
{
    /// <summary>Creates the non-blocking socket of <paramref name="family"/> unless the stream has one.</summary>
    private protected int EnsureSocket(int family)
    {
        if (Fd >= 0)
            return 0;
        int fd = Libc.NonBlockingSocket(family, SocketConstants.SOCK_STREAM);
        if (fd < 0)
            return fd;
        Attach(fd, 0);
        return 0;
    }

    /// <summary>
    /// Adopts an existing descriptor (made non-blocking), as <c>uv_tcp_open</c> / <c>uv_pipe_open</c>: readable and
    /// writable as its access mode allows. One that is not a socket (a pipe, a tty) is written with write/writev:
    /// send and sendmsg would fail every write with ENOTSOCK.
    /// </summary>
    private protected int OpenDescriptor(int fd)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        VerifyUsable();
        if (Fd >= 0)
            return UvError.EBUSY;
        int mode = Libc.Fcntl(fd, Libc.F_GETFL, 0);
        if (mode < 0)
            return Libc.LastStatus();
        int type;
        int size = sizeof(int);
        bool socket = Libc.GetSockOpt(fd, SocketConstants.SOL_SOCKET, SocketConstants.SO_TYPE, &type, &size) == 0;
        int status = Libc.SetNonBlockingCloseOnExec(fd);
        if (status < 0)
            return status;
        StreamState state = (mode & Libc.O_ACCMODE) switch
        {
            Libc.O_RDONLY => StreamState.Readable,
            Libc.O_WRONLY => StreamState.Writable,
            _ => StreamState.Readable | StreamState.Writable,
        };
        Attach(fd, socket ? state : state | StreamState.NotSocket);
        return 0;
    }

    private protected int BindSocket(EndPoint endpoint)
    {
        byte* address = stackalloc byte[SockAddr.MaxSize];
        int length = SockAddr.Write(endpoint, new Span<byte>(address, SockAddr.MaxSize));
        return Libc.Bind(Fd, address, length) < 0 ? Libc.LastStatus() : 0;
    }

    private protected int SetOption(int level, int name, int value) =>
        Libc.SetSockOpt(Fd, level, name, &value, sizeof(int)) < 0 ? Libc.LastStatus() : 0;

    /// <summary>The IP address the socket is bound to (or its peer's), or null (no socket, or not an IP one).</summary>
    private protected IPEndPoint? SocketEndPoint(bool peer) => SockAddr.OfSocket(Fd, peer);

    /// <summary>The Unix path the socket is bound to (or its peer's), or null (no socket, not a Unix one, or unnamed).</summary>
    private protected string? SocketPath(bool peer)
    {
        byte* address = stackalloc byte[SockAddr.MaxSize];
        int length = SockAddr.ReadSocketName(Fd, peer, address);
        return length < 0 ? null : SockAddr.ReadUnixPath(new ReadOnlySpan<byte>(address, SockAddr.MaxSize), length);
    }
}

using System.Net;
using System.Net.Sockets;
using Uvnet.Interop;

namespace Uvnet;

/// <summary>A Unix-domain stream socket, as libuv's <c>uv_pipe_t</c> for local sockets: bind to a path, listen, accept, connect.</summary>
public sealed class PipeHandle : StreamHandle
{
    /// <summary>Creates a pipe handle with no socket yet.</summary>
    public PipeHandle(Loop loop) : base(loop)
    {
    }

    /// <summary>The path the socket is bound to ("\0name" for a Linux abstract name, as it was bound), or null.</summary>
    public string? LocalPath => SocketPath(peer: false);

    /// <summary>The path of the peer's socket (see <see cref="LocalPath"/>), or null (clients are usually unnamed).</summary>
    public string? RemotePath => SocketPath(peer: true);

    /// <summary>
    /// Adopts a connected Unix socket, or any stream descriptor (a pipe(2) end, a tty), which the handle then owns:
    /// readable and writable as its access mode allows, as <c>uv_pipe_open</c>. A descriptor that is not a socket is
    /// written with write/writev and read with read; <see cref="StreamHandle.Shutdown(Action{ShutdownRequest, int})"/>
    /// on one reports ENOTSOCK, as libuv's. Returns 0 or a negative status (EBADF, EBUSY when the handle has a descriptor).
    /// </summary>
    public int Open(int fd) => OpenDescriptor(fd);

    /// <summary>Binds to the socket file <paramref name="path"/>, which must not exist. Returns 0 or a negative status (EADDRINUSE, ENAMETOOLONG, EACCES...).</summary>
    public int Bind(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        VerifyUsable();
        if (EndPointOf(path) is not { } endpoint)
            return UvError.ENAMETOOLONG;
        int status = EnsureSocket(Interop.SocketConstants.AF_UNIX);
        return status < 0 ? status : BindSocket(endpoint);
    }

    /// <summary>
    /// Connects to the socket at <paramref name="path"/>; the callback runs once, never inside this call. Returns 0,
    /// or a negative status when the connect cannot start (ENAMETOOLONG, EALREADY, EISCONN), then the callback does not run.
    /// </summary>
    public int Connect(ConnectRequest request, string path, Action<ConnectRequest, int>? callback)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return StartConnect(request, EndPointOf(path), callback);
    }

    /// <summary>Connects with a request from the loop's pool.</summary>
    public int Connect(string path, Action<ConnectRequest, int>? callback)
    {
        return Connect(ConnectRequest.Rent(), path, callback);
    }

    /// <summary>The socket address of <paramref name="path"/>, or null when the path is too long for one (ENAMETOOLONG, as libuv says).</summary>
    private static UnixDomainSocketEndPoint? EndPointOf(string path)
    {
        // The runtime's own bound on sun_path (108 bytes on Linux, 104 on the BSDs, the NUL included) decides: a
        // status then, as for every other address the system refuses, rather than an exception from this call.
        try
        {
            return new UnixDomainSocketEndPoint(path);
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private protected override int EnsureListenable() => Fd >= 0 ? 0 : UvError.EINVAL;
}

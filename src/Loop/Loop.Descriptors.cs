using Uvnet.Interop;

namespace Uvnet;

public sealed unsafe partial class Loop
{
    // libuv's emfile trick: a descriptor held in reserve so that, when the process runs out, the listener can
    // free one, accept and close the waiting connections, and take it back. Without it a level-triggered
    // listener with connections it cannot accept would be reported ready forever: a 100% CPU spin.
    private int _reserveFd = -1;

    private byte[]? _sharedReadBuffer;

    /// <summary>The loop's one 64 KiB read buffer, lent to every stream reading with the default alloc.</summary>
    internal Memory<byte> SharedReadBuffer =>
        _sharedReadBuffer ??= GC.AllocateUninitializedArray<byte>(StreamHandle.SuggestedReadSize, pinned: true);

    internal void EnsureReserveDescriptor()
    {
        if (_reserveFd < 0)
            _reserveFd = OpenReserve();
    }

    private static int OpenReserve()
    {
        fixed (byte* path = "/dev/null\0"u8)
        {
            int fd = Libc.Open(path, Libc.O_CLOEXEC);
            return fd < 0 ? -1 : fd;
        }
    }

    /// <summary>Out of descriptors: accept and close what waits on <paramref name="listenFd"/> using the reserve.</summary>
    internal void ShedPendingConnections(int listenFd)
    {
        if (_reserveFd < 0)
            return;
        Libc.Close(_reserveFd);
        _reserveFd = -1;
        while (true)
        {
            int fd = StreamHandle.AcceptOne(listenFd);
            if (fd >= 0)
            {
                Libc.Close(fd);
                continue;
            }
            if (fd != UvError.EINTR)
                break;
        }
        _reserveFd = OpenReserve();
    }

    private void CloseReserveDescriptor()
    {
        Libc.CloseQuietly(_reserveFd);
        _reserveFd = -1;
    }
}

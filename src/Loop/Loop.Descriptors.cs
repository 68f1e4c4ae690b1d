using Uvnet.Interop;

namespace Uvnet;

public sealed unsafe partial class Loop
{
    // libuv's emfile trick: a descriptor held in reserve so that, when the process runs out, the listener can
    // free one, accept and close the waiting connections, and take it back. Without it a level-triggered
    // listener with connections it cannot accept would be reported ready forever: a 100% CPU spin.
    private int _reserveFd = -1;

    // Loops on other threads share the process's descriptor table: between this loop freeing its reserve and
    // accepting, another loop's accept would take the freed descriptor, the waiting connections would stay, and
    // this loop, its reserve gone, could not shed again. While descriptors are scarce, accepts and the shedding hold
    // this lock, so the freed descriptor comes back to the loop that freed it (only a descriptor opened otherwise, a
    // file say, can still take it: the listener then backs off, see StreamHandle.AcceptPending).
    private static readonly Lock s_acceptGate = new();

    // Set when an accept meets a full table (EMFILE, ENFILE) or the headroom, cleared by an accept under the gate that
    // lands below the headroom. While it is clear (the table has room) an accept takes no lock and writes nothing the
    // loops share: a lock taken by every accept of every loop bounces its cache line between their processors. Only
    // an accept already in its system call when another loop sets it can still take a descriptor freed for shedding:
    // that loop's shed then fails and its listener backs off, as for a file opened meanwhile, and the next accepts go
    // through the gate.
    private static volatile bool s_descriptorsScarce;

    /// <summary>Whether accepts go through the gate now (descriptors scarce); a test's view.</summary>
    internal static bool DescriptorsScarce => s_descriptorsScarce;

    // The descriptors at the top of the table that accepted connections never take (an eighth of the table, at
    // most 64): the process keeps room for what serving needs besides sockets (a file to send, a log), and the
    // runtime for what it needs (a thread: .NET starts one to run a SIGTERM handler, and aborts if it cannot).
    private const int MaxDescriptorHeadroom = 64;

    // The page size the shared read buffer is aligned to (the smallest x86-64 and arm64 page).
    private const int ReadBufferAlignment = 4096;

    private Memory<byte> _sharedReadBuffer;
    private Memory<byte> _sharedDatagramBuffers;

    /// <summary>
    /// The loop's one 64 KiB read buffer, lent to every stream and UDP handle reading with the default alloc. It starts
    /// at a page boundary: the kernel copies a received datagram from its own buffer, where the payload sits a few dozen
    /// bytes into a page, and a destination a few bytes past that offset in its page makes each store look, by the low
    /// 12 address bits, like a load the copy is about to make (4K aliasing), which stalls it. The pinned array's data
    /// happened to start 48 bytes into its page, and the echo of 1,200 byte datagrams spent three times as long in that
    /// copy as libuv's (bench/FINDINGS.md); at page offsets 0, 16 and 112 it took as long as libuv's. A page boundary is
    /// also a cache line, which TCP reads need: 64 KiB reads from loopback took 1.86x the CPU per byte 8 bytes off a
    /// line, 1.2x 16 bytes off (bench/read-alignment.c).
    /// </summary>
    internal Memory<byte> SharedReadBuffer =>
        _sharedReadBuffer.IsEmpty ? _sharedReadBuffer = PageAlignedBuffer(StreamHandle.SuggestedReadSize) : _sharedReadBuffer;

    /// <summary>
    /// The loop's buffers for a batch of datagrams (UdpHandle's recvmmsg), <see cref="UdpHandle.ReceiveBatchSize"/> of
    /// 64 KiB, each on a page boundary as <see cref="SharedReadBuffer"/> is. Only the pages datagrams are written to
    /// become resident: small datagrams take a page or two of each.
    /// </summary>
    internal Memory<byte> SharedDatagramBuffers => _sharedDatagramBuffers.IsEmpty
        ? _sharedDatagramBuffers = PageAlignedBuffer(UdpHandle.ReceiveBatchSize * UdpHandle.SuggestedReceiveSize)
        : _sharedDatagramBuffers;

    private static Memory<byte> PageAlignedBuffer(int size)
    {
        // Pinned, so its address is fixed: the slice found here stays on the page boundary.
        byte[] array = GC.AllocateUninitializedArray<byte>(size + ReadBufferAlignment, pinned: true);
        fixed (byte* data = array)
        {
            int offset = (int)(-(nint)data & (ReadBufferAlignment - 1));
            return array.AsMemory(offset, size);
        }
    }

    /// <summary>
    /// The lowest descriptor an accepted connection may not have (descriptors are handed out lowest first, so one
    /// at or above it means the table is nearly full): the soft descriptor limit less the headroom; int.MaxValue
    /// when there is no limit.
    /// </summary>
    internal static int AcceptCeiling()
    {
        ulong* limits = stackalloc ulong[2];
        if (Libc.GetRLimit(Libc.RLIMIT_NOFILE, limits) != 0 || limits[0] > int.MaxValue)
            return int.MaxValue;
        int limit = (int)limits[0];
        return limit - Math.Min(MaxDescriptorHeadroom, limit / 8);
    }

    /// <summary>Takes a reserve descriptor if the loop has none, in turn with the accepts and the shedding.</summary>
    internal void EnsureReserveDescriptor()
    {
        // Under the gate: between another loop's closing its reserve and its accepting, this open would take the
        // descriptor that loop freed to shed its waiting connections, and leave it unable to shed them.
        lock (s_acceptGate)
        {
            if (_reserveFd < 0)
                _reserveFd = OpenReserve();
        }
    }

    private static int OpenReserve()
    {
        fixed (byte* path = "/dev/null\0"u8)
        {
            int fd = Libc.Open(path, Libc.O_CLOEXEC);
            return fd < 0 ? -1 : fd;
        }
    }

    /// <summary>
    /// Accepts one connection on <paramref name="listenFd"/> (see <see cref="StreamHandle.AcceptOne"/>); while
    /// descriptors are scarce, in turn with other loops' accepts and shedding. <paramref name="ceiling"/> is the
    /// listener's <see cref="AcceptCeiling"/>: a descriptor at or above it means the table is nearly full.
    /// </summary>
    internal static int AcceptInTurn(int listenFd, int ceiling)
    {
        int fd;
        if (!s_descriptorsScarce)
        {
            fd = StreamHandle.AcceptOne(listenFd);
            if (fd >= ceiling || fd is UvError.EMFILE or UvError.ENFILE)
                s_descriptorsScarce = true;
            return fd;
        }
        lock (s_acceptGate)
        {
            fd = StreamHandle.AcceptOne(listenFd);
            if (fd >= 0 && fd < ceiling)
                s_descriptorsScarce = false; // room again
        }
        return fd;
    }

    /// <summary>
    /// Out of descriptors: accepts and closes what waits on <paramref name="listenFd"/> using the reserve. Returns
    /// whether nothing is left waiting; false when there is no reserve, or the freed descriptor was taken by an
    /// open elsewhere in the process before the accept.
    /// </summary>
    internal bool ShedPendingConnections(int listenFd)
    {
        lock (s_acceptGate)
        {
            if (_reserveFd < 0)
                return false;
            Libc.Close(_reserveFd);
            _reserveFd = -1;
            int status;
            while (true)
            {
                int fd = StreamHandle.AcceptOne(listenFd);
                if (fd >= 0)
                {
                    Libc.Close(fd);
                    continue;
                }
                status = fd;
                if (status != UvError.EINTR)
                    break;
            }
            _reserveFd = OpenReserve();
            return status == UvError.EAGAIN;
        }
    }

    /// <summary>Gives up the reserve (at close; tests also use it to play a reserve lost to another thread).</summary>
    internal void CloseReserveDescriptor()
    {
        Libc.CloseQuietly(_reserveFd);
        _reserveFd = -1;
    }
}

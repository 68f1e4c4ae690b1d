using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Uvnet.Interop;

namespace Uvnet.Io;

/// <summary>
/// Linux io_uring as a readiness poller (opt-in, <see cref="LoopBackend.IoUring"/>): each watched descriptor has one
/// IORING_OP_POLL_ADD in flight, and every change of interest is an entry in the submission ring, submitted with the
/// wait in one io_uring_enter (epoll makes an epoll_ctl call per change). The readiness is epoll's, level-triggered:
/// a poll is one-shot, and a descriptor that reported an event is armed again at the next wait if its handle still
/// wants it, and a poll armed on a descriptor that is ready completes at once, so what a callback left unread is
/// reported again as epoll reports it. A multishot poll (IORING_POLL_ADD_MULTI) would not: it posts a completion per
/// wakeup of the descriptor, none for bytes a read left behind (a read cap, a listener backing off, a poll handle
/// that does not read), which would hang those handles.
/// </summary>
/// <remarks>
/// A poll holds a reference to its descriptor's file, so a descriptor closed while watched stays open until its poll
/// is removed: <see cref="Remove"/> submits at once (as epoll_ctl would), unless the poll had already completed, and
/// costs then no system call at all. A number closed under a registration and reused (epoll forgets such a
/// registration) is told apart from a second registration of the same file (EEXIST) by the file's identity.
/// </remarks>
internal sealed unsafe class IoUringPoller : IPoller
{
    // As the epoll poller: the most events one wait hands the loop.
    private const int MaxEvents = 1024;
    // Submission entries per enter: interest changes beyond them are submitted in more than one call.
    private const uint SubmissionEntries = 512;
    // Completions the ring holds; more are kept by the kernel (IORING_FEAT_NODROP) until the ring has room.
    private const uint CompletionEntries = 4096;
    // The user_data of entries whose completion is of no interest (a POLL_REMOVE that found its poll finished).
    private const ulong IgnoredUserData = ulong.MaxValue;
    // Linux's ETIME, which a wait that timed out returns (errno 62; Uvnet's statuses are Linux's errnos negated).
    private const int ETIME = -62;

    private readonly int _ringFd;
    private readonly byte* _rings;
    private readonly nuint _ringsLength;
    private readonly byte* _sqes;
    private readonly nuint _sqesLength;
    private readonly uint* _sqHead, _sqTail, _cqHead, _cqTail;
    private readonly uint _sqMask, _cqMask;
    private readonly byte* _cqes;
    private uint _localSqTail;

    // Per descriptor number: what is watched and which poll is in flight.
    private Registration[] _registrations = new Registration[64];
    // Descriptors to arm at the next wait: newly added, changed, or reported and maybe still wanted.
    private int[] _toArm = new int[64];
    private int _toArmCount;
    private uint _nextArmId;

    private readonly ulong* _eventTokens;
    private readonly IoEvents* _eventMasks;

    // An epoll instance used only to ask whether a descriptor that is neither a socket nor a pipe can be polled
    // (epoll refuses regular files and /dev/null with EPERM; a poll on them would report them always ready).
    private int _probeEpoll = -1;

    private struct Registration
    {
        internal ulong Token;
        internal IoEvents Events; // None: not watched
        internal uint ArmId;      // the poll in flight, when Armed: its user_data is (ArmId << 32) | fd
        internal bool Armed;
        internal bool QueuedToArm;
        internal ulong Inode;
        internal ulong Device;
    }

    private IoUringPoller(int ringFd, byte* rings, nuint ringsLength, byte* sqes, nuint sqesLength, byte* parameters)
    {
        _ringFd = ringFd;
        _rings = rings;
        _ringsLength = ringsLength;
        _sqes = sqes;
        _sqesLength = sqesLength;
        _sqHead = (uint*)(rings + Read(parameters, Libc.SqOffHead));
        _sqTail = (uint*)(rings + Read(parameters, Libc.SqOffTail));
        _sqMask = *(uint*)(rings + Read(parameters, Libc.SqOffRingMask));
        _cqHead = (uint*)(rings + Read(parameters, Libc.CqOffHead));
        _cqTail = (uint*)(rings + Read(parameters, Libc.CqOffTail));
        _cqMask = *(uint*)(rings + Read(parameters, Libc.CqOffRingMask));
        _cqes = rings + Read(parameters, Libc.CqOffCqes);
        _localSqTail = *_sqTail;
        // Submission slot i holds entry i, for good.
        uint* array = (uint*)(rings + Read(parameters, Libc.SqOffArray));
        for (uint i = 0; i <= _sqMask; i++)
            array[i] = i;
        _eventTokens = (ulong*)NativeMemory.Alloc(MaxEvents, sizeof(ulong));
        _eventMasks = (IoEvents*)NativeMemory.Alloc(MaxEvents, sizeof(IoEvents));
    }

    private static uint Read(byte* parameters, int offset) => Unsafe.ReadUnaligned<uint>(parameters + offset);

    /// <summary>
    /// Sets a ring up; null and a negative status (ENOSYS: no io_uring; EPERM: disabled by sysctl or a container's
    /// seccomp profile; EOPNOTSUPP: a kernel without the features used here) when it cannot.
    /// </summary>
    internal static IoUringPoller? TryCreate(out int status)
    {
        byte* parameters = stackalloc byte[Libc.IoUringParamsSize];
        new Span<byte>(parameters, Libc.IoUringParamsSize).Clear();
        Unsafe.WriteUnaligned(parameters + Libc.ParamsFlags, Libc.IORING_SETUP_CQSIZE | Libc.IORING_SETUP_CLAMP);
        Unsafe.WriteUnaligned(parameters + Libc.ParamsCqEntries, CompletionEntries);
        int ringFd = Libc.IoUringSetup(SubmissionEntries, parameters);
        if (ringFd < 0)
        {
            status = Libc.LastStatus();
            return null;
        }
        // One mapping for both rings (5.4), completions kept rather than dropped on overflow (5.5), a timeout on the
        // wait (5.11), completions skipped on success (5.17).
        const uint required = Libc.IORING_FEAT_SINGLE_MMAP | Libc.IORING_FEAT_NODROP | Libc.IORING_FEAT_EXT_ARG
            | Libc.IORING_FEAT_CQE_SKIP;
        if ((Read(parameters, Libc.ParamsFeatures) & required) != required)
        {
            Libc.Close(ringFd);
            status = UvError.ENOTSUP;
            return null;
        }
        uint sqEntries = Read(parameters, Libc.ParamsSqEntries), cqEntries = Read(parameters, Libc.ParamsCqEntries);
        nuint sqLength = Read(parameters, Libc.SqOffArray) + sqEntries * sizeof(uint);
        nuint cqLength = Read(parameters, Libc.CqOffCqes) + cqEntries * (uint)Libc.CqeSize;
        nuint ringsLength = Math.Max(sqLength, cqLength);
        nuint sqesLength = sqEntries * (uint)Libc.SqeSize;
        const int prot = Libc.PROT_READ | Libc.PROT_WRITE, flags = Libc.MAP_SHARED | Libc.MAP_POPULATE;
        void* rings = Libc.Mmap(null, ringsLength, prot, flags, ringFd, Libc.IORING_OFF_SQ_RING);
        if (rings == (void*)-1)
        {
            status = Libc.LastStatus();
            Libc.Close(ringFd);
            return null;
        }
        void* sqes = Libc.Mmap(null, sqesLength, prot, flags, ringFd, Libc.IORING_OFF_SQES);
        if (sqes == (void*)-1)
        {
            status = Libc.LastStatus();
            Libc.Munmap(rings, ringsLength);
            Libc.Close(ringFd);
            return null;
        }
        status = 0;
        return new IoUringPoller(ringFd, (byte*)rings, ringsLength, (byte*)sqes, sqesLength, parameters);
    }

    public int Add(int fd, ulong token, IoEvents events)
    {
        byte* stat = stackalloc byte[Libc.StatxSize];
        fixed (byte* empty = ""u8)
        {
            if (Libc.Statx(fd, empty, Libc.AT_EMPTY_PATH, Libc.STATX_TYPE | Libc.STATX_INO, stat) < 0)
                return Libc.LastStatus();
        }
        ulong inode = Unsafe.ReadUnaligned<ulong>(stat + Libc.StatxIno);
        ulong device = Unsafe.ReadUnaligned<ulong>(stat + Libc.StatxDevMajor);
        if (fd < _registrations.Length && _registrations[fd].Events != IoEvents.None)
        {
            ref Registration held = ref _registrations[fd];
            if (held.Inode == inode && held.Device == device)
                return UvError.EEXIST;
            // The number was closed under its registration and now names another file: epoll would have forgotten
            // the registration with the file; here the poll still holds the old file, until it is removed.
            Remove(fd, held.Events);
        }
        int type = Unsafe.ReadUnaligned<ushort>(stat + Libc.StatxMode) & Libc.S_IFMT;
        if (type != Libc.S_IFSOCK && type != Libc.S_IFIFO && ProbeEpoll(fd) is var refused and < 0)
            return refused;
        if (fd >= _registrations.Length)
            Array.Resize(ref _registrations, Math.Max(fd + 1, _registrations.Length * 2));
        ref Registration r = ref _registrations[fd];
        r.Token = token;
        r.Events = events;
        r.Inode = inode;
        r.Device = device;
        QueueArm(fd, ref r);
        return 0;
    }

    // Whether epoll would take the descriptor: epoll_ctl's answer for it, as libuv's uv__io_check_fd asks.
    private int ProbeEpoll(int fd)
    {
        if (_probeEpoll < 0)
        {
            _probeEpoll = Libc.EpollCreate1(Libc.EPOLL_CLOEXEC);
            if (_probeEpoll < 0)
                return Libc.LastStatus();
        }
        byte* ev = stackalloc byte[16];
        new Span<byte>(ev, 16).Clear();
        if (Libc.EpollCtl(_probeEpoll, Libc.EPOLL_CTL_ADD, fd, ev) < 0)
            return Libc.LastStatus();
        Libc.EpollCtl(_probeEpoll, Libc.EPOLL_CTL_DEL, fd, ev);
        return 0;
    }

    public int Modify(int fd, ulong token, IoEvents events, IoEvents previous)
    {
        ref Registration r = ref _registrations[fd];
        r.Token = token;
        r.Events = events;
        Disarm(fd, ref r);
        QueueArm(fd, ref r);
        return 0;
    }

    // An exclusive poll's entry goes to the back of the descriptor's wait queue when it is armed anew: the order
    // epoll's Requeue makes by deleting and adding the registration.
    public int Requeue(int fd, ulong token, IoEvents events) => Modify(fd, token, events, events);

    public void Remove(int fd, IoEvents previous)
    {
        if (fd >= _registrations.Length)
            return;
        ref Registration r = ref _registrations[fd];
        r.Events = IoEvents.None;
        if (!r.Armed)
            return;
        Disarm(fd, ref r);
        // Now, not with the next wait: the poll holds the descriptor's file, which the caller is about to close, and
        // a socket closed must send its FIN now, not when the loop next polls (it may never poll again).
        Submit(0, 0, null);
    }

    private void Disarm(int fd, ref Registration r)
    {
        if (!r.Armed)
            return;
        r.Armed = false;
        byte* sqe = NextSqe();
        sqe[Libc.SqeOpcode] = Libc.IORING_OP_POLL_REMOVE;
        sqe[Libc.SqeFlags] = Libc.IOSQE_CQE_SKIP_SUCCESS;
        Unsafe.WriteUnaligned(sqe + Libc.SqeFd, -1);
        Unsafe.WriteUnaligned(sqe + Libc.SqeAddr, UserData(fd, r.ArmId));
        Unsafe.WriteUnaligned(sqe + Libc.SqeUserData, IgnoredUserData);
    }

    private void QueueArm(int fd, ref Registration r)
    {
        if (r.QueuedToArm)
            return;
        r.QueuedToArm = true;
        if (_toArmCount == _toArm.Length)
            Array.Resize(ref _toArm, _toArmCount * 2);
        _toArm[_toArmCount++] = fd;
    }

    private static ulong UserData(int fd, uint armId) => ((ulong)armId << 32) | (uint)fd;

    // A cleared submission entry at the ring's tail; when the ring is full, what it holds is submitted first.
    private byte* NextSqe()
    {
        while (_localSqTail - Volatile.Read(ref *_sqHead) > _sqMask)
            Submit(0, 0, null);
        byte* sqe = _sqes + (_localSqTail & _sqMask) * Libc.SqeSize;
        new Span<byte>(sqe, Libc.SqeSize).Clear();
        _localSqTail++;
        return sqe;
    }

    private int Submit(uint minComplete, uint flags, void* arg)
    {
        Volatile.Write(ref *_sqTail, _localSqTail);
        uint pending = _localSqTail - Volatile.Read(ref *_sqHead);
        int n = Libc.IoUringEnter(_ringFd, pending, minComplete, flags, arg, arg is null ? 0 : Libc.GeteventsArgSize);
        return n < 0 ? Libc.LastStatus() : n;
    }

    public int Wait(int timeoutMs)
    {
        uint firstArmId = _nextArmId + 1;
        uint armed = ArmQueued();
        uint pending = _localSqTail - Volatile.Read(ref *_sqHead);
        bool completionsWaiting = Volatile.Read(ref *_cqTail) != *_cqHead;
        if (timeoutMs != 0 && !completionsWaiting)
        {
            long* ts = stackalloc long[2];
            byte* arg = stackalloc byte[Libc.GeteventsArgSize];
            new Span<byte>(arg, Libc.GeteventsArgSize).Clear();
            if (timeoutMs > 0)
            {
                ts[0] = timeoutMs / 1000;
                ts[1] = timeoutMs % 1000 * 1_000_000L;
                Unsafe.WriteUnaligned(arg + 16, (ulong)ts);
            }
            int status = Submit(1, Libc.IORING_ENTER_GETEVENTS | Libc.IORING_ENTER_EXT_ARG, arg);
            // ETIME: the timeout passed; EINTR: a signal. The loop recomputes its timeout and comes back either way.
            if (status < 0 && status != ETIME && status != UvError.EINTR)
                return status;
        }
        else if (pending > 0 || !completionsWaiting)
        {
            // No waiting: submit what is queued, and let the kernel post what is ready (a wakeup's completion is
            // posted from task work the kernel runs on the way back from this call).
            Submit(0, Libc.IORING_ENTER_GETEVENTS, null);
        }
        return Reap(firstArmId, armed);
    }

    // Arms the polls queued; how many.
    private uint ArmQueued()
    {
        uint armed = 0;
        for (int i = 0; i < _toArmCount; i++)
        {
            int fd = _toArm[i];
            ref Registration r = ref _registrations[fd];
            r.QueuedToArm = false;
            if (r.Events == IoEvents.None || r.Armed)
                continue;
            r.Armed = true;
            r.ArmId = ++_nextArmId;
            armed++;
            byte* sqe = NextSqe();
            sqe[Libc.SqeOpcode] = Libc.IORING_OP_POLL_ADD;
            Unsafe.WriteUnaligned(sqe + Libc.SqeFd, fd);
            Unsafe.WriteUnaligned(sqe + Libc.SqeOpFlags, EpollPoller.ToEpoll(r.Events));
            Unsafe.WriteUnaligned(sqe + Libc.SqeUserData, UserData(fd, r.ArmId));
        }
        _toArmCount = 0;
        return armed;
    }

    // Hands the loop the completions waiting (MaxEvents at most) in epoll's order: a descriptor reported by the last
    // wait and still or again ready first (epoll puts a level-triggered descriptor back at the head of its ready list
    // as it reports it; here its poll is armed anew only now, so it completes after wakeups that came meanwhile), then
    // the wakeups, in the order they came. A loop woken by a post (the wakeup descriptor) and a datagram that the
    // posted callback is to receive thereby runs the callback first, as on epoll.
    private int Reap(uint firstArmId, uint armed)
    {
        uint head = *_cqHead;
        uint window = Math.Min(Volatile.Read(ref *_cqTail) - head, MaxEvents);
        int count = 0;
        for (int pass = 0; pass < 2; pass++)
        {
            for (uint i = 0; i < window; i++)
            {
                byte* cqe = _cqes + ((head + i) & _cqMask) * Libc.CqeSize;
                ulong userData = Unsafe.ReadUnaligned<ulong>(cqe);
                if (userData == IgnoredUserData || (uint)(userData >> 32) - firstArmId < armed != (pass == 0))
                    continue;
                int fd = (int)(uint)userData;
                ref Registration r = ref _registrations[fd];
                // A poll removed or replaced since it completed: the one in flight now (if any) reports for it.
                if (!r.Armed || r.ArmId != (uint)(userData >> 32))
                    continue;
                r.Armed = false;
                int res = Unsafe.ReadUnaligned<int>(cqe + 8);
                QueueArm(fd, ref r);
                // The kernel cancels the requests of a thread that ends: the loop armed the poll on a thread it has
                // since left (a loop may be run by one thread, then another). That is no news of the descriptor: the
                // poll is armed anew, from this thread, at the next wait.
                if (res == UvError.ECANCELED)
                    continue;
                _eventTokens[count] = r.Token;
                _eventMasks[count] = res < 0 ? IoEvents.Error : EpollPoller.FromEpoll((uint)res);
                count++;
            }
        }
        Volatile.Write(ref *_cqHead, head + window);
        return count;
    }

    public IoEvents GetEvent(int index, out ulong token)
    {
        token = _eventTokens[index];
        return _eventMasks[index];
    }

    public void Dispose()
    {
        // Closing the ring cancels every poll and lets go of their files.
        Libc.Munmap(_sqes, _sqesLength);
        Libc.Munmap(_rings, _ringsLength);
        Libc.Close(_ringFd);
        if (_probeEpoll >= 0)
            Libc.Close(_probeEpoll);
        NativeMemory.Free(_eventTokens);
        NativeMemory.Free(_eventMasks);
    }
}

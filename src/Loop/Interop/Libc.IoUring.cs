using System.Runtime.InteropServices;

namespace Uvnet.Interop;

/// <summary>
/// io_uring through raw system calls, as libuv's linux.c sets its rings up (no liburing): the structures are
/// addressed by their fixed offsets, the same on every Linux architecture.
/// </summary>
internal static unsafe partial class Libc
{
    // The io_uring system call numbers are common to every architecture (asm-generic numbering from 5.1 on).
    private const long SYS_io_uring_setup = 425, SYS_io_uring_enter = 426;

    internal const uint IORING_SETUP_CQSIZE = 1u << 3, IORING_SETUP_CLAMP = 1u << 4;
    internal const uint IORING_FEAT_SINGLE_MMAP = 1u << 0, IORING_FEAT_NODROP = 1u << 1, IORING_FEAT_EXT_ARG = 1u << 8,
        IORING_FEAT_CQE_SKIP = 1u << 11;
    internal const uint IORING_ENTER_GETEVENTS = 1u << 0, IORING_ENTER_EXT_ARG = 1u << 3;
    internal const long IORING_OFF_SQ_RING = 0, IORING_OFF_SQES = 0x10000000;
    internal const byte IORING_OP_POLL_ADD = 6, IORING_OP_POLL_REMOVE = 7;
    internal const byte IOSQE_CQE_SKIP_SUCCESS = 1 << 6;

    // struct io_uring_params: 120 bytes; its sq_off at 40 and cq_off at 80 (40 bytes each).
    internal const int IoUringParamsSize = 120;
    internal const int ParamsSqEntries = 0, ParamsCqEntries = 4, ParamsFlags = 8, ParamsFeatures = 20;
    internal const int SqOffHead = 40, SqOffTail = 44, SqOffRingMask = 48, SqOffFlags = 56, SqOffArray = 64;
    internal const int CqOffHead = 80, CqOffTail = 84, CqOffRingMask = 88, CqOffCqes = 100;

    // struct io_uring_sqe: 64 bytes. struct io_uring_cqe: 16 bytes (user_data, res, flags).
    internal const int SqeSize = 64, CqeSize = 16;
    internal const int SqeOpcode = 0, SqeFlags = 1, SqeFd = 4, SqeAddr = 16, SqeLen = 24, SqeOpFlags = 28, SqeUserData = 32;

    // struct io_uring_getevents_arg (sigmask, sigmask_sz, min_wait_usec, ts): 24 bytes.
    internal const int GeteventsArgSize = 24;

    internal const int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1, MAP_POPULATE = 0x8000;

    [LibraryImport(Name, EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    internal static int IoUringSetup(uint entries, byte* parameters) =>
        (int)Syscall(SYS_io_uring_setup, entries, (long)parameters, 0, 0, 0, 0);

    internal static int IoUringEnter(int ringFd, uint toSubmit, uint minComplete, uint flags, void* arg, int argSize) =>
        (int)Syscall(SYS_io_uring_enter, ringFd, toSubmit, minComplete, flags, (long)arg, argSize);

    [LibraryImport(Name, EntryPoint = "mmap", SetLastError = true)]
    internal static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport(Name, EntryPoint = "munmap", SetLastError = true)]
    internal static partial int Munmap(void* address, nuint length);

    internal const int AT_EMPTY_PATH = 0x1000;
    internal const uint STATX_TYPE = 0x1, STATX_INO = 0x100;
    // struct statx: 256 bytes; stx_mode (16 bits) at 28, stx_ino at 32, stx_dev_major and stx_dev_minor at 136 and 140.
    internal const int StatxSize = 256, StatxMode = 28, StatxIno = 32, StatxDevMajor = 136, StatxDevMinor = 140;
    internal const int S_IFMT = 0xF000, S_IFSOCK = 0xC000, S_IFIFO = 0x1000;

    [LibraryImport(Name, EntryPoint = "statx", SetLastError = true)]
    internal static partial int Statx(int dirfd, byte* path, int flags, uint mask, byte* buffer);
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Uvnet.Interop;

namespace Uvnet.Io;

/// <summary>
/// kqueue (macOS, FreeBSD). Read and write interest are separate filters, so each change adds or deletes
/// the filters that differ, and a descriptor ready both ways arrives as two events (libuv's kqueue.c does
/// the same). Compiled everywhere, selected on the BSDs; it cannot be run on a Linux machine.
/// </summary>
internal sealed unsafe class KqueuePoller : IPoller
{
    private const int MaxEvents = 1024;

    private readonly int _kq;
    private readonly byte* _events;
    private readonly int _keventSize = Libc.KeventSize;

    internal KqueuePoller()
    {
        _kq = Libc.Kqueue();
        if (_kq < 0)
            throw new InvalidOperationException($"kqueue failed: {UvError.Message(Libc.LastStatus())}");
        Libc.Fcntl(_kq, Libc.F_SETFD, Libc.FD_CLOEXEC);
        _events = (byte*)NativeMemory.AllocZeroed((nuint)(MaxEvents * _keventSize));
    }

    public int Add(int fd, ulong token, IoEvents events) => Modify(fd, token, events, IoEvents.None);

    public int Modify(int fd, ulong token, IoEvents events, IoEvents previous)
    {
        byte* changes = stackalloc byte[2 * 64];
        int n = 0;
        bool wantRead = (events & IoEvents.Read) != 0, hadRead = (previous & IoEvents.Read) != 0;
        bool wantWrite = (events & IoEvents.Write) != 0, hadWrite = (previous & IoEvents.Write) != 0;
        if (wantRead != hadRead)
            SetChange(changes + n++ * _keventSize, fd, Libc.EVFILT_READ, wantRead ? Libc.EV_ADD : Libc.EV_DELETE, token);
        if (wantWrite != hadWrite)
            SetChange(changes + n++ * _keventSize, fd, Libc.EVFILT_WRITE, wantWrite ? Libc.EV_ADD : Libc.EV_DELETE, token);
        if (n == 0)
            return 0;
        return Libc.Kevent(_kq, changes, n, null, 0, null) < 0 ? Libc.LastStatus() : 0;
    }

    // kqueue has no exclusive wakeup (IoEvents.Exclusive), hence no order of its pollers to change.
    public int Requeue(int fd, ulong token, IoEvents events) => 0;

    public void Remove(int fd, IoEvents previous) => Modify(fd, 0, IoEvents.None, previous);

    private void SetChange(byte* kev, int fd, short filter, ushort flags, ulong token)
    {
        new Span<byte>(kev, _keventSize).Clear();
        Unsafe.WriteUnaligned(kev + Libc.KeventIdentOffset, (nuint)fd);
        Unsafe.WriteUnaligned(kev + Libc.KeventFilterOffset, filter);
        Unsafe.WriteUnaligned(kev + Libc.KeventFlagsOffset, flags);
        Unsafe.WriteUnaligned(kev + Libc.KeventUdataOffset, token);
    }

    public int Wait(int timeoutMs)
    {
        Libc.Timespec ts = new() { Seconds = timeoutMs / 1000, Nanoseconds = timeoutMs % 1000 * 1_000_000 };
        int n = Libc.Kevent(_kq, null, 0, _events, MaxEvents, timeoutMs < 0 ? null : &ts);
        return n < 0 ? Libc.LastStatus() : n;
    }

    public IoEvents GetEvent(int index, out ulong token)
    {
        byte* kev = _events + index * _keventSize;
        token = Unsafe.ReadUnaligned<ulong>(kev + Libc.KeventUdataOffset);
        short filter = Unsafe.ReadUnaligned<short>(kev + Libc.KeventFilterOffset);
        ushort flags = Unsafe.ReadUnaligned<ushort>(kev + Libc.KeventFlagsOffset);
        IoEvents r = filter == Libc.EVFILT_READ ? IoEvents.Read : filter == Libc.EVFILT_WRITE ? IoEvents.Write : IoEvents.None;
        if ((flags & Libc.EV_ERROR) != 0)
            r |= IoEvents.Error;
        if ((flags & Libc.EV_EOF) != 0)
            r |= filter == Libc.EVFILT_READ ? IoEvents.Disconnect : IoEvents.Hangup;
        return r;
    }

    public void Dispose()
    {
        Libc.Close(_kq);
        NativeMemory.Free(_events);
    }
}

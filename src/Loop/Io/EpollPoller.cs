using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Uvnet.Interop;

namespace Uvnet.Io;

/// <summary>Linux epoll, level-triggered as libuv uses it.</summary>
internal sealed unsafe class EpollPoller : IPoller
{
    // libuv's uv__io_poll reads 1024 events per epoll_wait: enough to drain a busy loop in one call
    // without a large array to scan.
    private const int MaxEvents = 1024;

    private readonly int _epfd;
    private readonly byte* _events;
    private readonly int _eventSize = Libc.EpollEventSize;
    private readonly int _dataOffset = Libc.EpollDataOffset;

    internal EpollPoller()
    {
        _epfd = Libc.EpollCreate1(Libc.EPOLL_CLOEXEC);
        if (_epfd < 0)
            throw new InvalidOperationException($"epoll_create1 failed: {UvError.Message(Libc.LastStatus())}");
        _events = (byte*)NativeMemory.AllocZeroed((nuint)(MaxEvents * _eventSize));
    }

    public int Add(int fd, ulong token, IoEvents events) => Control(Libc.EPOLL_CTL_ADD, fd, token, events);

    public int Modify(int fd, ulong token, IoEvents events, IoEvents previous)
    {
        if (((events | previous) & IoEvents.Exclusive) == 0)
            return Control(Libc.EPOLL_CTL_MOD, fd, token, events);
        // EPOLLEXCLUSIVE is refused by EPOLL_CTL_MOD (EINVAL): such a registration is made anew.
        Remove(fd, previous);
        return Add(fd, token, events);
    }

    // An exclusive wakeup goes to the first epoll instance, in the order of the descriptor's wait queue, that has a
    // thread in epoll_wait (ep_poll_callback reports the wakeup done only then, and __wake_up_common stops there);
    // EPOLL_CTL_ADD appends an exclusive entry to that queue, so a registration made anew is the last woken.
    public int Requeue(int fd, ulong token, IoEvents events)
    {
        Remove(fd, events);
        return Add(fd, token, events);
    }

    public void Remove(int fd, IoEvents previous)
    {
        byte* ev = stackalloc byte[16];
        Libc.EpollCtl(_epfd, Libc.EPOLL_CTL_DEL, fd, ev);
    }

    private int Control(int op, int fd, ulong token, IoEvents events)
    {
        byte* ev = stackalloc byte[16];
        Unsafe.WriteUnaligned(ev, ToEpoll(events));
        Unsafe.WriteUnaligned(ev + _dataOffset, token);
        return Libc.EpollCtl(_epfd, op, fd, ev) < 0 ? Libc.LastStatus() : 0;
    }

    public int Wait(int timeoutMs)
    {
        int n = Libc.EpollWait(_epfd, _events, MaxEvents, timeoutMs);
        return n < 0 ? Libc.LastStatus() : n;
    }

    public IoEvents GetEvent(int index, out ulong token)
    {
        byte* ev = _events + index * _eventSize;
        token = Unsafe.ReadUnaligned<ulong>(ev + _dataOffset);
        return FromEpoll(Unsafe.ReadUnaligned<uint>(ev));
    }

    /// <summary>epoll's bits for <paramref name="e"/>; poll(2)'s are the same, so io_uring's poll takes them too.</summary>
    internal static uint ToEpoll(IoEvents e)
    {
        uint r = 0;
        if ((e & IoEvents.Read) != 0) r |= Libc.EPOLLIN;
        if ((e & IoEvents.Write) != 0) r |= Libc.EPOLLOUT;
        if ((e & IoEvents.Disconnect) != 0) r |= Libc.EPOLLRDHUP;
        if ((e & IoEvents.Priority) != 0) r |= Libc.EPOLLPRI;
        if ((e & IoEvents.Exclusive) != 0) r |= Libc.EPOLLEXCLUSIVE;
        return r;
    }

    /// <summary>The events epoll's (or poll(2)'s) bits <paramref name="e"/> report.</summary>
    internal static IoEvents FromEpoll(uint e)
    {
        IoEvents r = IoEvents.None;
        if ((e & Libc.EPOLLIN) != 0) r |= IoEvents.Read;
        if ((e & Libc.EPOLLOUT) != 0) r |= IoEvents.Write;
        if ((e & Libc.EPOLLRDHUP) != 0) r |= IoEvents.Disconnect;
        if ((e & Libc.EPOLLPRI) != 0) r |= IoEvents.Priority;
        if ((e & Libc.EPOLLERR) != 0) r |= IoEvents.Error;
        if ((e & Libc.EPOLLHUP) != 0) r |= IoEvents.Hangup;
        return r;
    }

    public void Dispose()
    {
        Libc.Close(_epfd);
        NativeMemory.Free(_events);
    }
}

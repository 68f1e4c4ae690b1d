using Uvnet.Io;

namespace Uvnet;

public sealed partial class Loop
{
    // Token 0 is the wakeup descriptor; I/O handles get slots from 1. A token is (generation << 32) | slot.
    private const ulong WakeupToken = 0;

    private IoHandle?[] _slots = new IoHandle?[64];
    private int[] _freeSlots = new int[64];
    private int _freeSlotCount;
    private int _nextSlot = 1;
    private uint _generation;

    // Handles whose interest changed since the last poll; applied just before waiting.
    private IoHandle[] _changes = new IoHandle[16];
    private int _changeCount;

    // Descriptors registered with the poller besides the wakeup: with none, a poll of 0 ms is no syscall.
    private int _registeredCount;

    // Which handle's registration the poller holds for each descriptor number (libuv's loop->watchers): the
    // poller knows descriptors by number, so a handle whose descriptor was closed under it and the number
    // reused must not remove or change the registration of the number's new owner.
    private IoHandle?[] _fdOwners = new IoHandle?[64];

    /// <summary>Gives <paramref name="handle"/> (whose <see cref="IoHandle.Fd"/> is set) a slot in the loop's table.</summary>
    internal void AttachIo(IoHandle handle)
    {
        int slot;
        if (_freeSlotCount > 0)
        {
            slot = _freeSlots[--_freeSlotCount];
        }
        else
        {
            slot = _nextSlot++;
            if (slot == _slots.Length)
                Array.Resize(ref _slots, slot * 2);
        }
        _slots[slot] = handle;
        handle.Slot = slot;
        handle.Generation = ++_generation;
        handle.Wanted = handle.Registered = IoEvents.None;
    }

    /// <summary>Stops watching <paramref name="handle"/>'s descriptor now and frees its slot; the caller closes the descriptor if it owns it.</summary>
    internal void DetachIo(IoHandle handle)
    {
        if (handle.Slot == 0)
            return;
        Unwatch(handle);
        _slots[handle.Slot] = null;
        if (_freeSlotCount == _freeSlots.Length)
            Array.Resize(ref _freeSlots, _freeSlotCount * 2);
        _freeSlots[_freeSlotCount++] = handle.Slot;
        handle.Slot = 0;
        CancelPending(handle);
    }

    /// <summary>
    /// Sets what <paramref name="handle"/> watches for. A descriptor not yet registered is registered at
    /// once, so an error (EEXIST, EPERM) returns here; other changes wait for the next poll, where a stop
    /// and restart in the same iteration cancel out.
    /// </summary>
    internal int Watch(IoHandle handle, IoEvents events)
    {
        if (handle.Wanted == events)
            return 0;
        if (handle.Registered == IoEvents.None && events != IoEvents.None)
        {
            int status = _poller.Add(handle.Fd, TokenOf(handle), events);
            if (status < 0)
                return status;
            // The poller took the number, so it held no registration of it: one the table still gives to
            // another handle ended when that handle's descriptor was closed. Forget it without telling the
            // poller, where the number now belongs to this handle.
            if (OwnerOf(handle.Fd) is { } stale)
            {
                stale.Wanted = stale.Registered = IoEvents.None;
                _registeredCount--;
            }
            SetOwner(handle.Fd, handle);
            handle.Wanted = handle.Registered = events;
            _registeredCount++;
            return 0;
        }
        handle.Wanted = events;
        if (!handle.InChangeList)
        {
            handle.InChangeList = true;
            if (_changeCount == _changes.Length)
                Array.Resize(ref _changes, _changeCount * 2);
            _changes[_changeCount++] = handle;
        }
        return 0;
    }

    /// <summary>
    /// Stops watching <paramref name="handle"/>'s descriptor now, not at the next poll, as libuv's uv_poll_stop does
    /// (uv__platform_invalidate_fd): a start that follows registers the descriptor anew, so it watches what the number
    /// is by then. Deferred, a stop and restart would cancel out and keep a registration that a descriptor closed and
    /// replaced under the handle had already ended.
    /// </summary>
    internal void Unwatch(IoHandle handle)
    {
        if (handle.Registered != IoEvents.None)
            Unregister(handle);
        handle.Wanted = IoEvents.None;
    }

    /// <summary>
    /// Registers <paramref name="handle"/>'s descriptor anew, now, unless a change of what it watches for is
    /// waiting for the next poll: an exclusive registration (<see cref="IoEvents.Exclusive"/>) thereby becomes the
    /// last of the loops watching the descriptor to be woken by it.
    /// </summary>
    internal void Requeue(IoHandle handle)
    {
        if (handle.Registered != IoEvents.None && handle.Wanted == handle.Registered)
            _poller.Requeue(handle.Fd, TokenOf(handle), handle.Registered);
    }

    private void Unregister(IoHandle handle)
    {
        _poller.Remove(handle.Fd, handle.Registered);
        _fdOwners[handle.Fd] = null;
        handle.Registered = IoEvents.None;
        _registeredCount--;
    }

    private IoHandle? OwnerOf(int fd) => fd < _fdOwners.Length ? _fdOwners[fd] : null;

    private void SetOwner(int fd, IoHandle handle)
    {
        if (fd >= _fdOwners.Length)
            Array.Resize(ref _fdOwners, Math.Max(fd + 1, _fdOwners.Length * 2));
        _fdOwners[fd] = handle;
    }

    private static ulong TokenOf(IoHandle handle) => ((ulong)handle.Generation << 32) | (uint)handle.Slot;

    private void ApplyChanges()
    {
        for (int i = 0; i < _changeCount; i++)
        {
            IoHandle h = _changes[i];
            _changes[i] = null!;
            h.InChangeList = false;
            if (h.Slot == 0 || h.Wanted == h.Registered)
                continue;
            if (h.Wanted == IoEvents.None)
            {
                Unregister(h);
                continue;
            }
            // Registered is never None here: Watch registers a new descriptor at once, and a handle that lost
            // its descriptor's number to another (see Watch) wants nothing.
            _poller.Modify(h.Fd, TokenOf(h), h.Wanted, h.Registered);
            h.Registered = h.Wanted;
        }
        _changeCount = 0;
    }

    private void Poll(int timeout)
    {
        ApplyChanges();
        if (timeout == 0 && _registeredCount == 0)
        {
            // Nothing but the wakeup to watch and no time to wait: answer it from memory, as libuv
            // skips epoll_wait when it watches no descriptors.
            if (Wakeup.IsSignalled)
                OnWakeup();
            return;
        }

        long deadline = _now + timeout;
        int count;
        while (true)
        {
            count = _poller.Wait(timeout);
            // The wait may have lasted long: refresh the clock before any callback (I/O here, check, close,
            // the next timers) starts a timer from it, as libuv's uv__io_poll does.
            if (timeout != 0)
                UpdateTime();
            if (count > 0 || timeout == 0 || (count < 0 && count != UvError.EINTR))
                break;
            // As uv__io_poll: a wait that ended early with nothing for the loop (EINTR: a signal, the runtime's
            // own included; on io_uring, completions that are no news, such as a poll cancelled by a stop) waits
            // on for the rest of its timeout, or Run(Once) would return with its timer not yet due.
            if (timeout > 0 && (timeout = (int)Math.Max(0, deadline - _now)) == 0)
                break;
        }
        if (count <= 0)
            return; // the timeout passed (or the wait failed): the loop iterates again

        for (int i = 0; i < count; i++)
        {
            IoEvents events = _poller.GetEvent(i, out ulong token);
            int slot = (int)(uint)token;
            if (slot == 0)
            {
                OnWakeup();
                continue;
            }
            IoHandle? handle = _slots[slot];
            // Closed (or closed and replaced) by an earlier callback of this batch: the event is stale.
            if (handle is null || handle.Generation != (uint)(token >> 32))
                continue;
            IoEvents wanted = handle.Wanted;
            // Give the handle only what it asked for, as libuv does; an error or hangup alone is reported
            // as the interest it had, so that the handle's next read or write finds the error.
            events &= wanted | IoEvents.Error | IoEvents.Hangup;
            if ((events & ~(IoEvents.Error | IoEvents.Hangup)) == 0 && events != IoEvents.None)
                events |= wanted;
            if (events != IoEvents.None && wanted != IoEvents.None)
                handle.OnIo(events);
        }
    }

    private void DisposeIo()
    {
        Array.Clear(_slots);
        Array.Clear(_fdOwners);
        _changeCount = 0;
    }
}

using Uvnet.Io;

namespace Uvnet;

/// <summary>
/// Watches any descriptor the user owns for readiness, as libuv's <c>uv_poll_t</c>. The handle never reads,
/// writes or closes the descriptor: closing the handle only stops watching it. Only one handle may watch a
/// descriptor at a time.
/// </summary>
/// <remarks>
/// As with libuv: stop or close the handle first, then close the descriptor (at once is safe). A descriptor
/// closed while it is watched stops reporting, and its number may be reused by the next descriptor opened,
/// which the handle, restarted, would then watch. Closing the handle afterwards is harmless: once another
/// handle on the loop watches the reused number, this one no longer touches that registration (and a restart
/// gets EEXIST).
/// </remarks>
public sealed class PollHandle : IoHandle
{
    private Action<PollHandle, int, PollEvents>? _callback;

    /// <summary>Creates a stopped poll handle for <paramref name="fd"/>, which the caller keeps owning.</summary>
    public PollHandle(Loop loop, int fd) : base(Validate(loop, fd))
    {
        Fd = fd;
        loop.AttachIo(this);
    }

    /// <summary>
    /// Starts (or changes) watching for <paramref name="events"/>. The callback gets a status (0, or
    /// <see cref="UvError.EBADF"/> when the descriptor reports an error, after which the handle is stopped)
    /// and the events that are ready. Returns 0 or a negative status (EEXIST: another handle watches this
    /// descriptor; EPERM: the descriptor cannot be polled, such as a regular file).
    /// </summary>
    public int Start(PollEvents events, Action<PollHandle, int, PollEvents> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        VerifyUsable();
        int status = Loop.Watch(this, ToIo(events));
        if (status < 0)
            return status; // refused: the handle keeps its callback (and what it watched, if anything)
        _callback = callback;
        SetActive(events != PollEvents.None);
        return 0;
    }

    /// <summary>Stops watching. Idempotent.</summary>
    public void Stop()
    {
        Loop.VerifyAccess();
        Loop.Unwatch(this);
        SetActive(false);
    }

    internal override void OnIo(IoEvents events)
    {
        if ((events & IoEvents.Error) != 0 && (events & IoEvents.Priority) == 0)
        {
            Loop.Unwatch(this);
            SetActive(false);
            _callback!(this, UvError.EBADF, PollEvents.None);
            return;
        }
        PollEvents ready = PollEvents.None;
        if ((events & IoEvents.Read) != 0) ready |= PollEvents.Readable;
        if ((events & IoEvents.Write) != 0) ready |= PollEvents.Writable;
        if ((events & IoEvents.Disconnect) != 0) ready |= PollEvents.Disconnect;
        if ((events & IoEvents.Priority) != 0) ready |= PollEvents.Prioritized;
        if (ready != PollEvents.None)
            _callback!(this, 0, ready);
    }

    // Checked before the base constructor adds the handle to the loop: a handle that throws from its
    // constructor must not stay in the loop, where nobody could close it and the loop could never close.
    private static Loop Validate(Loop loop, int fd)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        return loop;
    }

    private static IoEvents ToIo(PollEvents e) =>
        ((e & PollEvents.Readable) != 0 ? IoEvents.Read : 0)
        | ((e & PollEvents.Writable) != 0 ? IoEvents.Write : 0)
        | ((e & PollEvents.Disconnect) != 0 ? IoEvents.Disconnect : 0)
        | ((e & PollEvents.Prioritized) != 0 ? IoEvents.Priority : 0);

    private protected override void OnClosing() => Loop.DetachIo(this);
}

namespace Uvnet;

/// <summary>
/// A long-lived object bound to one <see cref="Uvnet.Loop"/>: a timer, a loop watcher, an async or poll
/// handle, a stream. Created idle, started to become active, and finished with <see cref="Close"/>, whose
/// callback runs in the loop's closing phase, never inside the call.
/// </summary>
/// <remarks>
/// Every member is for the loop's thread only, except where a member says otherwise
/// (<see cref="AsyncHandle.Send"/>). An active, referenced handle keeps <see cref="Loop.Run(RunMode)"/>
/// running; <see cref="Unref"/> lets the loop end while the handle stays active.
/// </remarks>
public abstract class Handle : IDisposable
{
    [Flags]
    private enum State : byte
    {
        Active = 1,
        Referenced = 2,
        Closing = 4,
        Closed = 8,
    }

    private State _state = State.Referenced;

    // The handle's position in the loop's queue of its kind while started (the timer heap, a watcher phase's
    // queue), -1 when in none. Here rather than in those classes because it fills the padding after the state
    // byte: it costs no handle anything, where in TimerHandle, beside the 64-bit start id, it would take 8 bytes.
    internal int QueueIndex = -1;

    // The loop's list of handles (for Walk). A closing handle's close callback waits in the loop's closing
    // queue, not in a field: a million timers each save the space.
    internal Handle? PreviousInLoop, NextInLoop;

    private protected Handle(Loop loop)
    {
        ArgumentNullException.ThrowIfNull(loop);
        loop.VerifyAccess();
        loop.ThrowIfClosed();
        Loop = loop;
        loop.AddHandle(this);
    }

    /// <summary>The loop this handle belongs to.</summary>
    public Loop Loop { get; }

    /// <summary>Any object the user wants to keep with the handle (libuv's <c>data</c>).</summary>
    public object? Data { get; set; }

    /// <summary>Whether the handle is started: watching, counting down, or waiting for I/O.</summary>
    public bool IsActive => (_state & State.Active) != 0;

    /// <summary>Whether <see cref="Close"/> was called (the handle may not have finished closing yet).</summary>
    public bool IsClosing => (_state & (State.Closing | State.Closed)) != 0;

    /// <summary>Whether the handle is closed: its close callback has run or is running.</summary>
    public bool IsClosed => (_state & State.Closed) != 0;

    /// <summary>Whether the handle, while active, keeps the loop alive.</summary>
    public bool HasRef => (_state & State.Referenced) != 0;

    /// <summary>Lets this handle, while active, keep the loop alive again (the default). Idempotent.</summary>
    public void Ref()
    {
        if (HasRef)
            return;
        _state |= State.Referenced;
        if (IsActive)
            Loop.ActiveHandles++;
    }

    /// <summary>Lets the loop end even while this handle is active. Idempotent.</summary>
    public void Unref()
    {
        if (!HasRef)
            return;
        _state &= ~State.Referenced;
        if (IsActive)
            Loop.ActiveHandles--;
    }

    /// <summary>
    /// Stops the handle, releases what it holds and cancels its requests (their callbacks get
    /// <see cref="UvError.ECANCELED"/>). <paramref name="callback"/> runs in the loop's closing phase,
    /// after every cancelled request's callback; never inside this call. If a cancelled request's callback throws,
    /// the exception leaves <see cref="Loop.Run(RunMode)"/>, and the remaining ones and <paramref name="callback"/>
    /// run in the next closing phase.
    /// </summary>
    /// <exception cref="InvalidOperationException">The handle is already closing or closed.</exception>
    public void Close(Action<Handle>? callback = null)
    {
        Loop.VerifyAccess();
        if (IsClosing)
            throw new InvalidOperationException($"{GetType().Name} is already closing; a handle is closed once.");
        _state |= State.Closing;
        OnClosing();
        SetActive(false);
        Loop.QueueClosing(this, callback);
    }

    /// <summary>Closes the handle if it is not closing already; the close completes when the loop runs.</summary>
    public void Dispose()
    {
        if (!IsClosing)
            Close();
        GC.SuppressFinalize(this);
    }

    /// <summary>Stops whatever the handle does and releases its resources; runs inside <see cref="Close"/>.</summary>
    private protected virtual void OnClosing()
    {
    }

    /// <summary>Runs in the closing phase before the close callback: completes cancelled requests.</summary>
    private protected virtual void OnClosed()
    {
    }

    internal void FinishClose(Action<Handle>? callback)
    {
        _state = (_state & State.Referenced) | State.Closed;
        try
        {
            OnClosed();
        }
        catch
        {
            // A cancelled request's callback threw: the other cancellations and the close callback run in the next
            // closing phase. The handle stays on the loop until then, so the loop cannot be closed under them.
            Loop.QueueClosing(this, callback);
            throw;
        }
        Loop.RemoveHandle(this);
        callback?.Invoke(this);
    }

    private protected void SetActive(bool active)
    {
        if (active == IsActive)
            return;
        if (active)
            _state |= State.Active;
        else
            _state &= ~State.Active;
        if (HasRef)
            Loop.ActiveHandles += active ? 1 : -1;
    }

    /// <summary>Throws for a call from the wrong thread or on a closing handle: both are programmer errors.</summary>
    private protected void VerifyUsable()
    {
        Loop.VerifyAccess();
        if (IsClosing)
            throw new ObjectDisposedException(GetType().Name, "The handle is closing or closed.");
    }
}

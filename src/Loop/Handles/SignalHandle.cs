using System.Runtime.InteropServices;

namespace Uvnet;

/// <summary>
/// Watches a POSIX signal, as libuv's <c>uv_signal_t</c>: while started, the signal's default action (such as
/// ending the process on SIGTERM) is replaced by the callback, which runs on the loop thread. Signals that
/// arrive before the callback runs are coalesced into one call. Several handles, on several loops, may watch the
/// same signal: each is called. Stopping restores the default action once no handle watches the signal.
/// </summary>
/// <remarks>Built on .NET's <see cref="PosixSignalRegistration"/>: the runtime receives the signal on its own
/// thread and this handle posts it to the loop.</remarks>
public sealed class SignalHandle : Handle
{
    private static readonly Action<SignalHandle> s_dispatch = static h => h.Dispatch();

    private PosixSignalRegistration? _registration;

    // Whether a signal reaching OnSignal is the handle's to take: read on the runtime's thread.
    private volatile bool _watching;
    private Action<SignalHandle, PosixSignal>? _callback;
    private int _pending;

    /// <summary>Creates a stopped signal handle on <paramref name="loop"/>.</summary>
    public SignalHandle(Loop loop) : base(loop)
    {
    }

    /// <summary>The signal watched, while started.</summary>
    public PosixSignal Signal { get; private set; }

    /// <summary>
    /// Starts watching <paramref name="signal"/> (a <see cref="PosixSignal"/>, or a raw signal number cast to it);
    /// a started handle switches to the new signal and callback. When the system refuses the signal, the
    /// handle is left as it was (still watching its previous signal, if any).
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">The signal is not known on this system.</exception>
    /// <exception cref="IOException">The system refused to handle the signal (such as SIGKILL).</exception>
    public void Start(PosixSignal signal, Action<SignalHandle, PosixSignal> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        VerifyUsable();
        // The new registration first, the old one dropped after: a refusal throws before anything changed, and
        // a restart leaves no moment without a handler, in which the signal would take its default action
        // (ending the process, for SIGTERM). A signal in the overlap reaches both; they coalesce into one call.
        // Watching from before the registration exists, so that a signal at once is already taken (see OnSignal).
        bool wasWatching = _watching;
        _watching = true;
        PosixSignalRegistration registration;
        try
        {
            registration = PosixSignalRegistration.Create(signal, OnSignal);
        }
        catch
        {
            _watching = wasWatching;
            throw;
        }
        Unregister();
        _registration = registration;
        _callback = callback;
        Signal = signal;
        SetActive(true);
    }

    /// <summary>Stops watching; the default action returns unless another handle watches the signal. Idempotent.</summary>
    public void Stop()
    {
        Loop.VerifyAccess();
        _watching = false;
        Unregister();
        SetActive(false);
    }

    // On a runtime thread, where an exception ends the process. The runtime calls every handler registered when
    // the signal arrived, one after the other, without Dispose waiting for them: this one may run after the handle
    // stopped or closed, and its loop closed too (a handler called before it stopped the loop, as uvnet's first loop
    // stops them all). A handle no longer watching leaves the signal alone: cancelled, it would lose its default
    // action (the Ctrl+C meant to quit once the watcher stopped). Once the loop closed the signal is dropped; Post
    // would throw ObjectDisposedException.
    internal void OnSignal(PosixSignalContext context)
    {
        if (!_watching)
            return;
        context.Cancel = true;
        if (Interlocked.Exchange(ref _pending, 1) == 0)
            Loop.TryPost(s_dispatch, this);
    }

    private void Dispatch()
    {
        Interlocked.Exchange(ref _pending, 0);
        if (IsActive)
            _callback!(this, Signal);
    }

    private void Unregister()
    {
        _registration?.Dispose();
        _registration = null;
    }

    private protected override void OnClosing()
    {
        _watching = false;
        Unregister();
    }
}

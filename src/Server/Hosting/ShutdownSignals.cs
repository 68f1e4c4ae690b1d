using System.Runtime.InteropServices;

namespace Uvnet.Server.Hosting;

/// <summary>
/// SIGINT (Ctrl+C) and SIGTERM: the first one starts a graceful shutdown; a second one is left to its default
/// action, so an impatient Ctrl+C quits at once.
/// </summary>
/// <remarks>
/// The runtime delivers the signal on a thread of its own; <see cref="ServerHost.Shutdown"/> then posts to each
/// loop. When the loop gains a signal handle (libuv's <c>uv_signal_t</c>), each loop can watch the signals itself.
/// </remarks>
public sealed class ShutdownSignals : IDisposable
{
    private readonly PosixSignalRegistration[] _registrations;
    private readonly Action _onShutdown;
    private int _received;

    private ShutdownSignals(Action onShutdown)
    {
        _onShutdown = onShutdown;
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
        ];
    }

    /// <summary>Calls <paramref name="onShutdown"/> (on a runtime thread) at the first SIGINT or SIGTERM, until disposed.</summary>
    public static ShutdownSignals Register(Action onShutdown)
    {
        ArgumentNullException.ThrowIfNull(onShutdown);
        return new ShutdownSignals(onShutdown);
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref _received) > 1)
            return; // not cancelled: the default action ends the process
        context.Cancel = true;
        _onShutdown();
    }

    /// <summary>Restores the signals' default actions.</summary>
    public void Dispose()
    {
        foreach (var registration in _registrations)
            registration.Dispose();
    }
}

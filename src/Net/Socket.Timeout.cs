namespace Uvnet.Net;

public sealed partial class Socket
{
    private static readonly Action<TimerHandle> s_onTimer = static timer => ((Socket)timer.Data!).OnTimer();

    // Made by the first SetTimeout: most sockets never set one.
    private TimeoutState? _timeout;

    /// <summary>Whether the idle timeout's state was made (a test's view of what a socket without a timeout holds).</summary>
    internal bool HoldsTimeoutState => _timeout is not null;

    private sealed class TimeoutState(TimerHandle timer)
    {
        internal readonly TimerHandle Timer = timer;
        internal long Milliseconds;
        internal long LastActivity;
        internal Action? Callback;
    }

    /// <summary>
    /// Raises <see cref="Timeout"/> after <paramref name="milliseconds"/> with no read or write (0 turns it off),
    /// as Node's <c>socket.setTimeout</c>. It fires once per idle period and does not close the socket; any
    /// read or write starts a new period. <paramref name="callback"/> is a one-time <see cref="Timeout"/> handler.
    /// After <see cref="Destroy"/> it does nothing, as in Node.
    /// </summary>
    public Socket SetTimeout(long milliseconds, Action? callback = null)
    {
        Loop.VerifyAccess();
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds);
        if (_destroyed)
            return this; // a timer started now would outlive the socket: never closed, firing for nothing
        if (milliseconds == 0)
        {
            if (_timeout is { } off)
            {
                off.Milliseconds = 0;
                off.Callback = callback;
            }
            StopTimer();
            return this;
        }
        if (_timeout is not { } state)
        {
            var timer = new TimerHandle(Loop) { Data = this };
            timer.Unref(); // as Node's socket timers: an idle timeout alone does not keep the loop alive
            _timeout = state = new TimeoutState(timer);
        }
        state.Milliseconds = milliseconds;
        state.Callback = callback;
        state.LastActivity = Loop.Now;
        state.Timer.Start(s_onTimer, milliseconds);
        return this;
    }

    /// <summary>Records activity. Cheap: the timer is not touched unless it already fired; it checks the time when it fires.</summary>
    private void RestartTimer()
    {
        if (_timeout is not { Milliseconds: > 0 } state)
            return;
        state.LastActivity = Loop.Now;
        if (!state.Timer.IsActive)
            state.Timer.Start(s_onTimer, state.Milliseconds);
    }

    private void OnTimer()
    {
        TimeoutState state = _timeout!;
        long idle = Loop.Now - state.LastActivity;
        if (idle < state.Milliseconds)
        {
            state.Timer.Start(s_onTimer, state.Milliseconds - idle);
            return;
        }
        Timeout?.Invoke(this);
        var callback = state.Callback;
        state.Callback = null;
        callback?.Invoke();
    }

    private void StopTimer()
    {
        if (_timeout?.Timer is { IsClosing: false } timer)
        {
            timer.Stop();
            if (_destroyed)
                timer.Close();
        }
    }
}

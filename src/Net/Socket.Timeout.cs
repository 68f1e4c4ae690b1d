namespace Uvnet.Net;

public sealed partial class Socket
{
    private static readonly Action<TimerHandle> s_onTimer = static timer => ((Socket)timer.Data!).OnTimer();

    private TimerHandle? _timer;
    private long _timeoutMs;
    private long _lastActivity;
    private Action? _timeoutCallback;

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
        _timeoutMs = milliseconds;
        _timeoutCallback = callback;
        if (milliseconds == 0)
        {
            StopTimer();
            return this;
        }
        if (_timer is null)
        {
            _timer = new TimerHandle(Loop) { Data = this };
            _timer.Unref(); // as Node's socket timers: an idle timeout alone does not keep the loop alive
        }
        _lastActivity = Loop.Now;
        _timer.Start(s_onTimer, milliseconds);
        return this;
    }

    /// <summary>Records activity. Cheap: the timer is not touched unless it already fired; it checks the time when it fires.</summary>
    private void RestartTimer()
    {
        if (_timer is null || _timeoutMs == 0)
            return;
        _lastActivity = Loop.Now;
        if (!_timer.IsActive)
            _timer.Start(s_onTimer, _timeoutMs);
    }

    private void OnTimer()
    {
        long idle = Loop.Now - _lastActivity;
        if (idle < _timeoutMs)
        {
            _timer!.Start(s_onTimer, _timeoutMs - idle);
            return;
        }
        Timeout?.Invoke(this);
        var callback = _timeoutCallback;
        _timeoutCallback = null;
        callback?.Invoke();
    }

    private void StopTimer()
    {
        if (_timer is { IsClosing: false } timer)
        {
            timer.Stop();
            if (_destroyed)
                timer.Close();
        }
    }
}

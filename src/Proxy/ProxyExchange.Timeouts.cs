using Uvnet.Proxy.Forwarding;

namespace Uvnet.Proxy;

public sealed partial class ProxyExchange
{
    private TimerHandle? _timer;
    private Stage _stage;
    private long _lastProgress;
    private Net.Socket? _connecting;
    private bool _connected;

    /// <summary>Which timeout watches the upstream request.</summary>
    private enum Stage
    {
        None,
        Connecting,   // ProxyTimeouts.Connect
        Sending,      // the request body goes up: ProxyTimeouts.Activity
        AwaitingHead, // the request is sent: ProxyTimeouts.ResponseHead
        Streaming,    // the response's body comes down: ProxyTimeouts.Activity
    }

    /// <summary>Progress in either direction: the activity timeout counts from the last.</summary>
    private void Touch() => _lastProgress = Proxy.Loop.Now;

    private void StartTimer(Stage stage)
    {
        _stage = stage;
        ProxyTimeouts timeouts = _timeouts!;
        long ms = stage switch
        {
            Stage.Connecting => timeouts.Connect,
            Stage.AwaitingHead => timeouts.ResponseHead,
            _ => timeouts.Activity,
        };
        Touch();
        if (ms == 0)
        {
            _timer?.Stop();
            return;
        }
        _timer ??= new TimerHandle(Proxy.Loop);
        _timer.Start(Proxy.Handlers.Timer, ms);
        _timer.Data = this;
    }

    private void StopTimer()
    {
        _stage = Stage.None;
        _timer?.Stop();
    }

    private void CloseTimer()
    {
        if (_timer is { IsClosing: false } timer)
            timer.Close();
        _timer = null;
    }

    /// <summary>The connection was assigned: a reused one is connected already.</summary>
    internal void OnUpstreamAssigned(Net.Socket socket)
    {
        if (socket.Connecting)
        {
            _connecting = socket;
            Proxy.TrackConnecting(socket, this);
            return;
        }
        OnUpstreamConnected();
    }

    /// <summary>The upstream connection is made (or was, for a reused one): the next timeout applies.</summary>
    internal void OnUpstreamConnected()
    {
        _connecting = null;
        _connected = true;
        if (_stage == Stage.Connecting)
            StartTimer(_requestEnded ? Stage.AwaitingHead : Stage.Sending);
    }

    internal void OnRequestSent()
    {
        if (_stage == Stage.Sending)
            StartTimer(Stage.AwaitingHead);
    }

    internal void OnTimer()
    {
        ProxyTimeouts timeouts = _timeouts!;
        switch (_stage)
        {
            case Stage.Sending or Stage.Streaming:
                long idle = Proxy.Loop.Now - _lastProgress;
                if (idle < timeouts.Activity)
                {
                    _timer!.Start(Proxy.Handlers.Timer, timeouts.Activity - idle); // progress since it was set
                    return;
                }
                break;
            case Stage.None:
                return;
        }
        ForwardError error = _stage switch
        {
            Stage.Connecting => ForwardError.ConnectTimeout,
            Stage.AwaitingHead => ForwardError.ResponseHeadTimeout,
            _ => ForwardError.ActivityTimeout,
        };
        TimedOut(error);
    }

    private void TimedOut(ForwardError error)
    {
        if (_upstream is { } upstream)
        {
            ReleaseUpstream(failed: true);
            upstream.Destroy();
        }
        Fail(error);
    }
}

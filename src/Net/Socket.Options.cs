namespace Uvnet.Net;

public sealed partial class Socket
{
    private bool? _noDelay;
    private int? _keepAliveDelayMs;

    /// <summary>TCP_NODELAY: send small writes at once (Nagle off). Kept until connected if needed; a no-op once destroyed.</summary>
    public Socket SetNoDelay(bool noDelay = true)
    {
        Loop.VerifyAccess();
        _noDelay = noDelay;
        if (OpenTcpHandle is { } tcp)
            tcp.SetNoDelay(noDelay);
        return this;
    }

    /// <summary>SO_KEEPALIVE, first probe after <paramref name="initialDelayMs"/> of idleness (0: the system's default); a no-op once destroyed.</summary>
    public Socket SetKeepAlive(bool enable = false, int initialDelayMs = 0)
    {
        Loop.VerifyAccess();
        ArgumentOutOfRangeException.ThrowIfNegative(initialDelayMs);
        _keepAliveDelayMs = enable ? initialDelayMs : null;
        if (OpenTcpHandle is { } tcp)
            ApplyKeepAlive(tcp);
        return this;
    }

    // A destroyed socket's handle is closing, and a closing handle refuses options (as Node, whose handle is gone).
    private TcpHandle? OpenTcpHandle => _handle is TcpHandle { IsClosing: false } tcp ? tcp : null;

    private void ApplyOptions(TcpHandle tcp)
    {
        if (_noDelay is { } noDelay)
            tcp.SetNoDelay(noDelay);
        if (_keepAliveDelayMs is not null)
            ApplyKeepAlive(tcp); // a new socket has keep-alive off already
    }

    private void ApplyKeepAlive(TcpHandle tcp)
    {
        // Node rounds the delay to whole seconds; the kernel's own default (7200 s) when none is given.
        if (_keepAliveDelayMs is { } delay)
            tcp.SetKeepAlive(true, delay == 0 ? 7200 : Math.Max(1, (delay + 999) / 1000));
        else
            tcp.SetKeepAlive(false, 0);
    }
}

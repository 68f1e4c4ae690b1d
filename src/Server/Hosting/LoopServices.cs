using Uvnet.Net;

namespace Uvnet.Server.Hosting;

/// <summary>
/// One loop's services, one per address its host stands for. <c>localhost</c> is 127.0.0.1 and ::1: clients try ::1
/// first where the name has both (browsers, curl, Node), so a server holding 127.0.0.1 alone would leave [::1]:port
/// to any other program, which would then take that traffic; both are held, unless this machine has no IPv6
/// loopback.
/// </summary>
internal sealed class LoopServices : ILoopService
{
    private readonly string?[] _addresses;
    private readonly ILoopService[] _services;

    /// <summary>Creates, with <paramref name="create"/>, a service on <paramref name="loop"/> for each address of <paramref name="host"/>.</summary>
    internal LoopServices(Loop loop, Func<Loop, ILoopService> create, string? host)
    {
        _addresses = host == "localhost" && System.Net.Sockets.Socket.OSSupportsIPv6 ? ["127.0.0.1", "::1"] : [host];
        _services = [.. _addresses.Select(_ => create(loop))];
    }

    /// <inheritdoc/>
    public int ConnectionCount => _services.Sum(s => s.ConnectionCount);

    /// <inheritdoc/>
    public long ConnectionsAccepted => _services.Sum(s => s.ConnectionsAccepted);

    /// <summary>
    /// Listens on each address in turn, the later ones on the port the first was given, and calls
    /// <paramref name="listening"/> once all listen. <paramref name="host"/> is the one given at creation.
    /// </summary>
    public void Listen(int port, string? host, Action<int> listening, Action<Exception> failed)
    {
        ArgumentNullException.ThrowIfNull(listening);
        ArgumentNullException.ThrowIfNull(failed);
        ListenFrom(0, port, listening, failed);
    }

    private void ListenFrom(int index, int port, Action<int> listening, Action<Exception> failed)
    {
        bool started = false;
        void Next(int bound)
        {
            started = true;
            if (index + 1 < _services.Length)
                ListenFrom(index + 1, bound, listening, failed);
            else
                listening(bound);
        }
        _services[index].Listen(port, _addresses[index], Next, e =>
        {
            // A machine with IPv6 but no ::1 (a container with IPv6 off on lo): the IPv4 loopback is all there is.
            if (!started && index > 0 && e is NetException { Code: "EADDRNOTAVAIL" or "EAFNOSUPPORT" })
                Next(port);
            else
                failed(e);
        });
    }

    /// <inheritdoc/>
    public void Stop()
    {
        foreach (ILoopService service in _services)
            service.Stop();
    }

    /// <inheritdoc/>
    public void Abort()
    {
        foreach (ILoopService service in _services)
            service.Abort();
    }
}

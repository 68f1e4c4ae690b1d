using System.Net;

namespace Uvnet.Tests;

/// <summary>Loopback addresses nobody listens on, for refused connects.</summary>
internal static class ClosedPorts
{
    /// <summary>A loopback port bound, never listened on, then released: a connect to it is refused.</summary>
    internal static IPEndPoint Next()
    {
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)probe.LocalEndPoint!;
    }
}

using System.Net;

namespace Uvnet.Tests;

/// <summary>Loopback addresses nobody listens on, for refused connects.</summary>
internal static class ClosedPorts
{
    /// <summary>A loopback port bound, never listened on, then released: a connect to it is refused.</summary>
    internal static IPEndPoint Next() => Probe(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);

    /// <summary>A loopback UDP port bound, then released: a datagram to it draws an ICMP port unreachable (ECONNREFUSED).</summary>
    internal static IPEndPoint NextUdp() => Probe(System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);

    private static IPEndPoint Probe(System.Net.Sockets.SocketType type, System.Net.Sockets.ProtocolType protocol)
    {
        using var probe = new System.Net.Sockets.Socket(type, protocol);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)probe.LocalEndPoint!;
    }
}

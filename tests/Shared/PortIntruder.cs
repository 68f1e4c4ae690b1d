using System.Net;
using System.Net.Sockets;

namespace Uvnet.Tests;

/// <summary>Another program trying to listen on a port that is in use, the way SO_REUSEPORT would let it share.</summary>
internal static class PortIntruder
{
    // SOL_SOCKET and SO_REUSEPORT on Linux.
    private const int SolSocket = 1, SoReusePort = 15;

    /// <summary>
    /// Binds a plain socket (not Uvnet's) to <paramref name="endpoint"/> with SO_REUSEADDR and SO_REUSEPORT, and
    /// listens; returns the error, or null when it could (then closes it).
    /// </summary>
    internal static SocketError? TryListen(IPEndPoint endpoint)
    {
        using var intruder = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        intruder.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        intruder.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
        try
        {
            intruder.Bind(endpoint);
            intruder.Listen();
            return null;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
    }
}

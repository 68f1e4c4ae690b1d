using System.Net;
using System.Net.Sockets;

namespace Uvnet.Bench.Dotnet;

/// <summary>
/// Client and server in one process over 127.0.0.1: a listener on a port the kernel picks, and
/// <c>conns</c> connected pairs. Disposing closes every socket, which ends the connection loops.
/// </summary>
internal sealed class Loopback : IDisposable
{
    // Enough for every connection a peer opens at once; the kernel caps it at somaxconn.
    private const int ListenBacklog = 1024;

    private readonly Socket _listener;

    private Loopback(Socket listener, Socket[] clients, Socket[] accepted)
    {
        _listener = listener;
        Clients = clients;
        Accepted = accepted;
    }

    public Socket[] Clients { get; }

    public Socket[] Accepted { get; }

    public static async Task<Loopback> ConnectAsync(int conns)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(ListenBacklog);
        var clients = new Socket[conns];
        var accepted = new Socket[conns];
        for (int i = 0; i < conns; i++)
        {
            clients[i] = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            Task<Socket> accept = listener.AcceptAsync();
            await clients[i].ConnectAsync(listener.LocalEndPoint!);
            accepted[i] = await accept;
        }
        return new Loopback(listener, clients, accepted);
    }

    public void Dispose()
    {
        foreach (Socket socket in Clients)
            socket.Dispose();
        foreach (Socket socket in Accepted)
            socket.Dispose();
        _listener.Dispose();
    }
}

using System.Net;

namespace Uvnet.Bench.UvnetPeer;

/// <summary>
/// Client and server on one <see cref="Loop"/> over 127.0.0.1, as bench/peers/libuv/loopback.c: listen on a
/// port the kernel picks, accept into a new handle, connect (the stop is <see cref="Handles.CloseAll"/>).
/// </summary>
internal static class Loopback
{
    // Enough for every connection a peer opens at once; the kernel caps it at somaxconn (as loopback.c).
    private const int ListenBacklog = 1024;

    /// <summary>Listens on 127.0.0.1 with a port the kernel picks; <see cref="TcpHandle.LocalEndPoint"/> says which.</summary>
    public static TcpHandle Listen(Loop loop, ConnectionCallback onConnection)
    {
        var server = new TcpHandle(loop);
        Check(server.Bind(new IPEndPoint(IPAddress.Loopback, 0)), "bind");
        Check(server.Listen(ListenBacklog, onConnection), "listen");
        return server;
    }

    /// <summary>Accepts the pending connection into a new handle (closed by <see cref="Handles.CloseAll"/>).</summary>
    public static TcpHandle Accept(StreamHandle server)
    {
        var conn = new TcpHandle(server.Loop);
        Check(server.Accept(conn), "accept");
        return conn;
    }

    /// <summary>Starts connecting a new handle to <paramref name="server"/>'s address.</summary>
    public static TcpHandle Connect(Loop loop, TcpHandle server, Action<ConnectRequest, int> onConnect)
    {
        var client = new TcpHandle(loop);
        Check(client.Connect(server.LocalEndPoint!, onConnect), "connect");
        return client;
    }

    /// <summary>Aborts on a failed call, as peer_check: a benchmark that hit an error measures nothing.</summary>
    public static void Check(int status, string what)
    {
        if (status >= 0)
            return;
        PeerOutput.Progress($"{what}: {UvError.Message(status)}");
        Environment.Exit(1);
    }
}

using System.Net;

namespace Uvnet.Bench.UvnetPeer;

/// <summary>
/// Client and server on one <see cref="Loop"/> over 127.0.0.1, as bench/peers/libuv/loopback.c: listen on a
/// port the kernel picks, accept into a new handle, connect, and close every handle at the stop.
/// </summary>
internal static class Loopback
{
    // Enough for every connection a peer opens at once; the kernel caps it at somaxconn (as loopback.c).
    private const int ListenBacklog = 1024;

    private static readonly Action<Handle> s_closeWalked = CloseIfOpen;

    /// <summary>Listens on 127.0.0.1 with a port the kernel picks; <see cref="TcpHandle.LocalEndPoint"/> says which.</summary>
    public static TcpHandle Listen(Loop loop, ConnectionCallback onConnection)
    {
        var server = new TcpHandle(loop);
        Check(server.Bind(new IPEndPoint(IPAddress.Loopback, 0)), "bind");
        Check(server.Listen(ListenBacklog, onConnection), "listen");
        return server;
    }

    /// <summary>Accepts the pending connection into a new handle (closed by <see cref="CloseAll"/>).</summary>
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

    /// <summary>Closes every handle on the loop that is not closing yet, as libuv's tests end: the workload's stop.</summary>
    public static void CloseAll(Loop loop) => loop.Walk(s_closeWalked);

    private static void CloseIfOpen(Handle handle)
    {
        if (!handle.IsClosing)
            handle.Close();
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

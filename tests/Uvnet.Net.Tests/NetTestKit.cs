using System.Text;

namespace Uvnet.Net.Tests;

/// <summary>Servers and clients the net tests share.</summary>
internal static class NetTestKit
{
    /// <summary>A server on 127.0.0.1 with a free port, listening once this returns.</summary>
    internal static Server ListeningServer(Loop loop, Action<Socket>? onConnection = null, ServerOptions? options = null)
    {
        var server = new Server(loop, onConnection, options);
        bool listening = false;
        server.Error += (_, e) => Assert.Fail(e.Message);
        server.Listen(0, "127.0.0.1", callback: () => listening = true);
        LoopDriver.RunUntil(loop, () => listening);
        return server;
    }

    /// <summary>A client connected to a fresh listening server; <c>Peer</c> is the server's side of the connection.</summary>
    internal static (Server Server, Socket Client, Socket Peer) ConnectedPair(Loop loop, ServerOptions? options = null)
    {
        Socket? peer = null;
        var server = ListeningServer(loop, p => peer = p, options);
        var client = new Socket(loop);
        bool connected = false;
        client.Connect(server.Port, "127.0.0.1", () => connected = true);
        LoopDriver.RunUntil(loop, () => connected && peer is not null);
        return (server, client, peer!);
    }

    /// <summary>Echoes what it reads; ends when the peer ends (allowHalfOpen off).</summary>
    internal static void Echo(Socket socket) => socket.Data += (s, data) => s.Write(data.ToArray());

    /// <summary>Collects everything a socket reads, as text.</summary>
    internal static StringBuilder Collect(Socket socket)
    {
        var text = new StringBuilder();
        socket.Data += (_, data) => text.Append(Encoding.UTF8.GetString(data));
        return text;
    }
}

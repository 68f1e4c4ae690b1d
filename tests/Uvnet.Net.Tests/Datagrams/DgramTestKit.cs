using System.Text;

namespace Uvnet.Net.Tests.Datagrams;

/// <summary>Bound sockets and message recorders the dgram tests share.</summary>
internal static class DgramTestKit
{
    /// <summary>A socket of <paramref name="type"/> bound to a free port of loopback, listening once this returns.</summary>
    internal static DgramSocket Bound(Loop loop, string type = "udp4", DgramSocketOptions? options = null)
    {
        var socket = Dgram.CreateSocket(loop, options ?? new DgramSocketOptions { Type = type });
        socket.Error += (_, e) => Assert.Fail(e.Message);
        bool listening = false;
        socket.Bind(0, socket.Type == "udp6" ? "::1" : "127.0.0.1", () => listening = true);
        LoopDriver.RunUntil(loop, () => listening);
        return socket;
    }

    /// <summary>Every message <paramref name="socket"/> receives, as (text, rinfo).</summary>
    internal static List<(string Text, DgramRemoteInfo Remote)> Record(DgramSocket socket)
    {
        var messages = new List<(string, DgramRemoteInfo)>();
        socket.Message += (_, data, remote) => messages.Add((Encoding.UTF8.GetString(data), remote));
        return messages;
    }

    /// <summary>Closes every socket and waits for their Closed events.</summary>
    internal static void CloseAll(Loop loop, params DgramSocket[] sockets)
    {
        int closed = 0;
        foreach (DgramSocket s in sockets)
            s.Close(() => closed++);
        LoopDriver.RunUntil(loop, () => closed == sockets.Length);
    }

    internal static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}

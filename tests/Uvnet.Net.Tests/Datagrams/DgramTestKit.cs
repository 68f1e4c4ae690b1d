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
        return Listen(loop, socket, 0, socket.Type == "udp6" ? "::1" : "127.0.0.1");
    }

    /// <summary>Binds <paramref name="socket"/> and runs the loop until it listens.</summary>
    internal static DgramSocket Listen(Loop loop, DgramSocket socket, int port = 0, string? address = null)
    {
        bool listening = false;
        socket.Bind(port, address, () => listening = true);
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

    /// <summary>The result of a task that has completed successfully (asserted): for tests that drove the loop until it did.</summary>
    internal static T ResultOf<T>(ValueTask<T> task)
    {
        Assert.True(task.IsCompletedSuccessfully);
        return task.Result;
    }

    internal static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}

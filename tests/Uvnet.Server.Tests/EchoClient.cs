using System.Net.Sockets;

namespace Uvnet.Server.Tests;

/// <summary>A blocking System.Net.Sockets client with bounded waits, for talking to a server under test.</summary>
internal sealed class EchoClient : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);
    private readonly Socket _socket;

    public EchoClient(string host, int port)
    {
        _socket = new Socket(SocketType.Stream, ProtocolType.Tcp)
        {
            ReceiveTimeout = (int)s_timeout.TotalMilliseconds,
            SendTimeout = (int)s_timeout.TotalMilliseconds,
        };
        _socket.Connect(host, port);
    }

    public void Send(byte[] data) => _socket.Send(data);

    /// <summary>Reads exactly <paramref name="count"/> bytes (fails on EOF or after the timeout).</summary>
    public byte[] Receive(int count)
    {
        var buffer = new byte[count];
        int read = 0;
        while (read < count)
        {
            int n = _socket.Receive(buffer, read, count - read, SocketFlags.None);
            Assert.True(n > 0, $"EOF after {read} of {count} bytes");
            read += n;
        }
        return buffer;
    }

    /// <summary>Reads until the peer ends; returns what came before the end.</summary>
    public int ReceiveUntilEnd()
    {
        var buffer = new byte[4096];
        int total = 0, n;
        while ((n = _socket.Receive(buffer)) > 0)
            total += n;
        return total;
    }

    /// <summary>Sends <paramref name="data"/> while reading the echo on another thread; returns what came back.</summary>
    public byte[] RoundTrip(byte[] data)
    {
        var reading = Task.Run(() => Receive(data.Length));
        Send(data);
        Assert.True(reading.Wait(s_timeout), "echo not received in time");
        return reading.Result;
    }

    public void EndSending() => _socket.Shutdown(SocketShutdown.Send);

    public void Dispose() => _socket.Dispose();
}

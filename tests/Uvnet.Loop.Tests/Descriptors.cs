using System.Net;
using System.Net.Sockets;
using Uvnet.Interop;

namespace Uvnet.Tests;

/// <summary>A non-blocking pipe from libc, for watching with a <see cref="PollHandle"/>.</summary>
internal sealed unsafe class TestPipe : IDisposable
{
    public TestPipe()
    {
        int* fds = stackalloc int[2];
        Assert.Equal(0, Libc.Pipe(fds));
        ReadFd = fds[0];
        WriteFd = fds[1];
        Assert.Equal(0, Libc.SetNonBlockingCloseOnExec(ReadFd));
        Assert.Equal(0, Libc.SetNonBlockingCloseOnExec(WriteFd));
    }

    public int ReadFd { get; private set; }

    public int WriteFd { get; private set; }

    /// <summary>Writes <paramref name="count"/> bytes; returns what write(2) returned.</summary>
    public long Write(int count = 1)
    {
        byte* buffer = stackalloc byte[count];
        return Libc.Write(WriteFd, buffer, count);
    }

    /// <summary>Reads what is there (up to 4 KiB); returns what read(2) returned (negative: nothing to read).</summary>
    public long Read()
    {
        byte* buffer = stackalloc byte[4096];
        return Libc.Read(ReadFd, buffer, 4096);
    }

    public void CloseWriteEnd()
    {
        Libc.CloseQuietly(WriteFd);
        WriteFd = -1;
    }

    public void CloseReadEnd()
    {
        Libc.CloseQuietly(ReadFd);
        ReadFd = -1;
    }

    public void Dispose()
    {
        CloseReadEnd();
        CloseWriteEnd();
    }
}

/// <summary>A connected pair of loopback TCP sockets; the descriptors are watched, the sockets do the I/O.</summary>
internal sealed class TestSocketPair : IDisposable
{
    public TestSocketPair()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        Client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Client.Connect(listener.LocalEndPoint!);
        Server = listener.Accept();
    }

    public Socket Client { get; }

    public Socket Server { get; }

    public int ServerFd => (int)Server.Handle;

    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
    }
}

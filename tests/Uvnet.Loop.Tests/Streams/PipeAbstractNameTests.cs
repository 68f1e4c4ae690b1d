using Uvnet.Interop;

namespace Uvnet.Tests.Streams;

/// <summary>Linux abstract Unix socket names ("\0name"): no file, found by name alone.</summary>
public sealed unsafe class PipeAbstractNameTests
{
    [Fact]
    public void AbstractNameBindsWithoutAFileAndAcceptsAConnection()
    {
        using var scope = new LoopScope();
        string name = $"uvnet-{Environment.ProcessId}-{Guid.NewGuid():N}";
        string abstractPath = "\0" + name;
        string fileItWasTakenFor = Path.Combine(Environment.CurrentDirectory, "@" + name);
        try
        {
            PipeHandle? peer = null;
            var server = AcceptingServer(scope.Loop, abstractPath, p => peer = p);
            var client = new PipeHandle(scope.Loop);
            int connected = 1;
            Assert.Equal(0, client.Connect(abstractPath, (_, status) => connected = status));

            scope.RunUntil(() => connected != 1 && peer is not null);

            Assert.Equal(0, connected);
            Assert.False(File.Exists(fileItWasTakenFor), "bind created a file named after the abstract name");
            Assert.Equal(abstractPath, server.LocalPath);
            Assert.Equal(abstractPath, client.RemotePath);
            scope.CloseAllAndFinish();
        }
        finally
        {
            File.Delete(fileItWasTakenFor);
        }
    }

    [Fact]
    public void A_peer_name_that_is_not_UTF_8_reads_as_a_path_instead_of_throwing()
    {
        // The peer names itself (another process binds any bytes): 60 bytes of 0xFF decode to 60 replacement
        // characters, 180 bytes of UTF-8, which no UnixDomainSocketEndPoint holds. RemotePath threw
        // ArgumentOutOfRangeException from the loop callback that logged it.
        using var scope = new LoopScope();
        string serverPath = $"\0uvnet-{Environment.ProcessId}-{Guid.NewGuid():N}";
        PipeHandle? peer = null;
        AcceptingServer(scope.Loop, serverPath, p => peer = p);
        int client = Libc.Socket(SocketConstants.AF_UNIX, 1 /* SOCK_STREAM */, 0);
        Assert.True(client >= 0);
        try
        {
            byte* address = stackalloc byte[SockAddr.MaxSize];
            var name = new Span<byte>(address, SockAddr.MaxSize);
            name.Clear();
            name[0] = SocketConstants.AF_UNIX; // Linux: a 16-bit family, little-endian
            name.Slice(3, 60).Fill(0xFF); // abstract: sun_path[0] stays 0
            Assert.Equal(0, Libc.Bind(client, address, 2 + 1 + 60));
            name.Clear();
            name[0] = SocketConstants.AF_UNIX;
            int length = 2 + System.Text.Encoding.UTF8.GetBytes(serverPath, name[2..]);
            Assert.Equal(0, Libc.Connect(client, address, length));
            scope.RunUntil(() => peer is not null);

            string? remote = peer!.RemotePath;
            Assert.NotNull(remote);
            Assert.Equal('\0', remote[0]);
            Assert.Equal(61, remote.Length);
        }
        finally
        {
            Libc.CloseQuietly(client);
        }
        scope.CloseAllAndFinish();
    }

    /// <summary>A pipe server on <paramref name="path"/> that accepts each connection into a new handle given to <paramref name="accepted"/>.</summary>
    private static PipeHandle AcceptingServer(Loop loop, string path, Action<PipeHandle> accepted)
    {
        var server = new PipeHandle(loop);
        Assert.Equal(0, server.Bind(path));
        Assert.Equal(0, server.Listen(16, (s, status) =>
        {
            Assert.Equal(0, status);
            var peer = new PipeHandle(loop);
            Assert.Equal(0, s.Accept(peer));
            accepted(peer);
        }));
        return server;
    }
}

namespace Uvnet.Tests.Streams;

/// <summary>Linux abstract Unix socket names ("\0name"): no file, found by name alone.</summary>
public sealed class PipeAbstractNameTests
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
            var server = new PipeHandle(scope.Loop);
            PipeHandle? peer = null;
            Assert.Equal(0, server.Bind(abstractPath));
            Assert.Equal(0, server.Listen(16, (s, status) =>
            {
                Assert.Equal(0, status);
                peer = new PipeHandle(scope.Loop);
                Assert.Equal(0, s.Accept(peer));
            }));
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
}

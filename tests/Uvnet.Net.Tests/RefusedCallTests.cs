namespace Uvnet.Net.Tests;

/// <summary>
/// A call refused (an exception for a programmer error, an error event for a condition) changes nothing it did not
/// start: the connect in flight, the server's close in progress, the socket's counters, the loop's handles.
/// </summary>
public class RefusedCallTests
{
    [Fact]
    public void ConnectAsync_refused_while_connecting_leaves_the_first_connects_task_to_complete()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop);
        var client = new Socket(loop);
        Task first = client.ConnectAsync(server.Port, "127.0.0.1").AsTask();
        Assert.Throws<InvalidOperationException>(() => { _ = client.ConnectAsync(server.Port, "127.0.0.1"); }); // thrown by the call itself
        LoopDriver.RunUntil(loop, () => first.IsCompleted);
        Assert.True(first.IsCompletedSuccessfully);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Listen_refused_for_its_host_leaves_the_close_in_progress_to_finish()
    {
        var loop = new Loop();
        var (server, client, _) = NetTestKit.ConnectedPair(loop);
        bool closed = false;
        server.Close(_ => closed = true); // waits for the connection
        Assert.Throws<ArgumentException>(() => server.Listen(0, "not an address"));
        client.Destroy();
        LoopDriver.RunUntil(loop, () => closed);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void SendFile_refused_for_its_arguments_counts_no_bytes()
    {
        var loop = new Loop();
        var (server, client, _) = NetTestKit.ConnectedPair(loop);
        using (var file = File.OpenHandle(typeof(RefusedCallTests).Assembly.Location))
            Assert.Throws<ArgumentOutOfRangeException>(() => client.SendFile(file, -1, 10));
        Assert.Equal(0, client.BytesWritten);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Unix_path_too_long_is_an_ENAMETOOLONG_error_and_leaves_no_handle()
    {
        var loop = new Loop();
        string path = "/tmp/" + new string('x', 200);
        var client = new Socket(loop);
        NetException? clientError = null;
        bool clientClosed = false;
        client.Error += (_, e) => clientError = e;
        client.Closed += (_, _) => clientClosed = true;
        client.Connect(path);
        var server = new Server(loop);
        NetException? serverError = null;
        server.Error += (_, e) => serverError = e;
        server.Listen(path);
        LoopDriver.RunUntil(loop, () => clientClosed && serverError is not null);
        Assert.Equal("ENAMETOOLONG", clientError?.Code);
        Assert.Equal("ENAMETOOLONG", serverError!.Code);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Negative_keep_alive_delay_is_refused_when_the_options_are_made()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ServerOptions { KeepAlive = true, KeepAliveInitialDelay = -1 });
    }
}

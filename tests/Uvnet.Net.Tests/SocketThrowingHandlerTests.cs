namespace Uvnet.Net.Tests;

/// <summary>
/// A socket event handler (or one-time callback) that throws, of every kind: the exception leaves Loop.Run, as an
/// uncaught exception in Node; running the loop again, the socket carries on from a consistent state and still
/// reaches Closed, with the events that follow the one that threw, its descriptor released and its server's
/// accounting right.
/// </summary>
public class SocketThrowingHandlerTests
{
    // Timeout has its own test: nothing else happens on an idle connection, so it has no natural close.
    public static TheoryData<string> Kinds() => new(SocketEventScenario.Kinds.Where(k => k != "Timeout"));

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Handler_that_throws_leaves_Run_and_the_socket_still_closes(string kind)
    {
        var scenario = SocketEventScenario.Start(kind, _ => throw new CallbackException());
        Assert.Throws<CallbackException>(() => LoopDriver.RunUntil(scenario.Loop, () => false, seconds: 5));
        Assert.Equal(1, scenario.HandlerRuns);

        scenario.RunUntilClosed();
        // What comes after the event that threw still came.
        string[] follows = kind switch
        {
            "Lookup" or "Connected" or "ConnectCallback" => ["connect", "end", "finish"],
            "Data" => ["data", "end", "finish"],
            "Ended" or "Finish" or "EndCallback" => ["end", "finish"],
            "Drain" or "WriteCallback" => ["drain", "finish", "end"],
            "Error" => ["error ECONNREFUSED"],
            _ => [],
        };
        Assert.All(follows, e => Assert.Contains(e, scenario.Log));
        scenario.AssertClosedCleanly(hadError: kind == "Error");
    }

    [Fact]
    public void Timeout_handler_that_throws_leaves_the_timeout_armed_for_the_next_idle_period()
    {
        var scenario = SocketEventScenario.Start("Timeout", _ => throw new CallbackException());
        Assert.Throws<CallbackException>(() => LoopDriver.RunUntil(scenario.Loop, () => false, seconds: 5));
        // Activity starts a new idle period, whose timeout reaches the handler again.
        scenario.Client.Write("activity"u8.ToArray());
        Assert.Throws<CallbackException>(() => LoopDriver.RunUntil(scenario.Loop, () => false, seconds: 5));
        Assert.Equal(2, scenario.HandlerRuns);
        scenario.Client.Destroy();
        scenario.RunUntilClosed();
        scenario.AssertClosedCleanly(hadError: false);
    }

    [Fact]
    public void Write_callback_that_throws_on_a_write_error_still_destroys_the_socket_with_the_error()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        var log = new List<string>();
        client.Error += (_, e) => log.Add($"error {e.Syscall}");
        client.Closed += (_, hadError) => log.Add($"close {hadError}");
        client.Pause(); // the reset must surface through the write, not a read
        bool peerClosed = false;
        peer.Closed += (_, _) => peerClosed = true;
        ((TcpHandle)peer.Handle!).CloseReset();
        LoopDriver.RunUntil(loop, () => peerClosed || peer.Handle!.IsClosed);
        client.Write("x"u8.ToArray(), _ => throw new CallbackException());

        Assert.Throws<CallbackException>(() => LoopDriver.RunUntil(loop, () => false, seconds: 5));
        LoopDriver.RunUntil(loop, () => log.Contains("close True"));
        Assert.Equal(["error write", "close True"], log);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Connected_handler_that_throws_still_completes_ConnectAsync()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop);
        var client = new Socket(loop);
        client.Connected += _ => throw new CallbackException();
        Task connect = client.ConnectAsync(server.Port, "127.0.0.1").AsTask();

        Assert.Throws<CallbackException>(() => LoopDriver.RunUntil(loop, () => false, seconds: 5));
        LoopDriver.RunUntil(loop, () => connect.IsCompleted);
        Assert.True(connect.IsCompletedSuccessfully);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public async Task Data_handler_that_throws_does_not_take_the_bytes_from_an_async_reader()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        client.Data += (_, _) => throw new CallbackException();
        var buffer = new byte[16];
        Task<int>? read = null;
        loop.Post(() => read = client.ReadAsync(buffer).AsTask()); // on the loop thread, so it waits before the data comes
        LoopDriver.RunUntil(loop, () => read is not null);
        peer.Write("abc"u8.ToArray());

        Assert.Throws<CallbackException>(() => LoopDriver.RunUntil(loop, () => false, seconds: 5));
        LoopDriver.RunUntil(loop, () => read!.IsCompleted);
        Assert.Equal(3, await read!);
        Assert.Equal("abc"u8.ToArray(), buffer[..3]);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Theory]
    [InlineData("Error")]
    [InlineData("Closed")]
    public void Handler_of_an_accepted_socket_that_throws_on_closing_leaves_the_server_counting_right(string kind)
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop, peer =>
        {
            if (kind == "Error")
                peer.Error += (_, _) => throw new CallbackException();
            else
                peer.Closed += (_, _) => throw new CallbackException();
            peer.Destroy(kind == "Error" ? new InvalidOperationException("bad peer") : null);
        });
        var client = new Socket(loop);
        client.Connect(server.Port, "127.0.0.1");

        Assert.Throws<CallbackException>(() => LoopDriver.RunUntil(loop, () => false, seconds: 5));
        LoopDriver.RunUntil(loop, () => server.ConnectionCount == 0);
        bool serverClosed = false;
        server.Close(_ => serverClosed = true);
        LoopDriver.RunUntil(loop, () => serverClosed);
        client.Destroy();
        LoopDriver.CloseLoop(loop);
    }
}

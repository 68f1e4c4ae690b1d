namespace Uvnet.Net.Tests;

/// <summary>
/// Using a socket after Destroy(), as Node's net.Socket allows: writes fail through their callback with
/// ERR_STREAM_DESTROYED, End, Pause, Resume and the options are no-ops, a read fails with ObjectDisposedException (never
/// the end of stream: the peer did not end it); only Connect throws (a
/// destroyed socket connects again only once it has closed: see SocketReconnectTests). None of them raises an event, starts anything, or leaves a handle behind.
/// </summary>
public class SocketUseAfterDestroyTests
{
    public static TheoryData<string> Operations() =>
        ["Write", "WriteAsync", "End", "Destroy", "Pause", "Resume", "SetTimeout", "SetNoDelay", "SetKeepAlive", "ReadAsync", "Ref"];

    [Theory]
    [MemberData(nameof(Operations))]
    public void Operation_after_destroy_raises_no_event_and_leaves_nothing_behind(string operation)
    {
        var loop = new Loop();
        var (server, client, _) = NetTestKit.ConnectedPair(loop);
        var log = new List<string>();
        client.Data += (_, _) => log.Add("data");
        client.Timeout += _ => log.Add("timeout");
        client.Error += (_, e) => log.Add($"error {e.Code}");
        client.Closed += (_, hadError) => log.Add($"close {hadError}");
        client.Destroy();

        Task? task = null;
        loop.Post(() => task = Use(client, operation, log)); // on the loop thread, where awaits resume

        LoopDriver.RunUntil(loop, () => log.Contains("close False") && server.ConnectionCount == 0 && task is { IsCompleted: true });
        LoopDriver.RunFor(loop, 20); // a timeout of 1 ms, had one been armed, would have fired
        string[] expected = operation switch
        {
            "Write" => ["close False", "write callback ERR_STREAM_DESTROYED"],
            "WriteAsync" => ["close False", "WriteAsync ERR_STREAM_DESTROYED"],
            "ReadAsync" => ["close False", "ReadAsync ObjectDisposedException"],
            _ => ["close False"],
        };
        Assert.Equal(expected.Order(), log.Order());
        bool serverClosed = false;
        server.Close(_ => serverClosed = true);
        LoopDriver.RunUntil(loop, () => serverClosed);
        LoopDriver.AssertNothingLeft(loop); // no timer, no stream left open by the call
    }

    [Fact]
    public void Connect_after_destroy_throws()
    {
        var loop = new Loop();
        var client = new Socket(loop);
        client.Destroy();
        Assert.Throws<InvalidOperationException>(() => client.Connect(1, "127.0.0.1"));
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Write_after_end_fails_the_write_then_destroys_the_socket_with_the_error_as_Node_does()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        var log = new List<string>();
        var received = NetTestKit.Collect(peer);
        client.Error += (_, e) => log.Add($"error {e.Code}");
        client.Closed += (_, hadError) => log.Add($"close {hadError}");
        client.End("before"u8.ToArray());
        Assert.False(client.Write("after"u8.ToArray(), e => log.Add($"callback {e!.Code}")));

        LoopDriver.RunUntil(loop, () => log.Contains("close True"));
        Assert.Equal(["callback ERR_STREAM_WRITE_AFTER_END", "error ERR_STREAM_WRITE_AFTER_END", "close True"], log);
        Assert.DoesNotContain("after", received.ToString());
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    private static Task Use(Socket client, string operation, List<string> log)
    {
        switch (operation)
        {
            case "Write":
                Assert.False(client.Write("x"u8.ToArray(), e => log.Add($"write callback {e?.Code}")));
                break;
            case "WriteAsync": return LogWriteAsync(client, log);
            case "ReadAsync": return LogReadAsync(client, log);
            case "End": client.End("x"u8.ToArray()); break;
            case "Destroy": client.Destroy(); break;
            case "Pause": client.Pause(); break;
            case "Resume": client.Resume(); break;
            case "SetTimeout": client.SetTimeout(1); break;
            case "SetNoDelay": client.SetNoDelay(); break;
            case "SetKeepAlive": client.SetKeepAlive(true, 1000); break;
            case "Ref":
                client.Unref();
                client.Ref();
                break;
            default: throw new ArgumentOutOfRangeException(nameof(operation), operation, null);
        }
        return Task.CompletedTask;
    }

    private static async Task LogWriteAsync(Socket client, List<string> log)
    {
        var failure = await Assert.ThrowsAsync<NetException>(() => client.WriteAsync("x"u8.ToArray()).AsTask());
        log.Add($"WriteAsync {failure.Code}");
    }

    private static async Task LogReadAsync(Socket client, List<string> log)
    {
        var failure = await Assert.ThrowsAsync<ObjectDisposedException>(async () => await client.ReadAsync(new byte[4]));
        log.Add($"ReadAsync {failure.GetType().Name}");
    }
}

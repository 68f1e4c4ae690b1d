namespace Uvnet.Tests.Streams;

/// <summary>
/// Using a stream once <see cref="Handle.Close"/> was called is a programmer error: every operation throws
/// <see cref="ObjectDisposedException"/> (a second Close, <see cref="InvalidOperationException"/>), starts nothing and
/// leaves the close to finish normally; <see cref="StreamHandle.ReadStop"/> stays a no-op.
/// </summary>
public class StreamUseAfterCloseTests
{
    public static TheoryData<string> Operations() =>
    [
        "Write", "WriteWithRequest", "TryWrite", "SendFile", "Shutdown", "ReadStart", "Connect", "Listen", "Accept", "Bind",
        "SetNoDelay", "SetKeepAlive", "CloseReset",
    ];

    [Theory]
    [MemberData(nameof(Operations))]
    public void Operation_on_a_closing_stream_throws_and_the_close_finishes(string operation)
    {
        using var scope = new LoopScope();
        var (client, peer) = StreamTestKit.Connected(scope.Loop);
        var log = new CallbackLog();
        client.Write(new byte[8 * 1024 * 1024], log.Write()); // still queued
        client.Close(log.Closed);

        Assert.Throws<ObjectDisposedException>(() => Use(client, operation, log));

        scope.RunUntil(() => log.Events.Contains("close"));
        Assert.Equal(["write ECANCELED", "close"], log.Events); // nothing the refused call asked for ran
        Assert.Throws<ObjectDisposedException>(() => Use(client, operation, log)); // closed, as closing
        scope.CloseAllAndFinish();
    }

    [Fact]
    public void Closing_twice_throws_and_the_first_close_callback_runs_once()
    {
        using var scope = new LoopScope();
        var (client, _) = StreamTestKit.Connected(scope.Loop);
        int first = 0, second = 0;
        client.Close(_ => first++);
        Assert.Throws<InvalidOperationException>(() => client.Close(_ => second++));
        client.ReadStop(); // a no-op, not an error
        scope.RunUntil(() => first == 1);
        Assert.Equal(0, second);
        scope.CloseAllAndFinish();
    }

    [Fact]
    public void A_request_refused_by_a_closing_stream_is_not_started_and_can_be_used_elsewhere()
    {
        using var scope = new LoopScope();
        var (client, peer) = StreamTestKit.Connected(scope.Loop);
        var request = new WriteRequest();
        client.Close();
        Assert.Throws<ObjectDisposedException>(() => client.Write(request, [new byte[4]], null));
        Assert.False(request.IsActive);

        int status = 1;
        Assert.Equal(0, peer.Write(request, ["sent"u8.ToArray()], (_, s) => status = s));
        scope.RunUntil(() => status != 1);
        Assert.Equal(0, status);
        scope.CloseAllAndFinish();
    }

    [Fact]
    public void Accept_into_a_closing_client_throws_and_the_connection_waits_for_a_usable_one()
    {
        using var scope = new LoopScope();
        var loop = scope.Loop;
        TcpHandle? accepted = null;
        var listener = StreamTestKit.Listen(loop, (s, status) =>
        {
            Assert.Equal(0, status);
            var closing = new TcpHandle(loop);
            closing.Close();
            Assert.Throws<ObjectDisposedException>(() => s.Accept(closing));
            Assert.Equal(-1, closing.FileDescriptor);
            accepted = new TcpHandle(loop);
            Assert.Equal(0, s.Accept(accepted));
        });
        var (client, read) = StreamTestKit.ConnectReading(listener);
        scope.RunUntil(() => accepted is not null);

        // The connection went to the usable client: its close reaches the peer as a FIN.
        accepted!.Close();
        scope.RunUntil(() => read.End == UvError.EOF);
        scope.CloseAllAndFinish();
    }

    private static void Use(TcpHandle stream, string operation, CallbackLog log)
    {
        Action<WriteRequest, int> onWrite = (_, s) => log.Add($"refused write ran {s}");
        switch (operation)
        {
            case "Write":
                stream.Write(new byte[4], onWrite);
                break;
            case "WriteWithRequest":
                stream.Write(new WriteRequest(), [new byte[4]], onWrite);
                break;
            case "TryWrite":
                stream.TryWrite(new byte[4]);
                break;
            case "SendFile":
                using (var file = File.OpenHandle(typeof(StreamUseAfterCloseTests).Assembly.Location))
                    stream.SendFile(new WriteRequest(), file, 0, 1, onWrite);
                break;
            case "Shutdown":
                stream.Shutdown((_, s) => log.Add($"refused shutdown ran {s}"));
                break;
            case "ReadStart":
                stream.ReadStart((_, n, _) => log.Add($"refused read ran {n}"));
                break;
            case "Connect":
                stream.Connect(StreamTestKit.AnyLoopback, (_, s) => log.Add($"refused connect ran {s}"));
                break;
            case "Listen":
                stream.Listen(1, (_, s) => log.Add($"refused listen ran {s}"));
                break;
            case "Accept":
                stream.Accept(new TcpHandle(stream.Loop));
                break;
            case "Bind":
                stream.Bind(StreamTestKit.AnyLoopback);
                break;
            case "SetNoDelay":
                stream.SetNoDelay(true);
                break;
            case "SetKeepAlive":
                stream.SetKeepAlive(true, 1);
                break;
            case "CloseReset":
                stream.CloseReset(_ => log.Add("refused close ran"));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(operation), operation, null);
        }
    }
}

namespace Uvnet.Tests.Streams;

/// <summary>A request that finished lets go of its stream: pooled ones would keep closed streams and their loops alive.</summary>
public class RequestPoolTests
{
    [Fact]
    public void A_finished_request_holds_no_stream_once_its_callback_has_run()
    {
        var loop = new Loop();
        var (client, _) = StreamTestKit.Connected(loop);
        WriteRequest? pooled = null;
        StreamHandle? inCallback = null;
        Assert.Equal(0, client.Write(new byte[10], (r, _) => (pooled, inCallback) = (r, r.Stream)));
        var own = new WriteRequest { Data = "kept" };
        bool ownDone = false;
        Assert.Equal(0, client.Write(own, [new byte[10]], (_, _) => ownDone = true));
        LoopDriver.RunUntil(loop, () => pooled is not null && ownDone);

        Assert.Same(client, inCallback); // the callback still sees its stream
        Assert.Null(pooled!.Stream);
        Assert.Null(pooled.Data);
        Assert.Null(own.Stream);
        Assert.Equal("kept", own.Data); // the user's own request keeps the user's data
        LoopDriver.CloseLoop(loop);
    }
}

using Uvnet.Server.Load;

namespace Uvnet.Server.Tests.Load;

/// <summary>The load loop allocates nothing per request once warm: recycled requests, handlers made once per slot.</summary>
[Collection(Sequential.Name)]
public class LoadAllocationTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    public void The_closed_loop_allocates_nothing_per_request(int pipeline)
    {
        var loop = new Loop();
        var server = Uvnet.Http.Http.CreateServer(loop, static (_, res) => res.End("Hello, World!"u8));
        bool listening = false;
        server.Listen(0, "127.0.0.1", () => listening = true);
        LoopDriver.RunUntil(loop, () => listening);
        var worker = new LoadWorker(loop, new LoadOptions
        {
            Host = "127.0.0.1",
            Port = server.Port,
            Path = "/plaintext",
            Pipeline = pipeline,
            Duration = TimeSpan.FromMinutes(5), // stopped below
            ExpectStatus = 200,
        }, connections: 2, planned: 0);
        worker.Start();
        LoopDriver.RunUntil(loop, () => worker.Responses >= 3000); // warm up: the recycled pairs, JIT tiers, buffers
        long allocated = LoopDriver.LeastAllocated(loop, () => (int)worker.Responses, 5000);
        Assert.True(allocated == 0, $"{allocated / 5000.0} bytes per request");
        Assert.Equal(0, worker.Errors[(int)LoadError.ExpectStatus]);
        worker.Stop();
        LoopDriver.RunUntil(loop, () => worker.Finished);
        server.CloseAllConnections();
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
    }
}

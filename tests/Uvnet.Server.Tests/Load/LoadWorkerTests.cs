using Uvnet.Server.Load;

namespace Uvnet.Server.Tests.Load;

public class LoadWorkerTests
{
    [Fact]
    public void A_worker_refuses_more_requests_in_flight_than_MaxInFlight_before_allocating_them()
    {
        var loop = new Loop();
        var options = new LoadOptions { Host = "127.0.0.1", Port = 1, Pipeline = 4 };
        // int.MaxValue / 2 × 4 overflows an int: the slot array's length went negative.
        Assert.Throws<ArgumentOutOfRangeException>(() => new LoadWorker(loop, options, int.MaxValue / 2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LoadWorker(loop, options, LoadOptions.MaxInFlight / 4 + 1, 0));
        loop.Close();
    }
}

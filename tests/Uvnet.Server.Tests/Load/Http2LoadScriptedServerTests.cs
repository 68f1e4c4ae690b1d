using Uvnet.Server.Load;

namespace Uvnet.Server.Tests.Load;

/// <summary>
/// <c>uvnet load --h2</c> against a scripted server (<see cref="RawHttp2Server"/>) that does what Uvnet's server does
/// not: a stream limit below <c>--streams</c>, answers held back, frames at chosen moments. Counts must stay exact.
/// </summary>
public class Http2LoadScriptedServerTests
{
    private const ushort MaxConcurrentStreams = 3;

    private static LoadOptions Options(int port, int streams, int timeoutMs) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        Path = "/",
        Connections = 1,
        Duration = TimeSpan.FromMinutes(5), // stopped by the test
        Http2 = true,
        Streams = streams,
        TimeoutMs = timeoutMs,
    };

    private static void StopAndFinish(Loop loop, LoadWorker worker)
    {
        worker.Stop();
        LoopDriver.RunUntil(loop, () => worker.Finished);
    }

    [Fact]
    public void A_request_waiting_for_the_server_s_stream_limit_is_not_idle_while_it_waits()
    {
        // The server takes one stream at a time and answers each after 60% of the timeout: every answer comes well
        // within the timeout of its stream's opening. The second slot's request waits in the queue meanwhile, and
        // its idle time must count from when it is sent, not from when it was queued.
        const int timeoutMs = 1000;
        var loop = new Loop();
        var timers = new List<TimerHandle>();
        var server = new RawHttp2Server(loop, [(MaxConcurrentStreams, 1)], (socket, streamId) =>
        {
            var timer = new TimerHandle(loop);
            timers.Add(timer);
            timer.Start(_ =>
            {
                if (!socket.Destroyed)
                    socket.Write(RawHttp2Server.Ok(streamId));
            }, timeoutMs * 6 / 10);
        });
        var worker = new LoadWorker(loop, Options(server.Port, streams: 2, timeoutMs), connections: 1, planned: 0);
        worker.Start();
        LoopDriver.RunUntil(loop, () => worker.Responses >= 3 || worker.Errors.ToArray().Sum() > 0);
        Assert.Equal($"3 responses, 0 timeouts", $"{worker.Responses} responses, {worker.Errors[(int)LoadError.Timeout]} timeouts");
        StopAndFinish(loop, worker);
        server.Close();
        foreach (TimerHandle timer in timers)
            timer.Close();
        LoopDriver.AssertNothingLeft(loop);
    }
}

using Uvnet.Net;
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
    /// <summary>
    /// Runs a closed loop of two connections of four streams against <paramref name="answer"/> until
    /// <paramref name="enough"/> requests reached the server, stops it, and returns the worker once every request closed.
    /// </summary>
    private static (LoadWorker Worker, int Requests) RunAgainst(Action<Socket, int> answer, int enough = 40) =>
        RunAgainst(answer, out _, enough);

    private static (LoadWorker Worker, int Requests) RunAgainst(Action<Socket, int> answer, out int connections, int enough = 40)
    {
        var loop = new Loop();
        int requests = 0;
        var server = new RawHttp2Server(loop, [], (socket, streamId) =>
        {
            requests++;
            answer(socket, streamId);
        });
        var worker = new LoadWorker(loop, Options(server.Port, streams: 4, timeoutMs: 5000) with { Connections = 2 }, connections: 2, planned: 0);
        worker.Start();
        LoopDriver.RunUntil(loop, () => requests >= enough);
        StopAndFinish(loop, worker);
        connections = server.Sockets.Count;
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
        return (worker, requests);
    }

    private static long Total(LoadWorker worker) => worker.Errors.ToArray().Sum();

    [Fact]
    public void Every_stream_the_server_resets_is_one_reset_error()
    {
        var (worker, requests) = RunAgainst((socket, id) => socket.Write(RawHttp2Server.Reset(id, 7))); // REFUSED_STREAM
        Assert.Equal(0, worker.Responses);
        Assert.Equal(requests, worker.Errors[(int)LoadError.Reset]);
        Assert.Equal(requests, Total(worker));
    }

    [Fact]
    public void A_goaway_after_each_connection_s_first_answer_counts_the_streams_above_it_as_goaway_errors()
    {
        var (worker, requests) = RunAgainst((socket, id) =>
        {
            if (id == 1)
                socket.Write((byte[])[.. RawHttp2Server.Ok(1), .. RawHttp2Server.GoAway(1)]);
        });
        Assert.True(worker.Responses > 0);
        Assert.Equal(requests, worker.Responses + worker.Errors[(int)LoadError.GoAway]);
        Assert.Equal(worker.Errors[(int)LoadError.GoAway], Total(worker));
    }

    [Fact]
    public void A_stream_window_pushed_past_2_31_is_a_read_error_of_that_stream_only()
    {
        var (worker, requests) = RunAgainst((socket, id) =>
        {
            if (id % 4 == 1)
                socket.Write((byte[])[.. RawHttp2Server.WindowUpdate(id, int.MaxValue), .. RawHttp2Server.WindowUpdate(id, int.MaxValue)]);
            else
                socket.Write(RawHttp2Server.Ok(id));
        });
        Assert.Equal(requests, worker.Responses + worker.Errors[(int)LoadError.Read]);
        Assert.Equal(worker.Errors[(int)LoadError.Read], Total(worker));
        Assert.True(worker.Errors[(int)LoadError.Read] > 0);
    }

    [Fact]
    public void Pings_and_heads_split_into_continuation_frames_are_answered_and_counted()
    {
        var (worker, requests) = RunAgainst((socket, id) => socket.Write((byte[])[.. RawHttp2Server.Ping(), .. RawHttp2Server.OkInTwoFrames(id)]));
        Assert.Equal(0, Total(worker));
        Assert.Equal(requests, worker.Responses);
    }
    [Fact]
    public void A_self_dependent_head_fails_its_stream_only_and_its_fields_still_reach_the_hpack_table()
    {
        // §5.3.1: a stream depending on itself is a stream error, but §4.3 wants every field block decoded, or the
        // dynamic table stops following the server's. Each connection's first head is self-dependent and indexes
        // x-a: 1; every later head names that entry (index 62). Skipping the first block made every later one a
        // COMPRESSION_ERROR that failed the whole connection, again and again.
        var (worker, requests) = RunAgainst((socket, id) =>
        {
            byte[] indexing = [0x88, 0x40, 3, (byte)'x', (byte)'-', (byte)'a', 1, (byte)'1'];
            socket.Write(id == 1
                ? RawHttp2Server.Frame(1, 0x25, id, [0, 0, 0, 1, 15, .. indexing]) // PRIORITY on itself, END_HEADERS, END_STREAM
                : RawHttp2Server.Frame(1, 0x5, id, [0x88, 0xBE]));
        }, out int connections);
        Assert.Equal(connections, worker.Errors[(int)LoadError.Read]);
        Assert.Equal(connections, Total(worker));
        Assert.Equal(requests - connections, worker.Responses);
    }
}

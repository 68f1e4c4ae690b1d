using Uvnet.Server.Load;

namespace Uvnet.Server.Tests.Load;

/// <summary>
/// <c>uvnet load</c> over HTTP/1.1 against a scripted server (<see cref="RawHttp1Server"/>) that does what Uvnet's
/// server does not: chunked bodies with trailers, interim heads, malformed responses, closes in the middle of a
/// pipeline. The responses are parsed, not counted by their ends: counts must stay exact, and a bad response is an error.
/// </summary>
[Collection(Sequential.Name)] // closed loops take all the CPU they get: run apart from timing-sensitive tests
public class Http1LoadScriptedServerTests
{
    private const string Hello = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!";

    private static LoadOptions Options(int port, int pipeline) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        Path = "/",
        Connections = 1,
        Duration = TimeSpan.FromMinutes(5), // stopped by the test
        Pipeline = pipeline,
        ExpectStatus = 200,
        ExpectBodyBytes = 13,
    };

    private static LoadWorker Run(Loop loop, LoadOptions options, int connections, Func<LoadWorker, bool> until)
    {
        var worker = new LoadWorker(loop, options, connections, planned: 0);
        worker.Start();
        LoopDriver.RunUntil(loop, () => until(worker));
        worker.Stop();
        LoopDriver.RunUntil(loop, () => worker.Finished);
        return worker;
    }

    /// <summary>The errors counted, by kind ("" when none): a failure says which.</summary>
    private static string ErrorsOf(LoadWorker worker) =>
        string.Join(", ", Enum.GetValues<LoadError>().Where(k => worker.Errors[(int)k] > 0).Select(k => $"{worker.Errors[(int)k]} {k}"));

    private static void Close(Loop loop, RawHttp1Server server)
    {
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
    }

    [Fact]
    public void Pipelined_chunked_responses_after_interim_heads_are_counted_whole()
    {
        // A 103 first (skipped), then the body in two chunks (an extension on one) and a trailer, all in 7-byte pieces.
        const string response = "HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"
            + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nHello\r\n8;x=1\r\n, World!\r\n0\r\nTrailer: t\r\n\r\n";
        var loop = new Loop();
        var server = new RawHttp1Server(loop, (socket, _) => RawHttp1Server.WriteInPieces(socket, response));
        LoadWorker worker = Run(loop, Options(server.Port, pipeline: 8), connections: 2, w => w.Responses >= 1000);
        Assert.Equal(0, worker.Errors.ToArray().Sum());
        Assert.Equal(server.Requests, worker.Responses);
        Assert.Equal(13 * worker.Responses, worker.BodyBytes);
        Assert.Equal(2, server.Sockets.Count); // kept alive
        Close(loop, server);
    }

    [Fact]
    public void Pipelined_responses_to_head_have_no_body_whatever_their_content_length()
    {
        var loop = new Loop();
        var server = new RawHttp1Server(loop, (socket, _) => RawHttp1Server.WriteInPieces(socket, "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n"));
        LoadWorker worker = Run(loop, Options(server.Port, pipeline: 4) with { Method = "HEAD", ExpectBodyBytes = 0 }, connections: 1, w => w.Responses >= 500);
        Assert.Equal(0, worker.Errors.ToArray().Sum());
        Assert.Equal(server.Requests, worker.Responses);
        Assert.Single(server.Sockets);
        Close(loop, server);
    }

    [Fact]
    public void A_lowercase_head_is_sent_as_head_and_its_responses_read_without_a_body()
    {
        // The HTTP client upper-cases the method it sends (as Node): the responses must be read as HEAD's too.
        var loop = new Loop();
        var server = new RawHttp1Server(loop, (socket, _) => RawHttp1Server.WriteInPieces(socket, "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n"));
        LoadWorker worker = Run(loop, Options(server.Port, pipeline: 4) with { Method = "head", ExpectBodyBytes = 0 }, connections: 1, w => w.Responses >= 100 || w.Errors.ToArray().Sum() > 0);
        Assert.Equal("", ErrorsOf(worker));
        Assert.Equal(server.Requests, worker.Responses);
        Close(loop, server);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_server_closing_mid_pipeline_counts_the_requests_it_cut_as_read_errors(bool announced)
    {
        // Each connection gets 4 requests at once; the server answers the first two (the second saying
        // Connection: close when announced) and ends the connection when the fourth comes: the others are cut.
        var loop = new Loop();
        var server = new RawHttp1Server(loop, (socket, n) =>
        {
            if (n == 1 || n == 2)
                socket.Write(System.Text.Encoding.Latin1.GetBytes(n == 2 && announced ? Hello.Replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n") : Hello));
            if (n == 4)
                socket.End();
        });
        LoadWorker worker = Run(loop, Options(server.Port, pipeline: 4), connections: 1, w => w.Errors[(int)LoadError.Read] >= 100);
        long read = worker.Errors[(int)LoadError.Read];
        Assert.Equal(read, worker.Errors.ToArray().Sum());
        Assert.Equal(2 * server.Sockets.Count, worker.Responses); // every connection answered two, no more, no fewer
        Assert.True(read >= 2 * server.Sockets.Count, $"{read} read errors on {server.Sockets.Count} connections");
        Close(loop, server);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Length: 13\r\n\r\nHello, World!")] // two lengths: ambiguous framing
    [InlineData("HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n")] // four-digit status
    [InlineData("HTTP/1.1 200 OK\nContent-Length: 0\n\n")] // bare LF line ends
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")] // not a chunk size
    [InlineData("HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n")] // not HTTP/1.x
    [InlineData("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n")] // no HTTP after it
    public void A_malformed_response_is_a_read_error_not_a_crash(string response)
    {
        var loop = new Loop();
        var server = new RawHttp1Server(loop, (socket, _) => RawHttp1Server.WriteInPieces(socket, response));
        LoadWorker worker = Run(loop, Options(server.Port, pipeline: 4), connections: 2, w => w.Errors[(int)LoadError.Read] >= 50);
        Assert.Equal(0, worker.Responses);
        Assert.Equal(worker.Errors[(int)LoadError.Read], worker.Errors.ToArray().Sum());
        Close(loop, server);
    }

    [Fact]
    public void A_response_nobody_asked_for_drops_its_connection_and_the_next_request_takes_another()
    {
        // Each connection's first request gets two answers. In an open loop slow enough that nothing else is in flight,
        // the second answers nothing: HTTP/1.1 cannot tell what follows on such a connection, which is dropped (the
        // server's misbehaviour is not a request's error); the next request goes out on a new one.
        var loop = new Loop();
        var server = new RawHttp1Server(loop, (socket, n) =>
            socket.Write(System.Text.Encoding.Latin1.GetBytes(n == 1 ? Hello + Hello : Hello)));
        // The warm-up takes the first, unoptimised turns, late enough to send a request as the previous one ends.
        var options = Options(server.Port, pipeline: 1) with { Rate = 20, Warmup = TimeSpan.FromMilliseconds(500), Duration = TimeSpan.FromMilliseconds(500) };
        var worker = new LoadWorker(loop, options, connections: 1, planned: 20);
        worker.Start();
        LoopDriver.RunUntil(loop, () => worker.Finished);
        Assert.Equal("", ErrorsOf(worker));
        Assert.True(worker.Responses >= 5, $"{worker.Responses} responses");
        Assert.True(server.Sockets.Count > 1, "the connection was kept"); // dropped at each unasked answer
        Close(loop, server);
    }

    [Fact]
    public void A_response_nobody_asked_for_is_not_given_to_the_request_started_as_the_previous_one_ended()
    {
        // Closed loop: the slot's next request starts while the read that ended its previous one is handled, and goes
        // out at the end of that read. A second answer in the same read asked for nothing: it must not be counted as
        // the answer of that request, not sent yet, which goes out on another connection instead (no error: it failed
        // nowhere).
        var loop = new Loop();
        var server = new RawHttp1Server(loop, (socket, n) =>
            socket.Write(System.Text.Encoding.Latin1.GetBytes(n == 1 ? Hello + Hello : Hello)));
        LoadWorker worker = Run(loop, Options(server.Port, pipeline: 1), connections: 1, w => w.Responses >= 50);
        Assert.Equal("", ErrorsOf(worker));
        Assert.Equal(server.Requests, worker.Responses);
        Assert.True(server.Sockets.Count > 1, "the connection that answered twice was kept");
        Close(loop, server);
    }

    [Fact]
    public void An_idle_connection_closed_as_a_request_crosses_it_sends_the_request_again_on_another()
    {
        // The keep-alive race: the server answers each connection's first request and closes on the second (as its
        // keep-alive timeout would, the request crossing the close). Nothing of it was answered and nothing was in
        // flight before it: it goes out again, once, on a fresh connection, and no error is counted.
        var loop = new Loop();
        var server = new RawHttp1Server(loop, (socket, n) =>
        {
            if (n == 1)
                socket.Write(System.Text.Encoding.Latin1.GetBytes(Hello));
            else
                socket.Destroy();
        });
        LoadWorker worker = Run(loop, Options(server.Port, pipeline: 1), connections: 2, w => w.Responses >= 50);
        Assert.Equal("", ErrorsOf(worker));
        Assert.Equal(server.Sockets.Count, worker.Responses); // one answer per connection
        Assert.True(server.Requests > worker.Responses, "no request crossed a close"); // the test tests what it says
        Close(loop, server);
    }

    [Fact]
    public void A_pipelined_request_cut_by_a_close_is_a_read_error_not_a_race()
    {
        // The same server, two requests in flight per connection: the second was sent behind the first, not to an idle
        // connection, so the close that cuts it is the server's failure; and the one sent after the first answer too.
        var loop = new Loop();
        var server = new RawHttp1Server(loop, (socket, n) =>
        {
            if (n == 1)
                socket.Write(System.Text.Encoding.Latin1.GetBytes(Hello));
            else
                socket.Destroy();
        });
        LoadWorker worker = Run(loop, Options(server.Port, pipeline: 2), connections: 1, w => w.Errors[(int)LoadError.Read] >= 20);
        Assert.Equal(worker.Errors[(int)LoadError.Read], worker.Errors.ToArray().Sum());
        Assert.Equal(server.Sockets.Count, worker.Responses); // one answer per connection
        Close(loop, server);
    }
}

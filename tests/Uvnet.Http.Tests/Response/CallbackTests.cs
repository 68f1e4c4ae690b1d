using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;
using Uvnet.Net;

namespace Uvnet.Http.Tests.Response;

/// <summary>
/// The callbacks of Write and End (Node's test-http-write-callbacks.js, test-http-res-write-after-end.js): run once the
/// bytes were written, or with the error that kept them from it; never inside the call.
/// </summary>
public class CallbackTests
{
    private const string ClosingGet = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

    private static string Code(NetException? error) => error?.Code ?? "ok";

    [Fact]
    public void Write_and_End_callbacks_run_in_order_once_written_never_inside_the_call()
    {
        var log = new List<string>();
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.Finish += _ => log.Add("finish");
            res.Write("hello ", e => log.Add($"write {Code(e)}"));
            res.End("world", e => log.Add($"end {Code(e)}"));
            log.Add("returned");
        });
        string raw = fixture.Exchange(ClosingGet);
        LoopDriver.RunUntil(fixture.Loop, () => log.Count == 4);
        Assert.EndsWith("6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n", raw);
        Assert.Equal(["returned", "write ok", "finish", "end ok"], log);
    }

    [Fact]
    public void A_queued_responses_write_callback_waits_until_its_bytes_were_written()
    {
        ServerResponse? first = null;
        bool written = false, writtenBeforeItsTurn = true;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/1")
            {
                first = res;
                return;
            }
            res.Write("two", _ => written = true);
            Loop loop = req.Socket.Loop;
            // Several loop turns (write completions included) pass before /1 ends and /2 gets the socket.
            loop.Post(() => loop.Post(() => loop.Post(() =>
            {
                writtenBeforeItsTurn = written;
                first!.End("one");
                res.End();
            })));
        });
        string raw = fixture.Exchange("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n" + "GET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        LoopDriver.RunUntil(fixture.Loop, () => written);
        Assert.False(writtenBeforeItsTurn);
        Assert.EndsWith("3\r\ntwo\r\n0\r\n\r\n", raw);
    }

    [Fact]
    public void Callbacks_waiting_when_the_connection_closes_get_ERR_STREAM_DESTROYED()
    {
        var log = new List<string>();
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/1")
                return; // never ended: /2's bytes wait behind it
            res.Write("two", e => log.Add($"write {Code(e)}"));
            res.End("more", e => log.Add($"end {Code(e)}"));
            req.Socket.Destroy();
        });
        fixture.Exchange("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
        LoopDriver.RunUntil(fixture.Loop, () => log.Count == 2);
        Assert.Equal(["write ERR_STREAM_DESTROYED", "end ERR_STREAM_DESTROYED"], log);
    }

    [Fact]
    public void Write_after_end_gives_its_callback_the_error_then_raises_Error()
    {
        var log = new List<string>();
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.Error += (_, e) => log.Add($"error {e.Code}");
            res.End("done");
            Assert.False(res.Write("late", e => log.Add($"callback {Code(e)}")));
            res.End("later"); // an end with data is a write after end too
        });
        string raw = fixture.Exchange(ClosingGet);
        LoopDriver.RunUntil(fixture.Loop, () => log.Count == 3);
        Assert.Equal(["callback ERR_STREAM_WRITE_AFTER_END", "error ERR_STREAM_WRITE_AFTER_END", "error ERR_STREAM_WRITE_AFTER_END"], log);
        Assert.EndsWith("\r\n\r\ndone", raw);
    }

    [Fact]
    public void Write_after_end_without_an_Error_handler_is_reported_as_a_HandlerError()
    {
        var reported = new List<Exception>();
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.End("done");
            res.Write("late");
        });
        fixture.Server.HandlerError += (e, _) => reported.Add(e);
        fixture.Exchange(ClosingGet);
        LoopDriver.RunUntil(fixture.Loop, () => reported.Count == 1);
        Assert.Equal("ERR_STREAM_WRITE_AFTER_END", Assert.IsType<NetException>(reported[0]).Code);
    }

    [Fact]
    public void Ending_again_reports_ERR_STREAM_ALREADY_FINISHED_or_a_write_after_end()
    {
        // Node's test-http-outgoing-end-multiple.js: the response, alone in its read, is written within End, so a
        // second end(cb) finds it written whole (writableFinished) and gets ERR_STREAM_ALREADY_FINISHED; an end with data
        // is a write after end (callback and 'error'); end(cb) in 'finish' is already finished too.
        var log = new List<string>();
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.End("testing ended state", e => log.Add($"first {Code(e)}"));
            Assert.True(res.WritableFinished);
            Assert.False(res.Finished); // Finish itself comes from the write's completion, later
            res.End(e => log.Add($"again {Code(e)}")); // Node's res.end(cb)
            res.End("end", e => log.Add($"with data {Code(e)}"));
            res.Error += (_, e) => log.Add($"error {e.Code}");
            res.Finish += r => r.End(callback: e => log.Add($"in finish {Code(e)}"));
        });
        fixture.Exchange(ClosingGet);
        LoopDriver.RunUntil(fixture.Loop, () => log.Count == 5);
        Assert.Equal(
            ["first ok", "again ERR_STREAM_ALREADY_FINISHED", "with data ERR_STREAM_WRITE_AFTER_END",
             "error ERR_STREAM_WRITE_AFTER_END", "in finish ERR_STREAM_ALREADY_FINISHED"], log);
    }

    [Fact]
    public void Ending_again_inside_a_pipelined_batch_waits_for_Finish()
    {
        // The batch's one write has not left yet when the handler ends again: not written whole, so end(cb) waits for
        // Finish, as Node's does while its socket still holds the bytes.
        var log = new List<string>();
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.End(req.Url);
            if (req.Url == "/1")
            {
                Assert.False(res.WritableFinished);
                res.End(e => log.Add($"again {Code(e)}")); // Node's res.end(cb)
            }
        });
        fixture.Exchange("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n" + ClosingGet);
        LoopDriver.RunUntil(fixture.Loop, () => log.Count == 1);
        Assert.Equal(["again ok"], log);
    }

    [Fact]
    public void Destroy_inside_a_write_callback_stops_there_and_the_response_hears_Close_once()
    {
        var log = new List<string>();
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.Finish += _ => log.Add("finish");
            res.Close += r => log.Add($"close finished={r.Finished}");
            res.Write("a", _ =>
            {
                log.Add("write");
                req.Socket.Destroy();
            });
            res.Write("b", e => log.Add($"second {Code(e)}"));
            req.Socket.Loop.Post(() => res.End("c", e => log.Add($"end {Code(e)}")));
        });
        fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        LoopDriver.RunUntil(fixture.Loop, () => log.Contains("end ERR_STREAM_DESTROYED"));
        // "b" left in the same write as "a" (one write per read's batch): its callback is told so, truthfully. The end
        // came after the destroy: never sent, so no Finish, and Close once.
        Assert.Equal(["write", "second ok", "close finished=False", "end ERR_STREAM_DESTROYED"], log);
    }

    [Fact]
    public void A_write_callback_that_throws_is_reported_and_its_begun_response_destroys_the_connection()
    {
        var reported = new List<Exception>();
        bool closed = false;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.Close += _ => closed = true;
            res.Write("begun", _ => throw new CallbackException());
        });
        fixture.Server.HandlerError += (e, _) => reported.Add(e);
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        LoopDriver.RunUntil(fixture.Loop, () => closed);
        Assert.IsType<CallbackException>(Assert.Single(reported));
        Assert.DoesNotContain("0\r\n\r\n", raw); // never finished: the connection was cut
    }

    [Fact]
    public void Callbacks_chain_from_WriteContinue_through_the_writes_to_End()
    {
        // Node's test-http-write-callbacks.js, server side: writeContinue(cb), then in turn write(cb), write(cb), end(cb).
        string received = "";
        bool endCallback = false;
        using var fixture = ServerFixture.Start((_, res) => res.End("Bad Request.\nMust send Expect:100-continue\n"));
        fixture.Server.CheckContinue += (req, res) =>
        {
            req.Data += (_, data) => received += System.Text.Encoding.ASCII.GetString(data);
            res.WriteContinue(e =>
            {
                Assert.Null(e);
                req.End += _ => res.Write("asdf", e =>
                {
                    Assert.Null(e);
                    res.Write("foo", e =>
                    {
                        Assert.Null(e);
                        res.End("bar", _ => endCallback = true);
                    });
                });
            });
        };
        string raw = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes(
                "PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 12\r\nConnection: close\r\n\r\n"));
            string interim = await RawClient.ReadUntilAsync(socket, t => t.EndsWith("\r\n\r\n", StringComparison.Ordinal));
            Assert.Equal("HTTP/1.1 100 Continue\r\n\r\n", interim);
            await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes("bazquuxblerg"));
            return await RawClient.ReadToCloseAsync(socket);
        });
        LoopDriver.RunUntil(fixture.Loop, () => endCallback);
        Assert.Equal("bazquuxblerg", received);
        Assert.EndsWith("4\r\nasdf\r\n3\r\nfoo\r\n3\r\nbar\r\n0\r\n\r\n", raw);
    }

    [Fact]
    public void Write_after_the_response_closed_gets_only_its_callback()
    {
        // Node's test-http-server-write-after-end.js: once the response has closed, a write after end errs its callback
        // and raises no 'error'.
        var log = new List<string>();
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.Error += (_, e) => log.Add($"error {e.Code}");
            res.Close += r => r.Write("world", e => log.Add($"callback {Code(e)}"));
            res.Write("hello");
            res.End();
        });
        fixture.Exchange(ClosingGet);
        LoopDriver.RunUntil(fixture.Loop, () => log.Count == 1);
        LoopDriver.RunFor(fixture.Loop, 20);
        Assert.Equal(["callback ERR_STREAM_WRITE_AFTER_END"], log);
    }
}

using System.Net.Sockets;
using System.Text;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;
using Uvnet.Net;

namespace Uvnet.Http.Tests.Hardening;

/// <summary>
/// ServerResponse.WriteAsync and EndAsync from a thread other than the loop's (a handler that continued with
/// ConfigureAwait(false), a thread-pool callback): posted to the loop in call order, completed once the bytes were
/// handed to the socket (a write honouring backpressure), failed, never hung, when they cannot be sent.
/// </summary>
public class OffLoopAsyncResponseTests
{
    private const string Close = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

    [Fact]
    public void Async_handler_on_the_thread_pool_writes_and_ends_its_response_with_the_async_members()
    {
        bool offLoop = false;
        using var fixture = ServerFixture.Start(async (_, res) =>
        {
            int loopThread = Environment.CurrentManagedThreadId;
            await Task.Run(async () =>
            {
                offLoop = Environment.CurrentManagedThreadId != loopThread;
                await res.WriteAsync("hello, ").ConfigureAwait(false);
                await res.EndAsync("pool").ConfigureAwait(false);
            }).ConfigureAwait(false);
        });
        string raw = fixture.Exchange(Close);
        Assert.True(offLoop);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw);
        Assert.Contains("Transfer-Encoding: chunked\r\n", raw);
        Assert.EndsWith("\r\n\r\n7\r\nhello, \r\n4\r\npool\r\n0\r\n\r\n", raw);
    }

    [Fact]
    public void Writes_posted_from_the_thread_pool_reach_the_wire_in_call_order()
    {
        const int Writes = 50;
        using var fixture = ServerFixture.Start(async (_, res) =>
        {
            await Task.Run(() =>
            {
                var posted = new List<Task>();
                for (int i = 0; i < Writes; i++)
                    posted.Add(res.WriteAsync($"{i},")); // not awaited one by one: each is posted behind the one before
                posted.Add(res.EndAsync("end"));
                return Task.WhenAll(posted);
            });
        });
        string raw = fixture.Exchange(Close);
        string body = Dechunk(raw);
        Assert.Equal(string.Concat(Enumerable.Range(0, Writes).Select(i => $"{i},")) + "end", body);
    }

    [Fact]
    public void WriteAsync_from_the_thread_pool_to_a_client_that_does_not_read_completes_only_after_the_drain()
    {
        const int Size = 8 * 1024 * 1024; // past what the kernel buffers on loopback (see UnreadingClientsTests)
        Task? write = null;
        ServerResponse? response = null;
        var wrote = new TaskCompletionSource();
        using var fixture = ServerFixture.Start(async (_, res) =>
        {
            response = res;
            res.SetHeader("Content-Length", Size.ToString());
            await Task.Run(async () =>
            {
                write = res.WriteAsync(new byte[Size]);
                wrote.SetResult();
                await write.ConfigureAwait(false);
                await res.EndAsync().ConfigureAwait(false);
            });
        });
        // A small receive buffer, set before connecting, turns the kernel's autotuning off.
        using var client = new System.Net.Sockets.Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 16 * 1024 };
        fixture.Run(async () =>
        {
            await client.ConnectAsync(System.Net.IPAddress.Loopback, fixture.Port);
            await client.SendAsync(Encoding.ASCII.GetBytes(Close));
        });
        LoopDriver.RunUntil(fixture.Loop, () => wrote.Task.IsCompleted && response!.HeadersSent && response.Socket.WritableLength > 0);
        LoopDriver.RunFor(fixture.Loop, 100); // let whatever can still move, move
        Assert.True(response!.Socket.WritableLength > 0); // the client really is stuck
        Assert.False(write!.IsCompleted);

        long body = fixture.Run(() => RawClient.CountBodyToCloseAsync(client));
        Assert.Equal(Size, body);
        Assert.True(write.IsCompletedSuccessfully);
    }

    [Fact]
    public void EndAsync_from_the_thread_pool_after_the_connection_was_destroyed_fails()
    {
        Exception? failure = null;
        bool done = false;
        using var fixture = ServerFixture.Start(async (_, res) =>
        {
            res.Socket.Destroy();
            try
            {
                await Task.Run(() => res.EndAsync("late"));
            }
            catch (Exception e)
            {
                failure = e;
            }
            done = true;
        });
        string raw = fixture.Exchange(Close);
        LoopDriver.RunUntil(fixture.Loop, () => done);
        Assert.Equal("", raw);
        Assert.Equal("ERR_STREAM_DESTROYED", Assert.IsType<NetException>(failure).Code);
    }

    [Fact]
    public void EndAsync_waiting_behind_an_earlier_response_fails_when_the_connection_closes()
    {
        Task? end = null;
        int dispatched = 0;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            dispatched++;
            if (req.Url == "/2")
                end = Task.Run(() => res.EndAsync("second")); // queued behind /1, which never ends
        });
        using var client = fixture.Run(() => RawClient.ConnectAsync(fixture.Port));
        fixture.Run(() => client.SendAsync(Encoding.ASCII.GetBytes("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n")));
        LoopDriver.RunUntil(fixture.Loop, () => dispatched == 2 && end is not null && fixture.Server.WaitingResponses == 2);
        // The end was posted: let it run, then it waits for its turn.
        LoopDriver.RunFor(fixture.Loop, 50);
        Assert.False(end!.IsCompleted);

        fixture.Server.CloseAllConnections();
        LoopDriver.RunUntil(fixture.Loop, () => end.IsCompleted);
        var error = Assert.IsType<NetException>(end.Exception!.InnerException);
        Assert.Equal("ERR_STREAM_DESTROYED", error.Code);
    }

    [Fact]
    public void A_second_EndAsync_fails_and_sends_nothing()
    {
        Exception? second = null, third = null;
        bool done = false;
        using var fixture = ServerFixture.Start(async (_, res) =>
        {
            await Task.Run(async () =>
            {
                Task first = res.EndAsync("one");
                second = await Record(res.EndAsync()); // before the first has finished
                await first;
                third = await Record(res.EndAsync("two")); // after
            });
            done = true;
        });
        string raw = fixture.Exchange(Close);
        LoopDriver.RunUntil(fixture.Loop, () => done); // the client has its answer before the handler goes on
        Assert.EndsWith("\r\n\r\none", raw);
        Assert.Contains("ERR_STREAM_ALREADY_FINISHED", Assert.IsType<InvalidOperationException>(second).Message);
        Assert.Contains("ERR_STREAM_WRITE_AFTER_END", Assert.IsType<InvalidOperationException>(third).Message);
    }

    [Fact]
    public void WriteAsync_past_the_Content_Length_fails_as_Write_throws_and_writes_nothing()
    {
        Exception? failure = null;
        using var fixture = ServerFixture.Start(async (_, res) =>
        {
            res.SetHeader("Content-Length", "3");
            await Task.Run(async () =>
            {
                failure = await Record(res.WriteAsync("toolong"));
                await res.EndAsync("abc");
            });
        });
        string raw = fixture.Exchange(Close);
        Assert.Contains("ERR_HTTP_CONTENT_LENGTH_MISMATCH", Assert.IsType<InvalidOperationException>(failure).Message);
        Assert.EndsWith("\r\n\r\nabc", raw);
    }

    [Fact]
    public void EndAsync_from_another_thread_on_a_response_that_went_back_to_the_pool_fails_and_changes_nothing()
    {
        ServerResponse? kept = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/1")
                kept = res; // kept past the handler, against the rules: the pair is pooled
            res.End(req.Url);
        });
        using var client = fixture.Run(() => RawClient.ConnectAsync(fixture.Port));
        string first = fixture.Run(async () =>
        {
            await client.SendAsync(Encoding.ASCII.GetBytes("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"));
            return await RawClient.ReadUntilAsync(client, t => t.EndsWith("/1", StringComparison.Ordinal));
        });
        Assert.EndsWith("\r\n\r\n/1", first);

        Exception? stale = fixture.Run(() => Record(kept!.EndAsync("stale")));
        Assert.IsType<ObjectDisposedException>(stale);

        string second = fixture.Run(async () =>
        {
            await client.SendAsync(Encoding.ASCII.GetBytes("GET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
            return await RawClient.ReadToCloseAsync(client);
        });
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", second);
        Assert.EndsWith("\r\n\r\n/2", second);
        Assert.DoesNotContain("stale", second);
    }

    /// <summary>The task's failure, or null once it succeeded.</summary>
    private static async Task<Exception?> Record(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    /// <summary>The body of a chunked response, its framing removed.</summary>
    private static string Dechunk(string raw)
    {
        var body = new StringBuilder();
        int at = raw.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;
        while (true)
        {
            int lineEnd = raw.IndexOf("\r\n", at, StringComparison.Ordinal);
            int size = Convert.ToInt32(raw[at..lineEnd], 16);
            if (size == 0)
                return body.ToString();
            body.Append(raw, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
    }
}

using System.Text;
using Uvnet.Http.Server;

namespace Uvnet.Http.Tests.Server;

/// <summary>Node's three timeouts, checked every 50 ms here so that the tests stay short.</summary>
public class TimeoutTests
{
    private static HttpServerOptions Fast(long keepAlive = 5_000, long headers = 60_000, long request = 300_000) => new()
    {
        KeepAliveTimeout = keepAlive,
        HeadersTimeout = headers,
        RequestTimeout = request,
        ConnectionsCheckingInterval = 50,
    };

    [Fact]
    public void Keep_alive_timeout_closes_an_idle_connection_after_its_response()
    {
        using var fixture = ServerFixture.Start((req, res) => res.End("ok"), Fast(keepAlive: 300));
        var (raw, elapsed) = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            string text = await RawClient.ReadToCloseAsync(socket);
            return (text, clock.ElapsedMilliseconds);
        });
        Assert.StartsWith("HTTP/1.1 200 OK", raw);
        Assert.True(elapsed >= 250, $"closed after {elapsed} ms");
    }

    [Fact]
    public void Headers_timeout_cuts_a_slow_header_sender_with_408()
    {
        int handled = 0;
        using var fixture = ServerFixture.Start((req, res) => { handled++; res.End(); }, Fast(headers: 300));
        string raw = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n"));
            // Trickle a header a byte every 50 ms (client pacing), slower than the timeout allows in total.
            var reading = RawClient.ReadToCloseAsync(socket);
            using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
            foreach (byte b in "X-Slow: 1234567890"u8.ToArray())
            {
                if (reading.IsCompleted)
                    break;
                try { await socket.SendAsync(new[] { b }); } catch (System.Net.Sockets.SocketException) { break; }
                await Task.WhenAny(reading, pace.WaitForNextTickAsync().AsTask());
            }
            return await reading;
        });
        Assert.StartsWith("HTTP/1.1 408 Request Timeout\r\n", raw);
        Assert.Contains("Connection: close\r\n", raw);
        Assert.Equal(0, handled);
    }

    [Fact]
    public void Request_timeout_cuts_a_slow_body_with_408()
    {
        using var fixture = ServerFixture.Start(async (req, res) => res.End((await req.ReadBodyAsync()).Length.ToString()), Fast(request: 300));
        string raw = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"));
            return await RawClient.ReadToCloseAsync(socket);
        });
        Assert.StartsWith("HTTP/1.1 408 Request Timeout\r\n", raw);
    }

    [Fact]
    public void Close_lets_the_response_in_flight_finish_then_closes_idle_and_busy_connections()
    {
        ServerResponse? inFlight = null;
        using var fixture = ServerFixture.Start((req, res) => inFlight = res);
        bool closed = false;
        var client = fixture.Run(async () =>
        {
            var socket = await RawClient.ConnectAsync(fixture.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
            return socket;
        });
        var idle = fixture.Run(() => RawClient.ConnectAsync(fixture.Port));
        LoopDriver.RunUntil(fixture.Loop, () => inFlight is not null && fixture.Server.ConnectionCount == 2);

        fixture.Server.Close(() => closed = true);
        string idleSaw = fixture.Run(() => RawClient.ReadToCloseAsync(idle));
        Assert.Equal("", idleSaw); // the idle connection was closed at once
        Assert.False(closed);

        inFlight!.End("finished");
        string raw = fixture.Run(() => RawClient.ReadToCloseAsync(client));
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw);
        Assert.Contains("Connection: close\r\n", raw);
        Assert.EndsWith("finished", raw);
        LoopDriver.RunUntil(fixture.Loop, () => closed);
        client.Dispose();
        idle.Dispose();
    }

    // More than the server's socket buffer (4 MiB at most) and the client's (64 KiB) take: the rest stays in the
    // server's write queue while the client does not read.
    private const int LargeBody = 8 * 1024 * 1024;

    /// <summary>
    /// Answers a request with a <see cref="LargeBody"/> response that the client does not read while the loop turns
    /// for <paramref name="stalledMs"/> (after <paramref name="whileStalled"/>); then the client reads to the close.
    /// Returns the body bytes that arrived.
    /// </summary>
    private static long ReadAfterStall(HttpServerOptions? options, long stalledMs, Action<ServerFixture>? whileStalled = null)
    {
        var body = new byte[LargeBody];
        bool answered = false;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.End(body);
            answered = true;
        }, options);
        using var socket = SendWithSmallWindow(fixture, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        LoopDriver.RunUntil(fixture.Loop, () => answered);
        whileStalled?.Invoke(fixture);
        LoopDriver.RunFor(fixture.Loop, stalledMs);
        return fixture.Run(() => RawClient.CountBodyToCloseAsync(socket));
    }

    /// <summary>
    /// Connects with a 64 KiB receive buffer (so that what the client leaves unread stays in the server's write queue)
    /// and sends <paramref name="request"/>.
    /// </summary>
    private static System.Net.Sockets.Socket SendWithSmallWindow(ServerFixture fixture, string request) => fixture.Run(async () =>
    {
        var socket = await RawClient.ConnectAsync(fixture.Port, receiveBuffer: 64 * 1024);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        return socket;
    });

    [Fact]
    public void Send_timeout_destroys_a_connection_whose_client_stopped_reading_and_counts_it()
    {
        var body = new byte[LargeBody];
        using var fixture = ServerFixture.Start((req, res) => res.End(body), Fast() with { SendTimeout = 300 });
        using var socket = SendWithSmallWindow(fixture, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        LoopDriver.RunUntil(fixture.Loop, () => fixture.Server.SendTimeouts == 1 && fixture.Server.ConnectionCount == 0);
        Assert.InRange(fixture.Run(() => RawClient.CountBodyToCloseAsync(socket)), 0, LargeBody - 1);
        Assert.Equal(1, fixture.Server.SendTimeouts);
    }

    [Fact]
    public void Send_timeout_spares_a_slow_reader_that_keeps_taking_bytes_within_one_large_write()
    {
        // One write far larger than the socket buffers, taken slowly over about twice the timeout: its callback
        // comes only at its end, so the check must see progress byte by byte. The client reads on this thread,
        // between turns of the loop, so that nothing but the pacing decides the gaps.
        const int Body = 32 * 1024 * 1024;
        var body = new byte[Body];
        using var fixture = ServerFixture.Start((req, res) => res.End(body), Fast() with { SendTimeout = 1500 });
        using var socket = SendWithSmallWindow(fixture, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        long received = 0;
        var buffer = new byte[64 * 1024];
        while (received <= Body && fixture.Server.ConnectionCount > 0)
        {
            LoopDriver.RunFor(fixture.Loop, 100);
            // At most 1 MiB a turn, and only what has arrived: a blocking read would stop the loop.
            for (int budget = 1024 * 1024; budget > 0 && socket.Available > 0;)
            {
                int n = socket.Receive(buffer, Math.Min(buffer.Length, budget), System.Net.Sockets.SocketFlags.None);
                received += n;
                budget -= n;
            }
        }
        received += fixture.Run(() => RawClient.ReadToCloseAsync(socket)).Length;
        Assert.Equal(0, fixture.Server.SendTimeouts);
        Assert.True(received > Body, $"received {received} bytes");
    }

    [Fact]
    public void Send_timeout_must_not_be_negative()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HttpServerOptions { SendTimeout = -1 });
        Assert.Equal(60_000, new HttpServerOptions().SendTimeout);
    }

    [Fact]
    public void Keep_alive_timeout_waits_for_a_slow_reader_to_take_the_whole_response()
    {
        // The response was handed to the socket at once, but the client takes it only after several timeouts.
        Assert.Equal(LargeBody, ReadAfterStall(Fast(keepAlive: 200), stalledMs: 600));
    }

    [Fact]
    public void Close_lets_a_response_still_being_written_reach_the_client()
    {
        bool closed = false;
        Assert.Equal(LargeBody, ReadAfterStall(null, stalledMs: 100, whileStalled: fixture =>
        {
            fixture.Server.Close(() => closed = true);
            Assert.False(closed);
        }));
        Assert.True(closed);
    }
}

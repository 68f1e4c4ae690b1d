namespace Uvnet.Net.Tests;

/// <summary>
/// Connecting a closed socket again, as Node allows, after Node's test-net-reconnect and
/// test-net-server-max-connections (which reconnects a socket after its error).
/// </summary>
public class SocketReconnectTests
{
    // test-net-reconnect: the server writes "hello\r\n" and ends when the client does; the client reconnects from
    // its close handler; every connection raises data, end and close once, without an error.
    [Fact]
    public void A_socket_reconnects_from_its_closed_handler_with_its_handlers_still_subscribed()
    {
        const int N = 20;
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop, socket =>
        {
            socket.Write("hello\r\n");
            socket.Ended += s => s.End();
            socket.Closed += (_, hadError) => Assert.False(hadError);
        });
        int received = 0, ended = 0, closes = 0;
        var client = new Socket(loop);
        client.SetEncoding("UTF8");
        client.Text += (s, chunk) =>
        {
            received++;
            Assert.Equal("hello\r\n", chunk);
            s.End();
        };
        client.Ended += _ => ended++;
        client.Closed += (s, hadError) =>
        {
            Assert.False(hadError);
            if (closes++ < N)
                s.Connect(server.Port, "127.0.0.1"); // reconnect
        };
        client.Connect(server.Port, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => closes == N + 1);
        Assert.Equal(N + 1, received);
        Assert.Equal(N + 1, ended);
        LoopDriver.RunUntil(loop, () => server.ConnectionCount == 0);
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
    }

    [Fact]
    public void A_socket_whose_connect_failed_connects_again_with_fresh_state()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop, NetTestKit.Echo);
        var client = new Socket(loop);
        var errors = new List<string>();
        client.Error += (_, e) => errors.Add(e.Code);
        bool? lastHadError = null;
        client.Closed += (_, hadError) => lastHadError = hadError;
        client.Connect(ClosedPorts.Next().Port, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => lastHadError is not null);
        Assert.Equal(["ECONNREFUSED"], errors);
        Assert.True(client.Destroyed);

        lastHadError = null;
        bool connected = false;
        var got = NetTestKit.Collect(client);
        client.Connect(server.Port, "127.0.0.1", () => connected = true);
        Assert.False(client.Destroyed);
        Assert.Equal(SocketReadyState.Opening, client.ReadyState);
        LoopDriver.RunUntil(loop, () => connected);
        Assert.Equal(SocketReadyState.Open, client.ReadyState);
        Assert.Equal(server.Port, client.RemotePort);
        client.Write("again");
        LoopDriver.RunUntil(loop, () => got.ToString() == "again");
        Assert.Equal(5, client.BytesRead);
        Assert.Equal(5, client.BytesWritten);
        client.Destroy();
        LoopDriver.RunUntil(loop, () => lastHadError is not null);
        Assert.False(lastHadError); // the first connection's error is not the second's
        Assert.Equal(["ECONNREFUSED"], errors);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Counters_start_afresh_on_the_next_connection()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop, NetTestKit.Echo);
        var client = new Socket(loop);
        var got = NetTestKit.Collect(client);
        bool closed = false;
        client.Closed += (_, _) => closed = true;
        client.Connect(server.Port, "127.0.0.1", () => client.Write("first connection"));
        LoopDriver.RunUntil(loop, () => got.ToString() == "first connection");
        client.End();
        LoopDriver.RunUntil(loop, () => closed);
        Assert.Equal(SocketReadyState.Closed, client.ReadyState);

        got.Clear();
        closed = false;
        client.Connect(server.Port, "127.0.0.1", () => client.Write("2nd"));
        LoopDriver.RunUntil(loop, () => got.ToString() == "2nd");
        Assert.Equal(3, client.BytesRead);
        Assert.Equal(3, client.BytesWritten);
        Assert.False(client.WritableEnded);
        client.End(); // ends again: the first End does not carry over
        LoopDriver.RunUntil(loop, () => closed);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Connect_while_the_destroyed_socket_is_still_closing_is_refused_and_closed_comes_once()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop);
        var client = new Socket(loop);
        bool connected = false;
        client.Connect(server.Port, "127.0.0.1", () => connected = true);
        LoopDriver.RunUntil(loop, () => connected);
        int closes = 0;
        client.Closed += (_, _) => closes++;
        client.Destroy();
        Assert.Throws<InvalidOperationException>(() => client.Connect(server.Port, "127.0.0.1"));
        LoopDriver.RunUntil(loop, () => closes == 1 && server.ConnectionCount == 0);
        LoopDriver.RunFor(loop, 20);
        Assert.Equal(1, closes);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void A_lookup_still_running_for_a_destroyed_connection_does_not_touch_the_next_one()
    {
        var loop = new Loop();
        int accepted = 0;
        var server = NetTestKit.ListeningServer(loop, _ => accepted++);
        var client = new Socket(loop);
        int lookups = 0;
        client.Lookup += (_, _) => lookups++;
        bool reconnected = false, connected = false;
        client.Closed += (s, _) =>
        {
            if (reconnected)
                return;
            reconnected = true;
            s.Connect(server.Port, "127.0.0.1", () => connected = true);
        };
        client.Connect(server.Port, "localhost"); // resolved on the thread pool
        client.Destroy();
        LoopDriver.RunUntil(loop, () => connected && accepted == 1);
        LoopDriver.RunFor(loop, 200); // the first lookup ends meanwhile: it must not connect a second time
        Assert.Equal(1, accepted);
        Assert.Equal(0, lookups);
        Assert.Equal(SocketReadyState.Open, client.ReadyState);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void A_destroy_soon_of_the_last_connection_does_not_cut_the_next()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop, s => s.Ended += p => p.End("late reply"), new ServerOptions { AllowHalfOpen = true });
        var client = new Socket(loop, new SocketOptions { AllowHalfOpen = true });
        int closes = 0;
        client.Closed += (_, _) => closes++;
        client.Connect(server.Port, "127.0.0.1", () => client.DestroySoon());
        LoopDriver.RunUntil(loop, () => closes == 1);

        var got = NetTestKit.Collect(client);
        client.Connect(server.Port, "127.0.0.1", () => client.End()); // half-open: reads on after its end
        LoopDriver.RunUntil(loop, () => closes == 2);
        Assert.Equal("late reply", got.ToString());
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void A_timeout_set_on_the_next_connection_fires()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop);
        var client = new Socket(loop);
        client.SetTimeout(60_000);
        bool closed = false;
        client.Closed += (_, _) => closed = true;
        client.Connect(server.Port, "127.0.0.1", () => client.Destroy());
        LoopDriver.RunUntil(loop, () => closed);

        bool timedOut = false;
        client.Connect(server.Port, "127.0.0.1", () => client.SetTimeout(1, () => timedOut = true));
        LoopDriver.RunUntil(loop, () => timedOut);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void An_accepted_socket_that_connects_elsewhere_no_longer_counts_for_its_server()
    {
        var loop = new Loop();
        Socket? peer = null;
        var first = NetTestKit.ListeningServer(loop, p => peer = p);
        var second = NetTestKit.ListeningServer(loop);
        var client = new Socket(loop);
        client.Connect(first.Port, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => peer is not null);
        bool reconnected = false;
        peer!.Closed += (s, _) =>
        {
            if (!reconnected)
                s.Connect(second.Port, "127.0.0.1", () => reconnected = true);
        };
        peer.Destroy();
        LoopDriver.RunUntil(loop, () => reconnected && second.ConnectionCount == 1);
        Assert.Equal(0, first.ConnectionCount);
        bool firstClosed = false;
        first.Close(_ => firstClosed = true);
        LoopDriver.RunUntil(loop, () => firstClosed); // does not wait for the socket now serving elsewhere
        peer.Destroy();
        LoopDriver.RunUntil(loop, () => second.ConnectionCount == 0);
        Assert.Equal(0, first.ConnectionCount); // not counted down twice
        client.Destroy();
        second.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void A_path_connect_after_a_tcp_one_does_not_retry_the_old_addresses()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop);
        var client = new Socket(loop);
        var errors = new List<NetException>();
        client.Error += (_, e) => errors.Add(e);
        int closes = 0;
        client.Closed += (_, _) => closes++;
        client.Connect(server.Port, "127.0.0.1", () => client.Destroy());
        LoopDriver.RunUntil(loop, () => closes == 1);
        client.Connect(Path.Combine(Path.GetTempPath(), $"uvnet-none-{Guid.NewGuid():N}.sock"));
        LoopDriver.RunUntil(loop, () => closes == 2);
        Assert.Equal("ENOENT", Assert.Single(errors).Code);
        Assert.Null(errors[0].Port);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    /// <summary>A client whose first connection to <paramref name="server"/> has closed, now looking up "localhost" for the next.</summary>
    private static Socket LookingUpAfterAClosedConnection(Loop loop, Server server)
    {
        var client = new Socket(loop);
        int closes = 0;
        client.Closed += (_, _) => closes++;
        client.Connect(server.Port, "127.0.0.1", () => client.Destroy());
        LoopDriver.RunUntil(loop, () => closes == 1);
        Assert.Equal("127.0.0.1", client.RemoteAddress); // still readable once closed
        client.Connect(server.Port, "localhost"); // resolved on the thread pool: no handle yet
        Assert.True(client.Connecting);
        return client;
    }

    // Node's connect of a destroyed socket drops _peername and _sockname: while the next connection is looked up, the
    // last one's ends are not the socket's.
    [Fact]
    public void The_next_connection_does_not_report_the_last_ones_addresses_while_looking_up()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop);
        var client = LookingUpAfterAClosedConnection(loop, server);
        Assert.Null(client.RemoteAddress);
        Assert.Null(client.RemotePort);
        Assert.Null(client.LocalAddress);
        Assert.Null(client.RemoteEndPoint);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void A_write_cut_during_the_next_connections_lookup_fails_as_closed_before_connection()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop);
        var client = LookingUpAfterAClosedConnection(loop, server);
        NetException? error = null;
        bool called = false;
        client.Write("never sent", e => (error, called) = (e, true));
        client.Destroy();
        LoopDriver.RunUntil(loop, () => called);
        Assert.Equal("ERR_SOCKET_CLOSED_BEFORE_CONNECTION", error?.Code);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    // The C# form of connecting again: a failed ConnectAsync retried from its await. Under the loop's context the
    // await resumes inline as the socket closes, so the socket must already take a new connect there.
    [Fact]
    public async Task A_connect_async_that_failed_is_retried_from_its_await()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop);
        var client = new Socket(loop);
        int closes = 0;
        client.Closed += (_, _) => closes++;
        string? firstError = null;
        async Task ConnectWithRetry()
        {
            try
            {
                await client.ConnectAsync(ClosedPorts.Next().Port, "127.0.0.1");
            }
            catch (NetException e)
            {
                firstError = e.Code;
            }
            await client.ConnectAsync(server.Port, "127.0.0.1");
        }
        Task? connecting = null;
        loop.Post(() => connecting = ConnectWithRetry()); // in a loop callback: its awaits have the loop's context
        LoopDriver.RunUntil(loop, () => connecting is { IsCompleted: true }, seconds: 10);
        await connecting!; // completed: rethrows what the retry threw
        Assert.Equal("ECONNREFUSED", firstError);
        Assert.Equal(SocketReadyState.Open, client.ReadyState);
        Assert.Equal(1, closes); // the failed connection's Closed, once
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }
}

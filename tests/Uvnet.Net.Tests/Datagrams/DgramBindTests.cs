using System.Net;

namespace Uvnet.Net.Tests.Datagrams;

/// <summary>createSocket and bind, ported from Node's test-dgram-createSocket-type.js, test-dgram-bind.js, test-dgram-bind-default-address.js, test-dgram-address.js, test-dgram-implicit-bind.js.</summary>
public sealed class DgramBindTests
{
    // Node: test-dgram-createSocket-type.js
    [Fact]
    public void CreateSocket_takes_udp4_and_udp6_only()
    {
        var loop = new Loop();
        var error = Assert.Throws<NetException>(() => Dgram.CreateSocket(loop, "udp5"));
        Assert.Equal("ERR_SOCKET_BAD_TYPE", error.Code);
        Assert.Equal("ERR_SOCKET_BAD_BUFFER_SIZE", Assert.Throws<NetException>(() =>
            Dgram.CreateSocket(loop, new DgramSocketOptions { RecvBufferSize = -1 })).Code);
        var v4 = Dgram.CreateSocket(loop, "udp4");
        var v6 = Dgram.CreateSocket(loop, "udp6");
        Assert.Equal("udp6", v6.Type);
        DgramTestKit.CloseAll(loop, v4, v6);
        LoopDriver.AssertNothingLeft(loop);
    }

    // Node: test-dgram-bind.js: listening, then a second bind throws ERR_SOCKET_ALREADY_BOUND; close raises 'close'.
    [Fact]
    public void Bind_raises_Listening_and_a_second_bind_throws()
    {
        var loop = new Loop();
        var socket = Dgram.CreateSocket(loop, "udp4");
        int listening = 0;
        socket.Listening += _ => listening++;
        socket.Bind();
        Assert.Equal(0, listening); // never inside the call
        Assert.Equal("ERR_SOCKET_ALREADY_BOUND", Assert.Throws<NetException>(() => socket.Bind()).Code);
        LoopDriver.RunUntil(loop, () => listening == 1);
        Assert.Equal("ERR_SOCKET_ALREADY_BOUND", Assert.Throws<NetException>(() => socket.Bind()).Code);
        bool closed = false;
        socket.Closed += _ => closed = true;
        socket.Close();
        LoopDriver.RunUntil(loop, () => closed);
        LoopDriver.AssertNothingLeft(loop);
    }

    // Node: test-dgram-bind-default-address.js: udp4 binds 0.0.0.0, udp6 binds ::.
    [Theory]
    [InlineData("udp4", "0.0.0.0", "IPv4")]
    [InlineData("udp6", "::", "IPv6")]
    public void The_default_address_is_every_interface(string type, string any, string family)
    {
        var loop = new Loop();
        var socket = Dgram.CreateSocket(loop, type);
        DgramTestKit.Listen(loop, socket, 0, null);
        DgramAddress address = socket.Address();
        Assert.Equal(any, address.Address);
        Assert.Equal(family, address.Family);
        Assert.True(address.Port > 0);
        DgramTestKit.CloseAll(loop, socket);
        LoopDriver.AssertNothingLeft(loop);
    }

    // Node: test-dgram-address.js: address() after binding; before it throws getsockname EBADF; after close, Not running.
    [Fact]
    public void Address_needs_a_bound_open_socket()
    {
        var loop = new Loop();
        var socket = Dgram.CreateSocket(loop, "udp4");
        var unbound = Assert.Throws<NetException>(() => socket.Address());
        Assert.Equal(("EBADF", "getsockname"), (unbound.Code, unbound.Syscall));
        DgramTestKit.Listen(loop, socket, 0, "127.0.0.1");
        Assert.Equal("127.0.0.1", socket.Address().Address);
        DgramTestKit.CloseAll(loop, socket);
        Assert.Equal("ERR_SOCKET_DGRAM_NOT_RUNNING", Assert.Throws<NetException>(() => socket.Address()).Code);
        LoopDriver.AssertNothingLeft(loop);
    }

    // Node: test-dgram-bind-error / test-dgram-exclusive-implicit-bind: a port in use is an 'error' with syscall bind.
    [Fact]
    public void A_port_in_use_is_raised_as_Error()
    {
        var loop = new Loop();
        var first = DgramTestKit.Bound(loop);
        var second = Dgram.CreateSocket(loop, "udp4");
        NetException? error = null;
        second.Error += (_, e) => error = e;
        int listening = 0;
        second.Listening += _ => listening++;
        second.Bind(first.Address().Port, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => error is not null);
        Assert.Equal(0, listening);
        Assert.Equal(("EADDRINUSE", "bind", "127.0.0.1", first.Address().Port), (error!.Code, error.Syscall, error.Address, error.Port));
        // Unbound again: it may bind elsewhere (Node's bindState goes back to UNBOUND).
        second.Bind(0, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => listening == 1);
        DgramTestKit.CloseAll(loop, first, second);
        LoopDriver.AssertNothingLeft(loop);
    }

    // What waited for a bind that failed is told so, and a close asked for meanwhile still closes the socket.
    [Fact]
    public void A_failed_bind_fails_the_sends_waiting_for_it_and_a_queued_close_still_closes()
    {
        var loop = new Loop();
        var first = DgramTestKit.Bound(loop);
        var second = Dgram.CreateSocket(loop, "udp4");
        var log = new List<string>();
        second.Error += (_, e) => log.Add($"error {e.Code}");
        second.Closed += _ => log.Add("closed");
        second.Bind(first.Address().Port, "127.0.0.1");
        second.Send(DgramTestKit.Bytes("x"), 9, "127.0.0.1", (e, n) => log.Add($"send {e?.Code} {n}"));
        second.Connect(9, "127.0.0.1", e => log.Add($"connect {e?.Code}"));
        second.Close();
        Assert.Empty(log);
        LoopDriver.RunUntil(loop, () => log.Contains("closed"));
        Assert.Equal(["error EADDRINUSE", "send EADDRINUSE 0", "connect EADDRINUSE", "closed"], log);
        DgramTestKit.CloseAll(loop, first);
        LoopDriver.AssertNothingLeft(loop);
    }

    // Node: test-dgram-close-in-listening.js: a close from the Listening handler; the send that waited for the bind
    // is told the socket is not running (Node throws it from inside its queue), and nothing is sent.
    [Fact]
    public void A_close_in_the_Listening_handler_fails_the_waiting_send()
    {
        var loop = new Loop();
        var socket = Dgram.CreateSocket(loop, "udp4");
        var log = new List<string>();
        socket.Listening += s => s.Close(() => log.Add("closed"));
        socket.Send(DgramTestKit.Bytes("x"), 9, "127.0.0.1", (e, n) => log.Add($"send {e?.Code} {n}"));
        LoopDriver.RunUntil(loop, () => log.Contains("closed"));
        Assert.Equal(["send ERR_SOCKET_DGRAM_NOT_RUNNING 0", "closed"], log);
        LoopDriver.AssertNothingLeft(loop);
    }

    // Node: test-dgram-bind.js's port checks (validatePort with zero allowed).
    [Theory]
    [InlineData(-1)]
    [InlineData(65536)]
    public void A_bad_port_throws_ERR_SOCKET_BAD_PORT(int port)
    {
        var loop = new Loop();
        var socket = Dgram.CreateSocket(loop, "udp4");
        Assert.Equal("ERR_SOCKET_BAD_PORT", Assert.Throws<NetException>(() => socket.Bind(port)).Code);
        socket.Bind(); // nothing changed: it still binds
        DgramTestKit.CloseAll(loop, socket);
        LoopDriver.AssertNothingLeft(loop);
    }

    // Node: test-dgram-implicit-bind.js: a send binds to a free port first ('listening'), and the datagram arrives.
    [Fact]
    public void The_first_send_binds_implicitly()
    {
        var loop = new Loop();
        var target = DgramTestKit.Bound(loop);
        var messages = DgramTestKit.Record(target);
        var source = Dgram.CreateSocket(loop, "udp4");
        var log = new List<string>();
        source.Listening += _ => log.Add("listening");
        source.Send(DgramTestKit.Bytes("abc"), target.Address().Port, "127.0.0.1", (e, n) => log.Add($"sent {e?.Code} {n}"));
        source.Send(DgramTestKit.Bytes("def"), target.Address().Port, "127.0.0.1", (e, n) => log.Add($"sent {e?.Code} {n}"));
        LoopDriver.RunUntil(loop, () => messages.Count == 2 && log.Count == 3);
        Assert.Equal(["listening", "sent  3", "sent  3"], log);
        Assert.Equal(["abc", "def"], messages.Select(m => m.Text));
        Assert.Equal(source.Address().Port, messages[0].Remote.Port);
        Assert.Equal("127.0.0.1", messages[0].Remote.Address);
        Assert.Equal("IPv4", messages[0].Remote.Family);
        Assert.Equal(3, messages[0].Remote.Size);
        DgramTestKit.CloseAll(loop, target, source);
        LoopDriver.AssertNothingLeft(loop);
    }

    [Fact]
    public void Sends_waiting_for_the_implicit_bind_go_where_their_endpoint_said_when_they_were_called()
    {
        // A caller may reuse one IPEndPoint, changing its port between sends: each send must keep its own destination.
        var loop = new Loop();
        var first = DgramTestKit.Bound(loop);
        var second = DgramTestKit.Bound(loop);
        var atFirst = DgramTestKit.Record(first);
        var atSecond = DgramTestKit.Record(second);
        var source = Dgram.CreateSocket(loop, "udp4");
        var destination = new IPEndPoint(IPAddress.Loopback, first.Address().Port);
        source.Send(DgramTestKit.Bytes("one"), destination);
        destination.Port = second.Address().Port;
        source.Send(DgramTestKit.Bytes("two"), destination);
        destination.Port = 9; // nothing listens there
        LoopDriver.RunUntil(loop, () => atFirst.Count + atSecond.Count == 2);
        Assert.Equal(["one"], atFirst.Select(m => m.Text));
        Assert.Equal(["two"], atSecond.Select(m => m.Text));
        DgramTestKit.CloseAll(loop, first, second, source);
        LoopDriver.AssertNothingLeft(loop);
    }

    // Node: test-dgram-close-during-bind.js: a close before the bind finishes: no bind, no 'listening', 'close' comes.
    [Fact]
    public void A_close_during_the_bind_never_binds()
    {
        var loop = new Loop();
        var socket = Dgram.CreateSocket(loop, "udp4");
        socket.Listening += _ => Assert.Fail("listening after close");
        bool closed = false;
        socket.Bind(() => Assert.Fail("bound after close"));
        socket.Close(() => closed = true);
        LoopDriver.RunUntil(loop, () => closed);
        LoopDriver.RunFor(loop, 20);
        LoopDriver.AssertNothingLeft(loop);
    }

    // Node: test-dgram-close.js / test-dgram-close-is-not-callback.js: a second close throws Not running.
    [Fact]
    public void A_second_close_throws_ERR_SOCKET_DGRAM_NOT_RUNNING()
    {
        var loop = new Loop();
        var socket = DgramTestKit.Bound(loop);
        int closed = 0;
        socket.Close(() => closed++);
        Assert.Equal("ERR_SOCKET_DGRAM_NOT_RUNNING", Assert.Throws<NetException>(() => socket.Close()).Code);
        Assert.Equal("ERR_SOCKET_DGRAM_NOT_RUNNING", Assert.Throws<NetException>(() => socket.Send(DgramTestKit.Bytes("x"), 9)).Code);
        Assert.Equal("ERR_SOCKET_DGRAM_NOT_RUNNING", Assert.Throws<NetException>(() => socket.Bind()).Code);
        LoopDriver.RunUntil(loop, () => closed == 1);
        LoopDriver.RunFor(loop, 10);
        Assert.Equal(1, closed);
        LoopDriver.AssertNothingLeft(loop);
    }

    // Node: test-dgram-ref.js / test-dgram-unref.js: an unref'd bound socket lets the loop end; ref/unref return the socket.
    [Fact]
    public void An_unreferenced_socket_lets_the_loop_end()
    {
        var loop = new Loop();
        var socket = Dgram.CreateSocket(loop, "udp4");
        Assert.Same(socket, socket.Unref());
        DgramTestKit.Listen(loop, socket, 0, "127.0.0.1");
        loop.Run(RunMode.NoWait); // the close of RunUntil's deadline timer
        Assert.False(loop.IsAlive);
        Assert.Same(socket, socket.Ref());
        Assert.True(loop.IsAlive);
        DgramTestKit.CloseAll(loop, socket);
        Assert.Same(socket, socket.Ref()); // closed: nothing to do, as Node
        LoopDriver.AssertNothingLeft(loop);
    }

    [Fact]
    public void Calls_from_another_thread_are_refused()
    {
        var loop = new Loop();
        var socket = DgramTestKit.Bound(loop);
        var errors = LoopDriver.ExceptionsOffTheLoop(loop,
            () => socket.Send(DgramTestKit.Bytes("x"), 9),
            () => socket.Close(),
            () => socket.SetBroadcast(true),
            () => socket.ReceiveAsync(new byte[10]));
        Assert.All(errors, e => Assert.IsType<InvalidOperationException>(e));
        DgramTestKit.CloseAll(loop, socket);
        LoopDriver.AssertNothingLeft(loop);
    }
}

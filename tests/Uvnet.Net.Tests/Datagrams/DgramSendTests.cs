using System.Net;

namespace Uvnet.Net.Tests.Datagrams;

/// <summary>send and connect, ported from Node's test-dgram-send-*.js, test-dgram-connect*.js, test-dgram-udp6-send-default-host.js.</summary>
public sealed class DgramSendTests
{
    // Node: test-dgram-send-callback-buffer-length.js: offset and length pick the bytes; the callback gets the count.
    [Fact]
    public void Offset_and_length_send_a_slice_and_the_callback_gets_its_size()
    {
        var loop = new Loop();
        var server = DgramTestKit.Bound(loop);
        var messages = DgramTestKit.Record(server);
        var client = Dgram.CreateSocket(loop, "udp4");
        int sent = -1;
        client.Send(DgramTestKit.Bytes("0123456789"), 2, 5, server.Address().Port, "127.0.0.1", (e, n) =>
        {
            Assert.Null(e);
            sent = n;
        });
        LoopDriver.RunUntil(loop, () => messages.Count == 1 && sent >= 0);
        Assert.Equal("23456", messages[0].Text);
        Assert.Equal(5, sent);
        Assert.Throws<ArgumentOutOfRangeException>(() => client.Send(new byte[4], 3, 2, server.Address().Port));
        DgramTestKit.CloseAll(loop, server, client);
        LoopDriver.AssertNothingLeft(loop);
    }

    // Node: test-dgram-send-empty-buffer.js, test-dgram-send-default-host.js: an empty datagram arrives, to 127.0.0.1 by default.
    [Fact]
    public void An_empty_datagram_goes_to_the_default_host()
    {
        var loop = new Loop();
        var server = DgramTestKit.Bound(loop);
        var messages = DgramTestKit.Record(server);
        var client = Dgram.CreateSocket(loop, "udp4");
        client.Send(ReadOnlyMemory<byte>.Empty, server.Address().Port);
        LoopDriver.RunUntil(loop, () => messages.Count == 1);
        Assert.Equal("", messages[0].Text);
        Assert.Equal(0, messages[0].Remote.Size);
        DgramTestKit.CloseAll(loop, server, client);
        LoopDriver.AssertNothingLeft(loop);
    }

    // Node's dgram.js: bind takes a falsy address as every interface, lookup4/lookup6 (send, connect) as the loopback;
    // "" is no host name to look up (.NET's lookup of "" gives this machine's own addresses). The sends are
    // test-dgram-send-address-types.js's valid ones: "" and null (false, 0 and undefined have no C# form).
    [Theory]
    [InlineData("udp4", "0.0.0.0", "127.0.0.1")]
    [InlineData("udp6", "::", "::1")]
    public void An_empty_address_is_the_default_one(string type, string any, string loopback)
    {
        var loop = new Loop();
        var server = DgramTestKit.Bound(loop, type);
        var socket = Dgram.CreateSocket(loop, type);
        socket.Error += (_, e) => Assert.Fail(e.Message);
        DgramTestKit.Listen(loop, socket, 0, "");
        Assert.Equal(any, socket.Address().Address);
        var sent = new List<int>();
        socket.Send(DgramTestKit.Bytes("test"), socket.Address().Port, "", (e, n) => sent.Add(e is null ? n : -1));
        socket.Send(DgramTestKit.Bytes("test"), socket.Address().Port, null, (e, n) => sent.Add(e is null ? n : -1));
        LoopDriver.RunUntil(loop, () => sent.Count == 2);
        Assert.Equal([4, 4], sent);
        bool connected = false;
        socket.Connect(server.Address().Port, "", e => connected = e is null);
        LoopDriver.RunUntil(loop, () => connected);
        Assert.Equal(loopback, socket.RemoteAddress().Address);
        DgramTestKit.CloseAll(loop, server, socket);
        LoopDriver.AssertNothingLeft(loop);
    }

    // Node: test-dgram-send-callback-recursive.js: a send from each send's callback, to the socket itself, until ten
    // datagrams have come back: the callbacks must leave room for the receives (libuv's UV_HANDLE_UDP_PROCESSING).
    [Fact]
    public void A_send_from_its_callback_lets_the_loop_receive()
    {
        var loop = new Loop();
        var client = DgramTestKit.Bound(loop);
        int port = client.Address().Port, received = 0, callbacks = 0;
        bool closed = false;
        const int Limit = 10;
        void OnSend(NetException? error, int bytes)
        {
            if (error is not null)
            {
                Assert.Equal("ECANCELED", error.Code); // the send still queued when the tenth datagram closed the socket
                return;
            }
            callbacks++;
            // Node's limit: a thousand sends with nothing received is a loop that never polls.
            Assert.True(callbacks < 1000, "the send callbacks never let the loop receive");
            if (received < Limit)
                client.Send("abc", port, "127.0.0.1", OnSend);
        }
        client.Message += (s, _, _) =>
        {
            if (++received == Limit)
                s.Close(() => closed = true);
        };
        client.Send("abc", port, "127.0.0.1", OnSend);
        LoopDriver.RunUntil(loop, () => closed);
        Assert.Equal(Limit, received);
        LoopDriver.AssertNothingLeft(loop);
    }

    // Node: test-dgram-udp6-send-default-host.js: udp6 sends to ::1 by default; rinfo says IPv6.
    [Fact]
    public void Udp6_sends_to_the_IPv6_loopback_by_default()
    {
        var loop = new Loop();
        var server = DgramTestKit.Bound(loop, "udp6");
        var messages = DgramTestKit.Record(server);
        var client = Dgram.CreateSocket(loop, "udp6");
        client.Send("hello", server.Address().Port);
        LoopDriver.RunUntil(loop, () => messages.Count == 1);
        Assert.Equal(("hello", "::1", "IPv6"), (messages[0].Text, messages[0].Remote.Address, messages[0].Remote.Family));
        DgramTestKit.CloseAll(loop, server, client);
        LoopDriver.AssertNothingLeft(loop);
    }

    // Node: test-dgram-send-bad-arguments.js: port 0 and out of range are ERR_SOCKET_BAD_PORT; a connected form on an unconnected socket too.
    [Fact]
    public void Bad_ports_throw_ERR_SOCKET_BAD_PORT_and_change_nothing()
    {
        var loop = new Loop();
        var client = Dgram.CreateSocket(loop, "udp4");
        foreach (int port in new[] { 0, -1, 65536 })
            Assert.Equal("ERR_SOCKET_BAD_PORT", Assert.Throws<NetException>(() => client.Send(new byte[1], port)).Code);
        Assert.Equal("ERR_SOCKET_BAD_PORT", Assert.Throws<NetException>(() => client.Send(new byte[1])).Code);
        Assert.Throws<NetException>(() => client.Address()); // nothing was bound
        DgramTestKit.CloseAll(loop, client);
        LoopDriver.AssertNothingLeft(loop);
    }

    // Node: test-dgram-send-error.js / test-dgram-msgsize.js: a datagram too large fails its callback with EMSGSIZE.
    [Fact]
    public void An_oversized_datagram_fails_its_callback_with_EMSGSIZE()
    {
        var loop = new Loop();
        var server = DgramTestKit.Bound(loop);
        var client = DgramTestKit.Bound(loop);
        NetException? error = null;
        client.Send(new byte[65536], server.Address().Port, "127.0.0.1", (e, n) => error = e);
        LoopDriver.RunUntil(loop, () => error is not null);
        Assert.Equal(("EMSGSIZE", "send", "127.0.0.1", server.Address().Port), (error!.Code, error.Syscall, error.Address, error.Port));
        DgramTestKit.CloseAll(loop, server, client);
        LoopDriver.AssertNothingLeft(loop);
    }

    // Node: test-dgram-connect.js.
    [Fact]
    public void Connect_then_disconnect_as_Node_orders_them()
    {
        var loop = new Loop();
        var client = Dgram.CreateSocket(loop, "udp4");
        const int Port = 12345;
        var log = new List<string>();
        client.Connect(Port, null, e =>
        {
            Assert.Null(e);
            log.Add("connected");
            Assert.Equal(Port, client.RemoteAddress().Port);
            Assert.Equal("ERR_SOCKET_DGRAM_IS_CONNECTED", Assert.Throws<NetException>(() => client.Connect(Port)).Code);
            client.Disconnect();
            Assert.Equal("ERR_SOCKET_DGRAM_NOT_CONNECTED", Assert.Throws<NetException>(() => client.Disconnect()).Code);
            Assert.Equal("ERR_SOCKET_DGRAM_NOT_CONNECTED", Assert.Throws<NetException>(() => client.RemoteAddress()).Code);
            client.Connected += _ => log.Add("again");
            client.Connect(Port);
        });
        Assert.Equal("ERR_SOCKET_DGRAM_IS_CONNECTED", Assert.Throws<NetException>(() => client.Connect(Port)).Code);
        Assert.Equal("ERR_SOCKET_DGRAM_NOT_CONNECTED", Assert.Throws<NetException>(() => client.Disconnect()).Code);
        foreach (int port in new[] { 0, 78960 })
            Assert.Equal("ERR_SOCKET_BAD_PORT", Assert.Throws<NetException>(() => client.Connect(port)).Code);
        LoopDriver.RunUntil(loop, () => log.Count == 2);
        Assert.Equal(["connected", "again"], log);
        DgramTestKit.CloseAll(loop, client);
        LoopDriver.AssertNothingLeft(loop);
    }

    // Node: test-dgram-connect-send-callback-buffer.js, test-dgram-connect-send-default-host.js: connected sends need no
    // port, and one with a port throws ERR_SOCKET_DGRAM_IS_CONNECTED.
    [Fact]
    public void A_connected_socket_sends_without_a_port()
    {
        var loop = new Loop();
        var server = DgramTestKit.Bound(loop);
        var messages = DgramTestKit.Record(server);
        var client = Dgram.CreateSocket(loop, "udp4");
        int sent = -1;
        client.Connect(server.Address().Port, null, e =>
        {
            Assert.Null(e);
            client.Send(DgramTestKit.Bytes("hi"), (err, n) => sent = n);
            Assert.Equal("ERR_SOCKET_DGRAM_IS_CONNECTED",
                Assert.Throws<NetException>(() => client.Send(new byte[1], server.Address().Port)).Code);
        });
        LoopDriver.RunUntil(loop, () => messages.Count == 1 && sent == 2);
        Assert.Equal("hi", messages[0].Text);
        DgramTestKit.CloseAll(loop, server, client);
        LoopDriver.AssertNothingLeft(loop);
    }

    // libuv's ECONNREFUSED on a connected socket, as Node raises it: 'error' with syscall recvmsg; the socket stays open.
    [Fact]
    public void A_closed_port_on_a_connected_socket_is_an_ECONNREFUSED_error()
    {
        var loop = new Loop();
        var client = Dgram.CreateSocket(loop, "udp4");
        NetException? error = null;
        client.Error += (_, e) => error = e;
        client.Connect(ClosedPorts.NextUdp().Port, "127.0.0.1", e => client.Send(DgramTestKit.Bytes("anyone?")));
        LoopDriver.RunUntil(loop, () => error is not null);
        Assert.Equal(("ECONNREFUSED", "recvmsg"), (error!.Code, error.Syscall));
        client.Send(DgramTestKit.Bytes("still open")); // no throw: the socket did not close
        DgramTestKit.CloseAll(loop, client);
        LoopDriver.AssertNothingLeft(loop);
    }

    // Node: test-dgram-close-in-listening.js / test-dgram-close-signal: a close from inside the send callback and the message handler.
    [Fact]
    public void Close_from_inside_handlers_raises_Closed_once()
    {
        var loop = new Loop();
        var server = DgramTestKit.Bound(loop);
        var client = Dgram.CreateSocket(loop, "udp4");
        int closed = 0;
        server.Closed += _ => closed++;
        client.Closed += _ => closed++;
        server.Message += (s, _, _) => s.Close();
        client.Send(DgramTestKit.Bytes("1"), server.Address().Port, null, (_, _) => client.Close());
        client.Send(DgramTestKit.Bytes("2"), server.Address().Port);
        LoopDriver.RunUntil(loop, () => closed == 2);
        LoopDriver.RunFor(loop, 20);
        Assert.Equal(2, closed);
        LoopDriver.AssertNothingLeft(loop);
    }

    // Node: test-dgram-send-address-types.js: a host name is looked up; one that does not resolve is ENOTFOUND to the callback.
    [Fact]
    public void A_host_name_is_looked_up_and_a_bad_one_fails_the_callback()
    {
        var loop = new Loop();
        var server = DgramTestKit.Bound(loop);
        var messages = DgramTestKit.Record(server);
        var client = Dgram.CreateSocket(loop, "udp4");
        NetException? error = null;
        bool failed = false;
        client.Send(DgramTestKit.Bytes("by name"), server.Address().Port, "localhost");
        client.Send(DgramTestKit.Bytes("x"), server.Address().Port, "no-such-host.invalid", (e, _) => (error, failed) = (e, true));
        LoopDriver.RunUntil(loop, () => messages.Count == 1 && failed);
        Assert.Equal("by name", messages[0].Text);
        Assert.Equal("ENOTFOUND", error!.Code);
        DgramTestKit.CloseAll(loop, server, client);
        LoopDriver.AssertNothingLeft(loop);
    }

}

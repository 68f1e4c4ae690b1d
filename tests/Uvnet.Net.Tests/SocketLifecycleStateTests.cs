using System.Net.Sockets;

namespace Uvnet.Net.Tests;

/// <summary>
/// State properties, Ready, DestroySoon, ResetAndDestroy and the endpoints kept once closed, as Node's net.Socket.
/// After Node's test-net-writable, test-net-socket-ready-without-cb, test-net-socket-reset-send,
/// test-net-remote-address-port and test-net-socket-destroy-twice.
/// </summary>
public class SocketLifecycleStateTests
{
    private readonly record struct State(bool Readable, bool Writable, bool ReadableEnded, bool WritableEnded, bool WritableFinished, bool Pending)
    {
        public static State Of(Socket s) => new(s.Readable, s.Writable, s.ReadableEnded, s.WritableEnded, s.WritableFinished, s.Pending);
    }

    [Fact]
    public void State_properties_follow_Node_from_creation_to_destroy_when_we_end_first()
    {
        var loop = new Loop();
        Socket? peer = null;
        var server = NetTestKit.ListeningServer(loop, p => peer = p, new ServerOptions { AllowHalfOpen = true });
        var client = new Socket(loop);
        Assert.Equal(new State(true, true, false, false, false, true), State.Of(client)); // Node: a new socket is readable and writable
        bool connected = false, finished = false, closed = false;
        State? atFinish = null, atClose = null;
        client.Connect(server.Port, "127.0.0.1", () => connected = true);
        Assert.Equal(new State(true, true, false, false, false, true), State.Of(client)); // connecting: pending
        LoopDriver.RunUntil(loop, () => connected && peer is not null);
        Assert.Equal(new State(true, true, false, false, false, false), State.Of(client));

        client.Finish += s => { finished = true; atFinish = State.Of(s); };
        client.Closed += (s, _) => { closed = true; atClose = State.Of(s); };
        client.End();
        Assert.Equal(new State(true, false, false, true, false, false), State.Of(client));
        LoopDriver.RunUntil(loop, () => finished);
        Assert.Equal(new State(true, false, false, true, true, false), atFinish);

        peer!.End();
        LoopDriver.RunUntil(loop, () => closed);
        Assert.Equal(new State(false, false, true, true, true, true), atClose);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    // Node's test-net-writable: in the 'end' handler of a socket that is not half-open, it is still writable and a
    // write there goes out before our FIN.
    [Fact]
    public void In_the_Ended_handler_the_socket_is_no_longer_readable_but_still_writable()
    {
        var loop = new Loop();
        var got = new System.Text.StringBuilder();
        bool serverClosed = false;
        var server = NetTestKit.ListeningServer(loop, p =>
        {
            p.End();
            p.Data += (_, d) => got.Append(System.Text.Encoding.UTF8.GetString(d));
            p.Closed += (_, _) => serverClosed = true;
        }, new ServerOptions { AllowHalfOpen = true });
        var client = new Socket(loop);
        State? atEnd = null;
        bool written = false;
        client.Ended += s =>
        {
            atEnd = State.Of(s);
            s.Write("hello world", e => written = e is null);
        };
        client.Connect(server.Port, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => serverClosed && client.Destroyed);
        Assert.Equal(new State(false, true, true, false, false, false), atEnd);
        Assert.True(written);
        Assert.Equal("hello world", got.ToString());
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void After_destroy_nothing_is_readable_or_writable_and_the_socket_is_pending()
    {
        var loop = new Loop();
        var (server, client, _) = NetTestKit.ConnectedPair(loop);
        client.Destroy();
        Assert.Equal(new State(false, false, false, false, false, true), State.Of(client));
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    // Node's test-net-socket-ready-without-cb, and 'ready' right after 'connect'.
    [Fact]
    public void Ready_is_raised_right_after_Connected_and_the_connect_callback()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop, s => s.End());
        var client = new Socket(loop);
        var log = new List<string>();
        client.Connected += _ => log.Add("connect");
        client.Ready += s => { log.Add("ready"); s.End(); };
        client.Closed += (_, _) => log.Add("close");
        client.Connect(server.Port, "127.0.0.1", () => log.Add("callback"));
        LoopDriver.RunUntil(loop, () => log.Contains("close"));
        Assert.Equal(["connect", "callback", "ready", "close"], log);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Ready_is_not_raised_when_a_Connected_handler_destroyed_the_socket()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop);
        var client = new Socket(loop);
        var log = new List<string>();
        client.Connected += s => { log.Add("connect"); s.Destroy(); };
        client.Ready += _ => log.Add("ready");
        client.Closed += (_, _) => log.Add("close");
        client.Connect(server.Port, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => log.Contains("close"));
        Assert.Equal(["connect", "close"], log);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void DestroySoon_ends_then_destroys_once_the_writes_are_flushed()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        var got = NetTestKit.Collect(peer);
        bool peerEnded = false;
        peer.Ended += _ => peerEnded = true;
        var log = new List<string>();
        client.Finish += s => log.Add($"finish destroyed={s.Destroyed}");
        client.Closed += (_, hadError) => log.Add($"close {hadError}");
        client.Write(new byte[256 * 1024]); // more than the kernel takes at once
        client.Write("tail");
        client.DestroySoon();
        Assert.False(client.Destroyed);
        Assert.True(client.WritableEnded);
        LoopDriver.RunUntil(loop, () => log.Contains("close False") && peerEnded);
        Assert.Equal(["finish destroyed=False", "close False"], log);
        Assert.EndsWith("tail", got.ToString());
        Assert.Equal(256 * 1024 + 4, got.Length);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void DestroySoon_after_finish_destroys_at_once_and_on_a_socket_never_connected_too()
    {
        var loop = new Loop();
        var (server, client, _) = NetTestKit.ConnectedPair(loop);
        client.End();
        LoopDriver.RunUntil(loop, () => client.WritableFinished);
        client.DestroySoon();
        Assert.True(client.Destroyed);

        var never = new Socket(loop);
        never.DestroySoon();
        Assert.True(never.Destroyed);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    // Node's test-net-socket-reset-send: the peer reads ECONNRESET; a write after gets ERR_STREAM_DESTROYED and no
    // error is raised on the socket that reset.
    [Fact]
    public void ResetAndDestroy_closes_with_RST_so_the_peer_reads_ECONNRESET()
    {
        var loop = new Loop();
        var (server, client, peer) = NetTestKit.ConnectedPair(loop);
        NetException? peerError = null;
        peer.Error += (_, e) => peerError = e;
        var log = new List<string>();
        client.Error += (_, e) => log.Add($"error {e.Code}");
        client.Closed += (_, hadError) => log.Add($"close {hadError}");
        client.ResetAndDestroy();
        client.Destroy(); // a second destroy changes nothing
        Assert.True(client.Destroyed);
        client.Write("fzfzfzfzfz", e => log.Add($"write {e?.Code}"));
        LoopDriver.RunUntil(loop, () => peerError is not null && log.Contains("close False"));
        Assert.Equal("ECONNRESET", peerError!.Code);
        Assert.Equal("read ECONNRESET", peerError.Message);
        Assert.Equal(["close False", "write ERR_STREAM_DESTROYED"], log.Order());
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void ResetAndDestroy_while_connecting_resets_once_connected()
    {
        var loop = new Loop();
        NetException? peerError = null;
        var server = NetTestKit.ListeningServer(loop, p => p.Error += (_, e) => peerError = e);
        var client = new Socket(loop);
        var log = new List<string>();
        client.Connected += _ => log.Add("connect");
        client.Ready += _ => log.Add("ready");
        client.Closed += (_, hadError) => log.Add($"close {hadError}");
        client.Connect(server.Port, "localhost"); // a lookup first: no handle yet
        client.ResetAndDestroy();
        Assert.False(client.Destroyed);
        LoopDriver.RunUntil(loop, () => log.Contains("close False") && peerError is not null);
        Assert.Equal(["connect", "close False"], log);
        Assert.Equal("ECONNRESET", peerError!.Code);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void ResetAndDestroy_of_a_socket_never_connected_is_ERR_SOCKET_CLOSED_and_of_a_destroyed_one_nothing()
    {
        var loop = new Loop();
        var never = new Socket(loop);
        var log = new List<string>();
        never.Error += (_, e) => log.Add($"error {e.Code}");
        never.Closed += (_, hadError) => log.Add($"close {hadError}");
        never.ResetAndDestroy();
        LoopDriver.RunUntil(loop, () => log.Count == 2);
        Assert.Equal(["error ERR_SOCKET_CLOSED", "close True"], log);

        never.ResetAndDestroy();
        LoopDriver.RunFor(loop, 20);
        Assert.Equal(2, log.Count);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void ResetAndDestroy_of_a_unix_socket_throws_and_leaves_it_open()
    {
        var loop = new Loop();
        string path = Path.Combine(Path.GetTempPath(), $"uvnet-reset-{Guid.NewGuid():N}.sock");
        try
        {
            var server = new Server(loop);
            server.Listen(path);
            var client = new Socket(loop);
            bool connected = false;
            client.Connect(path, () => connected = true);
            LoopDriver.RunUntil(loop, () => connected);
            Assert.Throws<InvalidOperationException>(client.ResetAndDestroy);
            Assert.False(client.Destroyed);
            client.Destroy();
            server.Close();
            LoopDriver.CloseLoop(loop);
        }
        finally
        {
            File.Delete(path);
        }
    }

    // Node's test-net-remote-address-port: remoteAddress and remoteFamily still readable in 'close', on both sides,
    // even where nobody asked before.
    [Fact]
    public void Endpoints_are_still_readable_in_Closed_and_after_destroy()
    {
        var loop = new Loop();
        var seen = new List<string>();
        var server = NetTestKit.ListeningServer(loop, p =>
            p.Closed += (s, _) => seen.Add($"server {s.RemoteAddress} {s.RemoteFamily} {s.RemotePort is > 0} {s.LocalAddress} {s.LocalPort}"));
        var client = new Socket(loop);
        client.Closed += (s, _) => seen.Add($"client {s.RemoteAddress} {s.RemoteFamily} {s.RemotePort} {s.LocalAddress} {s.LocalPort is > 0}");
        client.Connect(server.Port, "127.0.0.1", () => client.End());
        LoopDriver.RunUntil(loop, () => seen.Count == 2);
        Assert.Contains($"server 127.0.0.1 IPv4 True 127.0.0.1 {server.Port}", seen);
        Assert.Contains($"client 127.0.0.1 IPv4 {server.Port} 127.0.0.1 True", seen);
        Assert.Equal("127.0.0.1", client.RemoteAddress);
        Assert.IsType<System.Net.IPEndPoint>(client.RemoteEndPoint);
        Assert.IsType<System.Net.IPEndPoint>(client.LocalEndPoint);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void New_members_called_off_the_loop_while_it_runs_throw_and_change_nothing()
    {
        var loop = new Loop();
        var (server, client, _) = NetTestKit.ConnectedPair(loop);
        var errors = new List<Exception?>();
        bool called = false;
        loop.Post(() =>
        {
            // The loop thread waits inside its callback: the loop is surely running while the other thread calls.
            var other = new Thread(() =>
            {
                errors.Add(Record.Exception(client.Cork));
                errors.Add(Record.Exception(client.Uncork));
                errors.Add(Record.Exception(client.DestroySoon));
                errors.Add(Record.Exception(client.ResetAndDestroy));
                errors.Add(Record.Exception(() => client.End("x")));
            });
            other.Start();
            other.Join();
            called = true;
        });
        LoopDriver.RunUntil(loop, () => called);
        Assert.All(errors, e => Assert.IsType<InvalidOperationException>(e));
        Assert.Equal(0, client.WritableCorked);
        Assert.True(client.Writable);
        Assert.False(client.Destroyed);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }
}

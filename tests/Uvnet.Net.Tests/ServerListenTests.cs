using System.Net;

namespace Uvnet.Net.Tests;

/// <summary>
/// Listen in the forms Node users type (port; port, callback; port, host, callback; port, host, backlog, callback;
/// path, callback; options), after Node's test-net-listening, test-net-server-listen-options and
/// test-net-server-listen-path.
/// </summary>
public class ServerListenTests
{
    [Fact]
    public void Listen_with_port_host_and_callback_in_Nodes_order()
    {
        var loop = new Loop();
        var server = new Server(loop);
        bool listening = false;
        server.Listen(0, "127.0.0.1", () => listening = true);
        LoopDriver.RunUntil(loop, () => listening);
        Assert.Equal(IPAddress.Loopback, ((IPEndPoint)server.Address!).Address);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Listen_with_port_and_callback_listens_on_every_interface()
    {
        var loop = new Loop();
        var server = new Server(loop);
        bool listening = false;
        server.Listen(0, () => listening = true);
        LoopDriver.RunUntil(loop, () => listening);
        Assert.Equal(IPAddress.IPv6Any, ((IPEndPoint)server.Address!).Address);
        Assert.NotEqual(0, server.Port);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Listen_without_arguments_takes_a_free_port_and_raises_listening()
    {
        var loop = new Loop();
        var server = new Server(loop);
        bool listening = false;
        server.Listening += _ => listening = true;
        server.Listen();
        LoopDriver.RunUntil(loop, () => listening);
        Assert.NotEqual(0, server.Port);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Listen_with_port_host_backlog_and_callback()
    {
        var loop = new Loop();
        var server = new Server(loop, NetTestKit.Echo);
        bool listening = false;
        server.Listen(0, "127.0.0.1", 5, () => listening = true);
        LoopDriver.RunUntil(loop, () => listening);
        var client = new Socket(loop);
        var got = NetTestKit.Collect(client);
        client.Connect(server.Port, "127.0.0.1", () => client.Write("backlog"));
        LoopDriver.RunUntil(loop, () => got.ToString() == "backlog");
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    // test-net-listening: listening is true in the listen callback and false in the close callback.
    [Fact]
    public void Is_listening_in_the_listen_callback_and_not_in_the_close_callback()
    {
        var loop = new Loop();
        var server = new Server(loop);
        Assert.False(server.IsListening);
        bool? inListen = null, inClose = null;
        server.Listen(0, () =>
        {
            inListen = server.IsListening;
            server.Close(_ => inClose = server.IsListening);
        });
        LoopDriver.RunUntil(loop, () => inClose is not null);
        Assert.True(inListen);
        Assert.False(inClose);
        LoopDriver.AssertNothingLeft(loop);
    }

    [Fact]
    public void Listen_on_a_path_with_a_callback()
    {
        var loop = new Loop();
        string path = Path.Combine(Path.GetTempPath(), $"uvnet-listen-{Guid.NewGuid():N}.sock");
        try
        {
            var server = new Server(loop);
            bool listening = false;
            server.Listen(path, () => listening = true);
            LoopDriver.RunUntil(loop, () => listening);
            Assert.Equal(path, server.Address!.ToString());
            server.Close();
            LoopDriver.CloseLoop(loop);
        }
        finally
        {
            File.Delete(path);
        }
    }

    // test-net-server-listen-options: listen({ port }) and listen({ path }).
    [Fact]
    public void Listen_with_options_takes_the_port_or_the_path()
    {
        var loop = new Loop();
        string path = Path.Combine(Path.GetTempPath(), $"uvnet-listen-{Guid.NewGuid():N}.sock");
        try
        {
            var tcp = new Server(loop);
            var unix = new Server(loop);
            int listening = 0;
            tcp.Listen(new ListenOptions { Port = 0, Host = "127.0.0.1", Backlog = 8 }, () => listening++);
            unix.Listen(new ListenOptions { Path = path }, () => listening++);
            LoopDriver.RunUntil(loop, () => listening == 2);
            Assert.Equal(IPAddress.Loopback, ((IPEndPoint)tcp.Address!).Address);
            Assert.Equal(path, unix.Address!.ToString());
            tcp.Close();
            unix.Close();
            LoopDriver.CloseLoop(loop);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Listen_options_with_neither_or_both_a_port_and_a_path_are_refused()
    {
        var loop = new Loop();
        var server = new Server(loop);
        Assert.Throws<ArgumentException>(() => server.Listen(new ListenOptions()));
        Assert.Throws<ArgumentException>(() => server.Listen(new ListenOptions { Port = 0, Path = "/tmp/x.sock" }));
        Assert.False(server.IsListening);
        LoopDriver.AssertNothingLeft(loop);
    }

    [Fact]
    public void Negative_backlog_is_refused_before_the_server_changes()
    {
        var loop = new Loop();
        var (server, client, _) = NetTestKit.ConnectedPair(loop);
        bool closed = false;
        server.Close(_ => closed = true); // waits for the connection; a listen that started would end it
        Assert.Throws<ArgumentOutOfRangeException>(() => server.Listen(0, "127.0.0.1", -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => server.Listen("/tmp/never.sock", -1));
        client.Destroy();
        LoopDriver.RunUntil(loop, () => closed);
        LoopDriver.CloseLoop(loop);
    }

    // test-net-listen-invalid-port: a port outside 0–65535 is refused.
    [Theory]
    [InlineData(-1)]
    [InlineData(65536)]
    public void Port_out_of_range_is_refused(int port)
    {
        var loop = new Loop();
        var server = new Server(loop);
        Assert.Throws<ArgumentOutOfRangeException>(() => server.Listen(port, () => { }));
        Assert.Throws<ArgumentOutOfRangeException>(() => server.Listen(port, "127.0.0.1", () => { }));
        Assert.False(server.IsListening);
        LoopDriver.AssertNothingLeft(loop);
    }
}

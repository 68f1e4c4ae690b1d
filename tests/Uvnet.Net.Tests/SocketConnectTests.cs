using System.Net;
using System.Net.Sockets;

namespace Uvnet.Net.Tests;

/// <summary>Connecting, after Node's test-net-connect-* and test-net-dns-lookup cases.</summary>
public class SocketConnectTests
{
    [Fact]
    public void Echo_server_and_client_exchange_text()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop, NetTestKit.Echo);
        var client = new Socket(loop);
        var got = NetTestKit.Collect(client);
        bool connected = false;
        client.Connect(server.Port, "127.0.0.1", () =>
        {
            connected = true;
            client.Write("hello, uvnet");
        });
        Assert.Equal(SocketReadyState.Opening, client.ReadyState);
        LoopDriver.RunUntil(loop, () => got.ToString() == "hello, uvnet");
        Assert.True(connected);
        Assert.Equal(SocketReadyState.Open, client.ReadyState);
        Assert.Equal("127.0.0.1", client.RemoteAddress);
        Assert.Equal(server.Port, client.RemotePort);
        Assert.Equal("IPv4", client.RemoteFamily);
        Assert.Equal(12, client.BytesWritten);
        Assert.Equal(12, client.BytesRead);
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Refused_connect_raises_error_with_code_syscall_address_and_port_then_close()
    {
        var loop = new Loop();
        int port = ClosedPorts.Next().Port;
        var client = new Socket(loop);
        NetException? error = null;
        bool? hadError = null;
        client.Error += (_, e) => error = e;
        client.Closed += (_, e) => hadError = e;
        client.Connect(port, "127.0.0.1");
        LoopDriver.RunUntil(loop, () => hadError is not null);
        Assert.NotNull(error);
        Assert.Equal("ECONNREFUSED", error!.Code);
        Assert.Equal(UvError.ECONNREFUSED, error.Errno);
        Assert.Equal("connect", error.Syscall);
        Assert.Equal("127.0.0.1", error.Address);
        Assert.Equal(port, error.Port);
        Assert.Equal($"connect ECONNREFUSED 127.0.0.1:{port}", error.Message);
        Assert.True(hadError);
        Assert.True(client.Destroyed);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Connecting_to_localhost_looks_the_name_up_and_connects()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop, NetTestKit.Echo);
        var client = new Socket(loop);
        LookupResult? lookup = null;
        client.Lookup += (_, r) => lookup = r;
        bool connected = false;
        client.Connect(server.Port, "localhost", () => connected = true);
        LoopDriver.RunUntil(loop, () => connected);
        Assert.NotNull(lookup);
        Assert.Null(lookup!.Value.Error);
        Assert.Equal("localhost", lookup.Value.Host);
        Assert.True(IPAddress.IsLoopback(lookup.Value.Address!));
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Unknown_host_raises_ENOTFOUND_from_getaddrinfo()
    {
        var loop = new Loop();
        var client = new Socket(loop);
        NetException? error = null;
        client.Error += (_, e) => error = e;
        client.Connect(80, "no-such-host.invalid");
        LoopDriver.RunUntil(loop, () => error is not null);
        Assert.Equal("getaddrinfo", error!.Syscall);
        Assert.StartsWith("E", error.Code);
        Assert.Equal("no-such-host.invalid", error.Address);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Writes_before_connect_are_sent_once_connected()
    {
        var loop = new Loop();
        var server = NetTestKit.ListeningServer(loop, NetTestKit.Echo);
        var client = new Socket(loop);
        var got = NetTestKit.Collect(client);
        client.Connect(server.Port, "localhost");
        client.Write("early ");
        client.Write("bird");
        Assert.Equal(10, client.WritableLength);
        LoopDriver.RunUntil(loop, () => got.ToString() == "early bird");
        client.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void A_write_held_while_connecting_calls_back_once_its_own_bytes_are_sent_not_with_the_end_behind_it()
    {
        // As Node: the first write held during the connect leaves on its own (lib/net.js _writeGeneric), so its
        // callback does not wait for an End's data the peer has not read yet; End's callback follows Finish.
        var loop = new Loop();
        Socket? peer = null;
        var server = NetTestKit.ListeningServer(loop, p =>
        {
            peer = p;
            p.Pause(); // reads nothing yet: the end's 16 MiB cannot all leave
        });
        var client = new Socket(loop);
        var log = new List<string>();
        client.Finish += _ => log.Add("finish");
        client.Connect(server.Port, "127.0.0.1");
        client.Write("A", e => log.Add($"A {e?.Code}"));
        client.End(new byte[16 * 1024 * 1024], () => log.Add("end"));
        LoopDriver.RunUntil(loop, () => log.Count > 0);
        Assert.Equal(["A "], log);

        peer!.Data += (_, _) => { };
        peer.Resume();
        LoopDriver.RunUntil(loop, () => log.Contains("end"));
        Assert.Equal(["A ", "finish", "end"], log);
        client.Destroy();
        peer.Destroy();
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Unix_socket_server_and_client()
    {
        var loop = new Loop();
        string path = Path.Combine(Path.GetTempPath(), $"uvnet-net-{Guid.NewGuid():N}.sock");
        try
        {
            var server = new Server(loop, NetTestKit.Echo);
            server.Listen(path);
            var client = new Socket(loop);
            var got = NetTestKit.Collect(client);
            client.Connect(path, () => client.Write("via path"));
            LoopDriver.RunUntil(loop, () => got.ToString() == "via path");
            Assert.Equal(path, server.Address!.ToString());
            client.Destroy();
            server.Close();
            LoopDriver.CloseLoop(loop);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

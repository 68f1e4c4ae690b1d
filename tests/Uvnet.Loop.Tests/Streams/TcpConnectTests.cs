using System.Net;

namespace Uvnet.Tests.Streams;

/// <summary>After libuv's tcp_connect_error, tcp_close_while_connecting and the ipv6/pipe tests.</summary>
public class TcpConnectTests
{
    [Fact]
    public void Refused_connect_reports_ECONNREFUSED_in_a_later_phase_never_inside_Connect()
    {
        var loop = new Loop();
        var client = new TcpHandle(loop);
        int status = 1;
        Assert.Equal(0, client.Connect(ClosedPorts.Next(), (_, s) => status = s));
        Assert.Equal(1, status);
        LoopDriver.RunUntil(loop, () => status != 1);
        Assert.Equal(UvError.ECONNREFUSED, status);
        Assert.False(client.IsWritable);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Closing_while_connecting_cancels_the_connect_once_before_the_close_callback()
    {
        var loop = new Loop();
        var server = StreamTestKit.Listen(loop, _ => { });
        var client = new TcpHandle(loop);
        var events = new List<string>();
        client.Connect(server.LocalEndPoint!, (_, s) => events.Add($"connect {UvError.Name(s)}"));
        client.Write(new byte[10], (_, s) => events.Add($"write {UvError.Name(s)}"));
        client.Close(_ => events.Add("close"));
        LoopDriver.RunUntil(loop, () => events.Contains("close"));
        Assert.Equal(["connect ECANCELED", "write ECANCELED", "close"], events);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Second_connect_while_connecting_is_EALREADY()
    {
        var loop = new Loop();
        var server = StreamTestKit.Listen(loop, _ => { });
        var client = new TcpHandle(loop);
        int first = 1;
        Assert.Equal(0, client.Connect(server.LocalEndPoint!, (_, s) => first = s));
        Assert.Equal(UvError.EALREADY, client.Connect(server.LocalEndPoint!, null));
        LoopDriver.RunUntil(loop, () => first == 0);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void IPv6_loopback_connects_and_reports_addresses()
    {
        var loop = new Loop();
        TcpHandle? accepted = null;
        var server = StreamTestKit.Listen(loop, p => accepted = p, new IPEndPoint(IPAddress.IPv6Loopback, 0));
        var client = new TcpHandle(loop);
        int status = 1;
        client.Connect(new IPEndPoint(IPAddress.IPv6Loopback, server.LocalEndPoint!.Port), (_, s) => status = s);
        LoopDriver.RunUntil(loop, () => status == 0 && accepted is not null);
        Assert.Equal(IPAddress.IPv6Loopback, client.RemoteEndPoint!.Address);
        Assert.Equal(server.LocalEndPoint.Port, client.RemoteEndPoint.Port);
        Assert.Equal(client.LocalEndPoint!.Port, accepted!.RemoteEndPoint!.Port);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Dual_stack_listener_accepts_IPv4_clients()
    {
        var loop = new Loop();
        TcpHandle? accepted = null;
        var server = StreamTestKit.Listen(loop, p => accepted = p, new IPEndPoint(IPAddress.IPv6Any, 0));
        var client = new TcpHandle(loop);
        int status = 1;
        client.Connect(new IPEndPoint(IPAddress.Loopback, server.LocalEndPoint!.Port), (_, s) => status = s);
        LoopDriver.RunUntil(loop, () => status == 0 && accepted is not null);
        Assert.True(accepted!.RemoteEndPoint!.Address.IsIPv4MappedToIPv6);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Ipv6_only_listener_refuses_IPv4_clients()
    {
        var loop = new Loop();
        var server = StreamTestKit.Listen(loop, _ => Assert.Fail("accepted an IPv4 client"), new IPEndPoint(IPAddress.IPv6Any, 0));
        var only = new TcpHandle(loop);
        Assert.Equal(0, only.Bind(new IPEndPoint(IPAddress.IPv6Any, 0), TcpBindFlags.Ipv6Only));
        Assert.Equal(0, only.Listen(16, (_, _) => Assert.Fail("accepted an IPv4 client")));
        var client = new TcpHandle(loop);
        int status = 1;
        client.Connect(new IPEndPoint(IPAddress.Loopback, only.LocalEndPoint!.Port), (_, s) => status = s);
        LoopDriver.RunUntil(loop, () => status != 1);
        Assert.Equal(UvError.ECONNREFUSED, status);
        server.Close();
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Binding_a_taken_port_is_EADDRINUSE()
    {
        var loop = new Loop();
        var server = StreamTestKit.Listen(loop, _ => { });
        var second = new TcpHandle(loop);
        int status = second.Bind(server.LocalEndPoint!);
        if (status == 0)
            status = second.Listen(16, (_, _) => { });
        Assert.Equal(UvError.EADDRINUSE, status);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Reuse_port_lets_two_listeners_share_a_port()
    {
        var loop = new Loop();
        var first = new TcpHandle(loop);
        Assert.Equal(0, first.Bind(StreamTestKit.AnyLoopback, TcpBindFlags.ReusePort));
        Assert.Equal(0, first.Listen(16, (_, _) => { }));
        var second = new TcpHandle(loop);
        Assert.Equal(0, second.Bind(first.LocalEndPoint!, TcpBindFlags.ReusePort));
        Assert.Equal(0, second.Listen(16, (_, _) => { }));
        Assert.Equal(first.LocalEndPoint!.Port, second.LocalEndPoint!.Port);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Unix_socket_path_too_long_is_ENAMETOOLONG_and_makes_no_socket()
    {
        var loop = new Loop();
        string path = "/tmp/" + new string('x', 200);
        var server = new PipeHandle(loop);
        Assert.Equal(UvError.ENAMETOOLONG, server.Bind(path));
        var client = new PipeHandle(loop);
        var request = new ConnectRequest();
        Assert.Equal(UvError.ENAMETOOLONG, client.Connect(request, path, null));
        Assert.False(request.IsActive);
        Assert.Equal(-1, server.FileDescriptor);
        Assert.Equal(-1, client.FileDescriptor);
        LoopDriver.CloseLoop(loop);
    }

    [Fact]
    public void Unix_socket_path_listens_accepts_and_echoes()
    {
        var loop = new Loop();
        string path = Path.Combine(Path.GetTempPath(), $"uvnet-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
        try
        {
            var server = new PipeHandle(loop);
            Assert.Equal(0, server.Bind(path));
            Assert.Equal(path, server.LocalPath);
            Assert.Equal(0, server.Listen(16, (s, status) =>
            {
                var peer = new PipeHandle(loop);
                Assert.Equal(0, s.Accept(peer));
                StreamTestKit.Echo(peer);
            }));
            var client = new PipeHandle(loop);
            var got = new List<byte>();
            client.Connect(path, (_, s) =>
            {
                Assert.Equal(0, s);
                client.ReadStart(StreamTestKit.Collect(got));
                client.Write("over a unix socket"u8.ToArray());
            });
            LoopDriver.RunUntil(loop, () => got.Count == 18);
            Assert.Equal("over a unix socket"u8.ToArray(), got.ToArray());
            LoopDriver.CloseLoop(loop);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

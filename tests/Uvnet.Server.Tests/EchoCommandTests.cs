using System.Net;
using System.Net.Sockets;
using System.Text;
using Uvnet.Server.Commands;
using Uvnet.Server.Hosting;

namespace Uvnet.Server.Tests;

public class EchoCommandTests
{
    private static ServerHost StartEcho(int loops, TimeSpan? grace = null, bool udp = false)
    {
        var options = new ServerHostOptions
        {
            Loops = loops,
            Port = 0,
            Host = "127.0.0.1",
            GracePeriod = grace ?? ServerHostOptions.DefaultGracePeriod,
            LoopException = (_, e) => Assert.Fail(e.ToString()),
        };
        Assert.True(ServerHost.TryStart(options, loop => new EchoService(loop, udp), out var host, out var error), error?.ToString());
        return host;
    }

    [Fact]
    public void Udp_echoes_datagrams_on_the_tcp_port_of_every_loop_and_stops_with_the_host()
    {
        var host = StartEcho(loops: 2, udp: true);
        using (var tcp = new EchoClient("127.0.0.1", host.Port))
            Assert.Equal("tcp still"u8.ToArray(), tcp.RoundTrip("tcp still"u8.ToArray()));
        using (var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
        {
            udp.Client.ReceiveTimeout = 10_000;
            var server = new IPEndPoint(IPAddress.Loopback, host.Port);
            for (int i = 0; i < 20; i++)
            {
                byte[] message = Encoding.UTF8.GetBytes($"datagram {i}");
                udp.Send(message, server);
                IPEndPoint? from = null;
                Assert.Equal(message, udp.Receive(ref from));
                Assert.Equal(server, from);
            }
        }
        host.Shutdown();
        Assert.True(host.WaitForExit());
        // The UDP port was released with the loops.
        using var again = new UdpClient(new IPEndPoint(IPAddress.Loopback, host.Port));
    }

    // The UDP echo follows --host as the TCP one does: by default (localhost) it holds 127.0.0.1 and ::1, so a client
    // of either loopback gets its echo, and the socket is not on every interface.
    [Fact]
    public void Udp_echo_at_the_default_host_answers_on_both_loopbacks()
    {
        var options = new ServerHostOptions { Loops = 1, Port = 0, Host = Uvnet.Server.Cli.CommandLineOptions.DefaultHost };
        Assert.True(ServerHost.TryStart(options, loop => new EchoService(loop, udp: true), out var host, out var error), error?.ToString());
        foreach (IPAddress loopback in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
        {
            using var udp = new UdpClient(new IPEndPoint(loopback, 0));
            udp.Client.ReceiveTimeout = 10_000;
            var server = new IPEndPoint(loopback, host!.Port);
            udp.Send("to localhost"u8.ToArray(), server);
            IPEndPoint? from = null;
            Assert.Equal("to localhost"u8.ToArray(), udp.Receive(ref from));
            Assert.Equal(server, from);
        }
        host!.Shutdown();
        Assert.True(host.WaitForExit());
    }

    [Fact]
    public void A_udp_port_taken_fails_the_start_with_eaddrinuse()
    {
        using var other = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)other.Client.LocalEndPoint!).Port;
        var options = new ServerHostOptions { Loops = 1, Port = port, Host = "127.0.0.1" };
        Assert.False(ServerHost.TryStart(options, loop => new EchoService(loop, udp: true), out _, out var error));
        Assert.Equal("EADDRINUSE", Assert.IsType<Uvnet.Net.NetException>(error).Code);
    }

    [Fact]
    public void Two_loops_share_a_free_port_and_echo_every_client()
    {
        var host = StartEcho(loops: 2);
        Assert.Equal(2, host.LoopCount);
        Assert.NotEqual(0, host.Port);
        var clients = Enumerable.Range(0, 8).Select(_ => new EchoClient("127.0.0.1", host.Port)).ToList();
        for (int i = 0; i < clients.Count; i++)
        {
            byte[] message = Encoding.UTF8.GetBytes($"hello from client {i}");
            Assert.Equal(message, clients[i].RoundTrip(message));
        }
        clients.ForEach(c => c.Dispose());
        host.Shutdown();
        Assert.True(host.WaitForExit());
    }

    [Fact]
    public void A_large_echo_goes_through_backpressure_intact()
    {
        var host = StartEcho(loops: 1);
        byte[] payload = new byte[8 * 1024 * 1024];
        new Random(7).NextBytes(payload);
        using (var client = new EchoClient("127.0.0.1", host.Port))
            Assert.Equal(payload, client.RoundTrip(payload));
        host.Shutdown();
        Assert.True(host.WaitForExit());
    }

    [Fact]
    public void Shutdown_ends_idle_connections_so_the_loops_exit()
    {
        var host = StartEcho(loops: 2);
        using var client = new EchoClient("127.0.0.1", host.Port);
        Assert.Equal("ping"u8.ToArray(), client.RoundTrip("ping"u8.ToArray()));
        host.Shutdown();
        Assert.Equal(0, client.ReceiveUntilEnd());
        client.EndSending();
        Assert.True(host.WaitForExit());
        Assert.Throws<SocketException>(() => new EchoClient("127.0.0.1", host.Port));
    }

    [Fact]
    public void A_connection_still_open_after_the_grace_period_is_closed()
    {
        var host = StartEcho(loops: 1, grace: TimeSpan.FromMilliseconds(200));
        using var client = new EchoClient("127.0.0.1", host.Port);
        client.RoundTrip("x"u8.ToArray());
        host.Shutdown();
        // The client never ends its side: only the grace period's abort can close the connection.
        Assert.True(host.WaitForExit());
    }

    [Fact]
    public void A_port_taken_by_another_listener_fails_the_start_with_eaddrinuse()
    {
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        int port = ((IPEndPoint)other.LocalEndpoint).Port;
        bool announced = false;
        var options = new ServerHostOptions { Loops = 2, Port = port, Host = "127.0.0.1", ShutdownStarted = () => announced = true };
        Assert.False(ServerHost.TryStart(options, loop => new EchoService(loop), out _, out var error));
        Assert.Equal("EADDRINUSE", Assert.IsType<Uvnet.Net.NetException>(error).Code);
        Assert.False(announced, "a server that never started announced a shutdown");
    }

    [Fact]
    public async Task The_uvnet_program_echoes_and_exits_0_on_sigterm()
    {
        using var process = UvnetProcess.Start("echo", "--port", "0", "--host", "127.0.0.1", "--loops", "2");
        try
        {
            var stderr = process.StandardError.ReadToEndAsync();
            string? first = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.NotNull(first);
            Assert.StartsWith("uvnet echo: a TCP echo server at tcp://127.0.0.1:", first);
            int port = int.Parse(first.Split(' ').Single(w => w.StartsWith("tcp://", StringComparison.Ordinal)).Split(':')[^1]);
            using (var client = new EchoClient("127.0.0.1", port))
                Assert.Equal("over the net layer"u8.ToArray(), client.RoundTrip("over the net layer"u8.ToArray()));
            UvnetProcess.Terminate(process);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(0, process.ExitCode);
            Assert.Contains("shutting down", await stderr);
        }
        finally
        {
            if (!process.HasExited)
                process.Kill();
        }
    }
}

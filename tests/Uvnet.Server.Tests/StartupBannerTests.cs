using System.Net;
using Uvnet.Server.Cli;
using Uvnet.Server.Commands;
using Uvnet.Server.Hosting;

namespace Uvnet.Server.Tests;

public class StartupBannerTests
{
    private static readonly IPAddress[] s_lan = [IPAddress.Parse("192.168.1.20")];

    [Theory]
    [InlineData(null)]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    public void Every_interface_shows_localhost_then_the_lan_addresses(string? host) =>
        Assert.Equal(["http://localhost:8080/", "http://192.168.1.20:8080/"], StartupBanner.HttpUrls(host, 8080, s_lan));

    [Theory]
    [InlineData("127.0.0.1", "http://127.0.0.1:3000/")]
    [InlineData("::1", "http://[::1]:3000/")]
    [InlineData("localhost", "http://localhost:3000/")]
    public void One_address_shows_one_url(string host, string url) =>
        Assert.Equal([url], StartupBanner.HttpUrls(host, 3000, s_lan));

    [Fact]
    public void Serve_names_the_directory_the_urls_and_how_to_stop()
    {
        string banner = ServeCommand.Banner("/srv/site", new CommandLineOptions { Loops = 4, Host = "0.0.0.0" }, 8080, s_lan);
        Assert.Equal(string.Join(Environment.NewLine,
            "Serving /srv/site at http://localhost:8080/",
            "  also at http://192.168.1.20:8080/",
            "4 loops; Ctrl+C to stop"), banner);
    }

    [Fact]
    public void Serve_on_localhost_by_default_says_how_to_share_it_on_the_network()
    {
        string banner = ServeCommand.Banner("/srv/site", new CommandLineOptions { Loops = 4 }, 8080, s_lan);
        Assert.Equal(string.Join(Environment.NewLine,
            "Serving /srv/site at http://localhost:8080/",
            "  this machine only: use --host 0.0.0.0 to share on the network",
            "4 loops; Ctrl+C to stop"), banner);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public void Every_command_on_a_loopback_address_says_how_to_share_it(string host)
    {
        Assert.Contains(StartupBanner.ShareHint, HelloCommand.Banner(new CommandLineOptions { Command = UvnetCommand.Hello, Host = host }, 8080));
        Assert.Contains(StartupBanner.ShareHint, EchoCommand.Banner(new CommandLineOptions { Command = UvnetCommand.Echo, Host = host }, 7007));
    }

    [Fact]
    public void Hello_names_both_endpoints()
    {
        string banner = HelloCommand.Banner(new CommandLineOptions { Command = UvnetCommand.Hello, Loops = 1, Host = "127.0.0.1" }, 8080);
        Assert.Contains("http://127.0.0.1:8080/plaintext", banner);
        Assert.Contains("http://127.0.0.1:8080/json", banner);
        Assert.Contains("1 loop;", banner);
    }

    [Fact]
    public void Echo_says_how_to_try_it() =>
        Assert.Contains("nc localhost 7007", EchoCommand.Banner(new CommandLineOptions { Command = UvnetCommand.Echo }, 7007));

    [Fact]
    public void Echo_with_udp_names_both_addresses()
    {
        string banner = EchoCommand.Banner(new CommandLineOptions { Command = UvnetCommand.Echo, Udp = true }, 7007);
        Assert.Contains("tcp://localhost:7007", banner);
        Assert.Contains("udp://localhost:7007 (try: nc -u localhost 7007)", banner);
    }

    [Fact]
    public void Listen_errors_are_explained_with_a_hint() =>
        Assert.Contains("--port", CommandRunner.Describe(new Uvnet.Net.NetException(UvError.EADDRINUSE, "listen", "::", 8080)));

    [Theory]
    [InlineData(new long[] { 1 }, "1 connection served")]
    [InlineData(new long[] { 0 }, "0 connections served")]
    [InlineData(new long[] { 7, 5 }, "12 connections served (loop 0: 7, loop 1: 5)")]
    public void The_exit_line_counts_connections_per_loop(long[] perLoop, string line) =>
        Assert.Equal(line, CommandRunner.Served(perLoop));

    [Theory]
    [InlineData(LoopBackend.Epoll, null, null)]
    [InlineData(LoopBackend.IoUring, null, "  backend: io_uring")]
    [InlineData(LoopBackend.Epoll, "io_uring unavailable (EPERM: operation not permitted)",
        "  backend: epoll, io_uring unavailable (EPERM: operation not permitted)")]
    public void The_backend_line_names_io_uring_or_why_it_fell_back_and_is_absent_on_the_default(
        LoopBackend backend, string? reason, string? line) =>
        Assert.Equal(line, StartupBanner.BackendLine(backend, reason));
}

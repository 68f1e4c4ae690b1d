using System.Net;
using System.Net.Sockets;
using Uvnet.Server.Commands;
using Uvnet.Server.Hosting;

namespace Uvnet.Server.Tests;

public class ServerHostTests
{
    /// <summary>
    /// A service that "listens" by keeping a timer alive; what Stop and Abort do is the test's to choose, and it may
    /// fail an accept once listening.
    /// </summary>
    private sealed class FakeService(Loop loop, bool stopCloses, Action? onListen = null, Exception? acceptError = null) : ILoopService
    {
        private readonly TimerHandle _alive = new(loop);

        public bool Aborted { get; private set; }

        public int ConnectionCount => 0;

        public long ConnectionsAccepted => 0;

        public void Listen(int port, string? host, Action<int> listening, Action<Exception> failed)
        {
            _alive.Start(_ => { }, 1_000_000);
            onListen?.Invoke();
            loop.Post(() =>
            {
                listening(port == 0 ? 4242 : port);
                if (acceptError is not null)
                    failed(acceptError);
            });
        }

        public void Stop()
        {
            if (stopCloses)
                _alive.Close();
        }

        public void Abort()
        {
            Aborted = true;
            _alive.Close();
        }
    }

    private static ServerHostOptions Options(int loops, Action<int, Exception>? loopException = null, Action<Exception>? acceptError = null) => new()
    {
        Loops = loops,
        GracePeriod = TimeSpan.FromMilliseconds(100),
        LoopException = loopException ?? ((_, e) => Assert.Fail(e.ToString())),
        AcceptError = acceptError,
    };

    [Fact]
    public void Every_loop_gets_its_own_service_and_the_first_loops_port()
    {
        var loops = new System.Collections.Concurrent.ConcurrentBag<Loop>();
        Assert.True(ServerHost.TryStart(Options(3), loop =>
        {
            loops.Add(loop);
            return new FakeService(loop, stopCloses: true);
        }, out var host, out _));
        Assert.Equal(4242, host.Port);
        Assert.Equal(3, loops.Distinct().Count());
        host.Shutdown();
        Assert.True(host.WaitForExit());
    }

    [Fact]
    public void Localhost_holds_both_loopback_addresses_so_no_other_program_takes_the_one_a_client_tries_first()
    {
        // Where localhost is ::1 as well (most systems' /etc/hosts, every browser), clients try ::1 first: a
        // server on 127.0.0.1 alone leaves [::1]:port to any program, which then gets that traffic.
        Assert.True(ServerHost.TryStart(Options(2) with { Host = "localhost" }, loop => new EchoService(loop), out var host, out var error), error?.Message);
        try
        {
            Assert.Equal(SocketError.AddressAlreadyInUse, PortIntruder.TryListen(new IPEndPoint(IPAddress.Loopback, host.Port)));
            Assert.Equal(SocketError.AddressAlreadyInUse, PortIntruder.TryListen(new IPEndPoint(IPAddress.IPv6Loopback, host.Port)));
            using var client = new TcpClient(AddressFamily.InterNetworkV6) { ReceiveTimeout = 30_000 };
            client.Connect(IPAddress.IPv6Loopback, host.Port);
            client.GetStream().Write("ping"u8);
            byte[] echoed = new byte[4];
            client.GetStream().ReadExactly(echoed);
            Assert.Equal("ping"u8.ToArray(), echoed);
        }
        finally
        {
            host.Shutdown();
            Assert.True(host.WaitForExit());
        }
    }

    [Fact]
    public void A_service_that_throws_while_listening_fails_the_start()
    {
        var boom = new InvalidOperationException("boom");
        Assert.False(ServerHost.TryStart(Options(2, (_, _) => { }), _ => throw boom, out var host, out var error));
        Assert.Null(host);
        Assert.Same(boom, error);
    }

    [Fact]
    public void A_callback_that_throws_is_reported_and_the_loop_runs_on()
    {
        var reported = new List<Exception>();
        ServerHost? host = null;
        Assert.True(ServerHost.TryStart(Options(1, (_, e) => { lock (reported) reported.Add(e); }),
            loop => new FakeService(loop, stopCloses: true, () => loop.Post(() => throw new InvalidTimeZoneException())),
            out host, out _));
        host.Shutdown();
        Assert.True(host.WaitForExit());
        Assert.IsType<InvalidTimeZoneException>(Assert.Single(reported));
    }

    [Fact]
    public void An_error_once_listening_is_an_accept_error_told_to_its_option_and_the_loops_serve_on()
    {
        var emfile = new Uvnet.Net.NetException(UvError.EMFILE, "accept");
        var told = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        Assert.True(ServerHost.TryStart(Options(2, acceptError: told.Enqueue),
            loop => new FakeService(loop, stopCloses: true, acceptError: emfile), out var host, out var error), error?.ToString());
        Assert.True(SpinWait.SpinUntil(() => told.Count == 2, TimeSpan.FromSeconds(10)));
        Assert.All(told, e => Assert.Same(emfile, e));
        Assert.False(host.Completion.IsCompleted);
        host.Shutdown();
        Assert.True(host.WaitForExit());
    }

    [Fact]
    public void What_stop_leaves_open_is_aborted_after_the_grace_period()
    {
        FakeService? service = null;
        Assert.True(ServerHost.TryStart(Options(1), loop => service = new FakeService(loop, stopCloses: false), out var host, out _));
        host.Shutdown();
        Assert.True(host.WaitForExit());
        Assert.True(service!.Aborted);
    }

    [Fact]
    public void Shutdown_twice_is_harmless()
    {
        Assert.True(ServerHost.TryStart(Options(2), loop => new FakeService(loop, stopCloses: true), out var host, out _));
        host.Shutdown();
        host.Shutdown();
        Assert.True(host.WaitForExit());
        Assert.True(host.IsShuttingDown);
    }

    [Fact]
    public void Every_loop_writes_stats_lines_and_they_do_not_keep_it_alive()
    {
        var output = new LineWriter();
        var services = new System.Collections.Concurrent.ConcurrentBag<FakeService>();
        var options = Options(2) with { StatsInterval = TimeSpan.FromMilliseconds(10), StatsOutput = output };
        Assert.True(ServerHost.TryStart(options, loop =>
        {
            var service = new FakeService(loop, stopCloses: true);
            services.Add(service);
            return service;
        }, out var host, out _));
        // Each loop's handles: the service's timer and the stats timer.
        Assert.True(SpinWait.SpinUntil(() => output.Lines.Contains("stats loop=0 handles=2 connections=0")
            && output.Lines.Contains("stats loop=1 handles=2 connections=0"), TimeSpan.FromSeconds(10)), string.Join('\n', output.Lines));
        Assert.All(output.Lines, line => Assert.Matches(@"^stats loop=[01] handles=2 connections=0$", line));
        // Stop closes the service's timer: the loops end then, without waiting for the grace period's abort.
        host.Shutdown();
        Assert.True(host.WaitForExit());
        Assert.All(services, s => Assert.False(s.Aborted));
    }

    /// <summary>Collects whole lines from any thread; a line is complete at its newline.</summary>
    private sealed class LineWriter : TextWriter
    {
        private readonly System.Text.StringBuilder _text = new();

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_text)
                    return _text.ToString().Split('\n')[..^1];
            }
        }

        public override void Write(char value)
        {
            lock (_text)
                _text.Append(value);
        }
    }
}

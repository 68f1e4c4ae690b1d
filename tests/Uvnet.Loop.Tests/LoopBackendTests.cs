using System.Net.Sockets;
using Uvnet.Tests.Streams;

namespace Uvnet.Tests;

/// <summary>
/// The backend option (<see cref="LoopOptions.Backend"/>), the <c>UVNET_BACKEND</c> environment variable, the fallback
/// from io_uring to epoll, and the io_uring poller's readiness where it could differ from epoll's. The whole suite
/// runs on io_uring too (CI's second pass sets UVNET_BACKEND=io_uring); these tests pin what that pass cannot.
/// </summary>
public class LoopBackendTests
{
    /// <summary>A loop on io_uring, or the test skipped where this machine blocks io_uring.</summary>
    internal static Loop IoUringLoop()
    {
        var loop = new Loop(new LoopOptions { Backend = LoopBackend.IoUring });
        if (loop.BackendFallbackReason is { } reason)
        {
            loop.Dispose();
            Assert.Skip(reason);
        }
        return loop;
    }

    [Fact]
    public void The_IoUring_option_selects_io_uring()
    {
        using var scope = new LoopScope(IoUringLoop());

        Assert.Equal(LoopBackend.IoUring, scope.Loop.Backend);
        Assert.Null(scope.Loop.BackendFallbackReason);
        scope.Finish();
    }

    [Fact]
    public void The_Epoll_option_selects_epoll_whatever_the_environment_says()
    {
        // CI's second pass sets UVNET_BACKEND=io_uring: an explicit option wins over it.
        using var scope = new LoopScope(new Loop(new LoopOptions { Backend = LoopBackend.Epoll }));

        Assert.Equal(LoopBackend.Epoll, scope.Loop.Backend);
        Assert.Null(scope.Loop.BackendFallbackReason);
        scope.Finish();
    }

    [Fact]
    public void A_failed_io_uring_setup_falls_back_to_a_working_epoll_loop_and_says_why()
    {
        using var scope = new LoopScope(new Loop(new LoopOptions
        {
            Backend = LoopBackend.IoUring,
            SimulatedIoUringSetupStatus = UvError.EPERM, // what a container's seccomp profile answers
        }));
        using var pipe = new TestPipe();
        bool readable = false;
        var poll = scope.StartPoll(pipe.ReadFd, PollEvents.Readable, (_, _, events) => readable |= (events & PollEvents.Readable) != 0);

        Assert.Equal(1, pipe.Write());
        scope.RunUntil(() => readable);

        Assert.Equal(LoopBackend.Epoll, scope.Loop.Backend);
        Assert.Equal("io_uring unavailable (EPERM: operation not permitted)", scope.Loop.BackendFallbackReason);
        poll.Close();
        scope.Finish();
    }

    [Theory]
    [InlineData(null, LoopBackend.Epoll)]
    [InlineData("", LoopBackend.Epoll)]
    [InlineData("epoll", LoopBackend.Epoll)]
    [InlineData("io_uring", LoopBackend.IoUring)]
    public void The_environment_variable_chooses_the_default_backend(string? value, LoopBackend expected) =>
        Assert.Equal(expected, LoopOptions.Resolve(LoopBackend.Default, value));

    [Fact]
    public void An_explicit_backend_is_not_overridden_by_the_environment_variable() =>
        Assert.Equal(LoopBackend.Epoll, LoopOptions.Resolve(LoopBackend.Epoll, "io_uring"));

    [Theory]
    [InlineData("iouring")]
    [InlineData("IO_URING")]
    [InlineData("select")]
    public void An_environment_variable_that_names_no_backend_is_refused(string value)
    {
        var e = Assert.Throws<InvalidOperationException>(() => LoopOptions.Resolve(LoopBackend.Default, value));
        Assert.Contains("UVNET_BACKEND", e.Message);
    }

    [Fact]
    public void A_new_Loop_reads_UVNET_BACKEND()
    {
        // In a child process: the variable is the process's, and this one's other tests create loops meanwhile.
        var (exitCode, output) = ChildProcess.Run("backend-from-environment", environment: ("UVNET_BACKEND", "io_uring"));

        Assert.True(exitCode == 0, output);
        Assert.Contains("IoUring", output);
    }

    /// <summary>The child's half of <see cref="A_new_Loop_reads_UVNET_BACKEND"/>: prints the backend a plain new Loop has.</summary>
    internal static int PrintDefaultBackend()
    {
        using var loop = new Loop();
        Console.WriteLine(loop.BackendFallbackReason is null ? loop.Backend.ToString() : $"fallback: {loop.BackendFallbackReason}");
        return loop.Backend == LoopBackend.IoUring || loop.BackendFallbackReason is not null ? 0 : 1;
    }

    [Fact]
    public void A_backend_that_is_not_a_LoopBackend_is_refused()
    {
        var options = new LoopOptions();

        Assert.Throws<ArgumentOutOfRangeException>(() => options.Backend = (LoopBackend)42);
        Assert.Equal(LoopBackend.Default, options.Backend);
    }

    [Fact]
    public void Kqueue_is_refused_on_Linux()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "kqueue is this system's backend");

        Assert.Throws<PlatformNotSupportedException>(() => new Loop(new LoopOptions { Backend = LoopBackend.Kqueue }));
    }

    [Fact]
    public void Options_are_required() =>
        Assert.Throws<ArgumentNullException>(() => new Loop(null!));

    [Fact]
    public void On_io_uring_what_a_callback_leaves_unread_is_reported_again()
    {
        // epoll's level-triggered readiness, which a multishot poll (one completion per wakeup) would not give: the
        // byte stays unread, no new byte arrives, and the handle is told again in each poll.
        using var scope = new LoopScope(IoUringLoop());
        using var pipe = new TestPipe();
        int calls = 0;
        var poll = scope.StartPoll(pipe.ReadFd, PollEvents.Readable, (_, _, _) => calls++);
        Assert.Equal(1, pipe.Write());

        scope.RunUntil(() => calls >= 3);

        poll.Close();
        scope.Finish();
    }

    [Fact]
    public void On_io_uring_a_handle_stopped_and_started_in_one_iteration_is_told_of_what_is_ready()
    {
        using var scope = new LoopScope(IoUringLoop());
        using var pipe = new TestPipe();
        int calls = 0;
        PollHandle? poll = null;
        poll = scope.StartPoll(pipe.ReadFd, PollEvents.Readable, (p, _, _) =>
        {
            if (++calls == 1)
            {
                // The poll in flight is removed and a new one armed with the same interest: the byte left is
                // reported again.
                p.Stop();
                Assert.Equal(0, p.Start(PollEvents.Readable | PollEvents.Writable, (_, _, events) =>
                {
                    if ((events & PollEvents.Readable) != 0)
                        calls++;
                }));
            }
        });
        Assert.Equal(1, pipe.Write());

        scope.RunUntil(() => calls >= 2);

        poll.Close();
        scope.Finish();
    }

    [Fact]
    public void On_io_uring_a_stream_closed_while_read_sends_its_FIN_before_the_loop_polls_again()
    {
        // An io_uring poll holds its descriptor's file: the socket would stay open, closed descriptor or not, until
        // its poll was removed. The removal is submitted at once, so the close is the peer's at once, as with epoll.
        using var scope = new LoopScope(IoUringLoop());
        TcpHandle? accepted = null;
        var listener = StreamTestKit.Listen(scope.Loop, peer =>
        {
            accepted = peer;
            Assert.Equal(0, peer.ReadStart((_, _, _) => { }));
        });
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        scope.RunUntil(() => accepted is not null);
        scope.Loop.Run(RunMode.NoWait); // the accepted stream's read poll is armed in this poll

        accepted!.Close();
        client.ReceiveTimeout = LoopScope.DeadlineMs;

        Assert.Equal(0, client.Receive(new byte[1])); // end of stream, with the loop not run since the close
        listener.Close();
        scope.Finish();
    }

    [Theory]
    [InlineData(LoopBackend.Epoll)]
    [InlineData(LoopBackend.IoUring)]
    public void A_callback_posted_before_a_descriptor_became_readable_runs_before_its_poll_callback(LoopBackend backend)
    {
        // epoll's order, which code relies on (a posted receive loop, then the datagram it receives): the wakeup,
        // reported by the last wait, is at the head of epoll's ready list; io_uring arms its poll anew only at the
        // next wait, after the descriptor's completion came, and its poller reorders them as epoll has them.
        using var scope = new LoopScope(backend == LoopBackend.IoUring ? IoUringLoop() : new Loop(new LoopOptions { Backend = backend }));
        using var pipe = new TestPipe();
        var order = new List<string>();
        var poll = scope.StartPoll(pipe.ReadFd, PollEvents.Readable, (p, _, _) =>
        {
            order.Add("readable");
            p.Stop();
        });
        bool woken = false;
        scope.Loop.Post(() => woken = true);
        scope.RunUntil(() => woken); // the wakeup was reported by the last wait

        scope.Loop.Post(() => order.Add("posted"));
        Assert.Equal(1, pipe.Write());
        scope.RunUntil(() => order.Count == 2);

        Assert.Equal(["posted", "readable"], order);
        poll.Close();
        scope.Finish();
    }
}

using System.Net.Sockets;
using System.Runtime.InteropServices;
using Uvnet.Tests.Streams;

namespace Uvnet.Tests;

/// <summary>
/// The backend option (<see cref="LoopOptions.Backend"/>), the <c>UVNET_BACKEND</c> environment variable, the fallback
/// from io_uring to epoll, and the io_uring poller's readiness where it could differ from epoll's. The whole suite
/// runs on io_uring too (CI's second pass sets UVNET_BACKEND=io_uring); these tests pin what that pass cannot.
/// </summary>
public partial class LoopBackendTests
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

    /// <summary>A loop on <paramref name="backend"/>; on io_uring as <see cref="IoUringLoop"/>.</summary>
    private static Loop LoopOn(LoopBackend backend) =>
        backend == LoopBackend.IoUring ? IoUringLoop() : new Loop(new LoopOptions { Backend = backend });

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
        using var scope = new LoopScope(LoopOn(backend));
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

    [Fact]
    public void On_io_uring_a_completion_waiting_for_a_descriptor_closed_and_reused_is_not_the_new_owners()
    {
        // The first pipe's poll completes (its completion waits in the ring), then its number is closed and reused
        // (dup2 does both at once) and watched by a second handle: the waiting completion is the old file's and
        // must not tell the new owner, whose pipe is empty, that it is readable.
        using var scope = new LoopScope(IoUringLoop());
        using var first = new TestPipe();
        using var second = new TestPipe();
        int reused = first.ReadFd;
        int staleCalls = 0;
        var stale = scope.StartPoll(reused, PollEvents.Readable, (_, _, _) => staleCalls++);
        scope.Loop.Run(RunMode.NoWait); // armed
        Assert.Equal(1, first.Write());  // completed, not yet reaped
        Assert.Equal(reused, Dup2(second.ReadFd, reused));
        stale.Close();
        bool written = false, readableBeforeWrite = false, readable = false;
        var owner = scope.StartPoll(reused, PollEvents.Readable, (_, status, events) =>
        {
            Assert.Equal(0, status);
            readableBeforeWrite |= !written;
            readable |= (events & PollEvents.Readable) != 0;
        });

        for (int i = 0; i < 3; i++)
            scope.Loop.Run(RunMode.NoWait);
        written = true;
        Assert.Equal(1, second.Write());
        scope.RunUntil(() => readable);

        Assert.False(readableBeforeWrite);
        Assert.Equal(0, staleCalls);
        owner.Close();
        scope.Finish(); // the first pipe's disposal closes the number, now a copy of the second's read end
    }

    [Theory]
    [InlineData(LoopBackend.Epoll)]
    [InlineData(LoopBackend.IoUring)]
    public void A_handle_closed_by_an_earlier_callback_of_the_same_wait_gets_no_callback(LoopBackend backend)
    {
        // Both descriptors are reported by one wait; whichever callback runs first closes the other handle, whose
        // completion is then for a handle freed (and its slot maybe reused) earlier in the batch.
        using var scope = new LoopScope(LoopOn(backend));
        using var a = new TestPipe();
        using var b = new TestPipe();
        int calls = 0;
        PollHandle? first = null, second = null;
        first = scope.StartPoll(a.ReadFd, PollEvents.Readable, (p, _, _) =>
        {
            calls++;
            Close(p, p == first ? second! : first!);
        });
        second = scope.StartPoll(b.ReadFd, PollEvents.Readable, (p, _, _) =>
        {
            calls++;
            Close(p, p == first ? second! : first!);
        });
        scope.Loop.Run(RunMode.NoWait); // both armed
        Assert.Equal(1, a.Write());
        Assert.Equal(1, b.Write());

        scope.RunUntil(() => calls > 0);
        for (int i = 0; i < 3; i++)
            scope.Loop.Run(RunMode.NoWait);

        Assert.Equal(1, calls);
        scope.Finish();

        static void Close(PollHandle self, PollHandle other)
        {
            other.Close();
            self.Close();
            // A new handle takes the freed slot at once: the stale completion must not reach it either.
            var reuse = new PollHandle(self.Loop, other.Fd);
            Assert.Equal(0, reuse.Start(PollEvents.Readable, (h, _, _) => h.Close())); // its byte is still there
        }
    }

    [Fact]
    public void On_io_uring_more_changes_than_the_submission_ring_holds_and_more_completions_than_one_wait_hands_over_all_arrive()
    {
        // 1100 polls armed in one wait (the submission ring holds 512: it is submitted as it fills), all ready at once
        // (one wait hands over 1024 events at most: the rest come with the next).
        const int count = 1100;
        using var scope = new LoopScope(IoUringLoop());
        var pipes = new TestPipe[count];
        var polls = new PollHandle[count];
        int reported = 0;
        try
        {
            for (int i = 0; i < count; i++)
            {
                pipes[i] = new TestPipe();
                Assert.Equal(1, pipes[i].Write());
                polls[i] = scope.StartPoll(pipes[i].ReadFd, PollEvents.Readable, (p, status, _) =>
                {
                    Assert.Equal(0, status);
                    reported++;
                    p.Stop();
                });
            }

            scope.RunUntil(() => reported == count);

            foreach (var poll in polls)
                poll.Close();
            scope.Finish();
        }
        finally
        {
            foreach (var pipe in pipes)
                pipe?.Dispose();
        }
    }

    [Fact]
    public void On_io_uring_polls_armed_by_a_thread_that_has_ended_still_report_readiness_and_no_error()
    {
        // The kernel ties a request to the thread that submitted it: a loop armed on one thread and run on another
        // after the first ended (a loop may move between threads while it is not running) must not see its polls
        // end in errors.
        using var scope = new LoopScope(IoUringLoop());
        using var pipe = new TestPipe();
        var seen = new List<(int Status, PollEvents Events)>();
        var poll = scope.StartPoll(pipe.ReadFd, PollEvents.Readable, (p, status, events) =>
        {
            seen.Add((status, events));
            p.Stop();
        });
        var thread = new Thread(() => scope.Loop.Run(RunMode.NoWait)); // arms the poll, then ends
        thread.Start();
        thread.Join();
        for (int i = 0; i < 3; i++)
            scope.Loop.Run(RunMode.NoWait);

        Assert.Empty(seen);
        Assert.Equal(1, pipe.Write());
        scope.RunUntil(() => seen.Count > 0);

        Assert.Equal([(0, PollEvents.Readable)], seen);
        poll.Close();
        scope.Finish();
    }

    [Theory]
    [InlineData(LoopBackend.Epoll)]
    [InlineData(LoopBackend.IoUring)]
    public void Run_Once_waits_for_its_timer_though_a_poll_was_stopped_while_in_flight(LoopBackend backend)
    {
        // libuv's timer_run_once (test-timer.c): Run(Once) blocks in the poll until the timer is due, then runs it.
        // On io_uring, a poll stopped while in flight leaves its cancellation's completion in the ring: that is no
        // news for the loop, and must not end the wait (epoll_wait would not have returned).
        using var scope = new LoopScope(LoopOn(backend));
        using var idle = new TestPipe();
        using var stopped = new TestPipe();
        var watching = scope.StartPoll(idle.ReadFd, PollEvents.Readable, (_, _, _) => { });
        var poll = scope.StartPoll(stopped.ReadFd, PollEvents.Readable, (_, _, _) => { });
        scope.Loop.Run(RunMode.NoWait); // arms both polls
        poll.Stop();
        int fired = 0;
        var timer = new TimerHandle(scope.Loop);
        timer.Start(_ => fired++, 500);

        scope.Loop.Run(RunMode.Once);

        Assert.Equal(1, fired);
        timer.Close();
        poll.Close();
        watching.Close();
        scope.Finish();
    }

    [LibraryImport("libc.so.6", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(int fd, int target);
}

using Uvnet.Interop;

namespace Uvnet.Tests.Streams;

/// <summary>
/// A stream whose descriptor the poller refuses (a regular file or /dev/null adopted with <see cref="PipeHandle.Open"/>:
/// epoll says EPERM; a descriptor another handle of the loop already watches: EEXIST) must say so when it starts
/// reading, as <see cref="PollHandle.Start"/> does, instead of reporting success and never calling back.
/// </summary>
public unsafe class StreamRegistrationRefusedTests
{
    [Fact]
    public void ReadStart_on_an_opened_descriptor_the_poller_refuses_returns_EPERM_and_leaves_the_loop_free()
    {
        using var scope = new LoopScope();
        int fd;
        fixed (byte* path = "/dev/null\0"u8)
            fd = Libc.Open(path, Libc.O_CLOEXEC);
        Assert.True(fd >= 0);
        var stream = new PipeHandle(scope.Loop);
        Assert.Equal(0, stream.Open(fd));
        Assert.Equal(UvError.EPERM, stream.ReadStart((_, _, _) => { }));
        Assert.False(stream.IsReading);
        Assert.False(stream.IsActive); // nothing will ever call back: the loop must not wait for it
        stream.Close();
        scope.Finish();
    }

    [Fact]
    public void ReadStart_on_a_descriptor_a_poll_handle_watches_returns_EEXIST()
    {
        using var scope = new LoopScope();
        int* fds = stackalloc int[2];
        Assert.Equal(0, Libc.Pipe(fds));
        var poll = new PollHandle(scope.Loop, fds[0]);
        Assert.Equal(0, poll.Start(PollEvents.Readable, (_, _, _) => { }));
        var stream = new PipeHandle(scope.Loop);
        Assert.Equal(0, stream.Open(fds[0]));
        Assert.Equal(UvError.EEXIST, stream.ReadStart((_, _, _) => { }));
        Assert.False(stream.IsReading);
        Assert.False(stream.IsActive);
        poll.Close();
        stream.Close(); // the stream owns the read end
        Libc.CloseQuietly(fds[1]);
        scope.Finish();
    }

    [Fact]
    public void A_write_left_queued_on_a_descriptor_a_poll_handle_watches_fails_with_EEXIST()
    {
        using var scope = new LoopScope();
        int* fds = stackalloc int[2];
        Assert.Equal(0, Libc.Pipe(fds));
        var poll = new PollHandle(scope.Loop, fds[1]);
        Assert.Equal(0, poll.Start(PollEvents.Writable, (p, _, _) => p.Stop()));
        var stream = new PipeHandle(scope.Loop);
        Assert.Equal(0, stream.Open(fds[1]));
        int status = 1;
        // More than the pipe holds: the rest waits for the descriptor to become writable, which nothing can report.
        Assert.Equal(0, stream.Write(new byte[1 << 20], (_, s) => status = s));
        scope.RunUntil(() => status != 1);
        Assert.Equal(UvError.EEXIST, status);
        Assert.False(stream.IsActive);
        poll.Close();
        stream.Close(); // the stream owns the write end
        Libc.CloseQuietly(fds[0]);
        scope.Finish();
    }
}

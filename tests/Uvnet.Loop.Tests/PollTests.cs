using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Uvnet.Tests;

/// <summary>PollHandle watches a descriptor the user owns for readable, writable and disconnect, as uv_poll_t; after libuv's test-poll.c.</summary>
public sealed partial class PollTests
{
    [Fact]
    public void PipeBecomesReadableWhenWrittenTo()
    {
        using var scope = new LoopScope();
        using var pipe = new TestPipe();
        var seen = new List<(int Status, PollEvents Events)>();
        var poll = scope.StartPoll(pipe.ReadFd, PollEvents.Readable, (p, status, events) =>
        {
            seen.Add((status, events));
            Assert.True(pipe.Read() > 0);
            p.Close();
        });
        Assert.True(poll.IsActive);
        Assert.Equal(pipe.ReadFd, poll.FileDescriptor);

        Assert.Equal(3, pipe.Write(3));
        Assert.False(scope.Loop.Run());

        Assert.Equal([(0, PollEvents.Readable)], seen);
        scope.Finish();
    }

    [Fact]
    public void EmptyPipeIsNotReadable()
    {
        using var scope = new LoopScope();
        using var pipe = new TestPipe();
        var poll = scope.StartPoll(pipe.ReadFd, PollEvents.Readable, (_, _, _) => Assert.Fail("an empty pipe was reported readable"));

        Assert.True(scope.Loop.Run(RunMode.NoWait));

        poll.Close();
        scope.Finish();
    }

    [Fact]
    public void PipeWriteEndIsWritable()
    {
        using var scope = new LoopScope();
        using var pipe = new TestPipe();
        PollEvents seen = PollEvents.None;
        var poll = scope.StartPoll(pipe.WriteFd, PollEvents.Writable, (p, status, events) =>
        {
            Assert.Equal(0, status);
            seen = events;
            p.Stop();
        });

        scope.Loop.Run();

        Assert.Equal(PollEvents.Writable, seen);
        poll.Close();
        scope.Finish();
    }

    [Fact]
    public void ReadinessIsLevelTriggeredUntilTheDataIsRead()
    {
        using var scope = new LoopScope();
        using var pipe = new TestPipe();
        int calls = 0;
        var poll = scope.StartPoll(pipe.ReadFd, PollEvents.Readable, (_, _, _) => calls++);
        pipe.Write();

        scope.Loop.Run(RunMode.NoWait);
        scope.Loop.Run(RunMode.NoWait);
        Assert.Equal(2, calls);

        Assert.Equal(1, pipe.Read());
        scope.Loop.Run(RunMode.NoWait);
        Assert.Equal(2, calls);

        poll.Close();
        scope.Finish();
    }

    [Fact]
    public void ReadableAndWritableCanBeWatchedTogetherAndChanged()
    {
        using var scope = new LoopScope();
        using var pair = new TestSocketPair();
        var seen = new List<PollEvents>();
        void Record(PollHandle p, int status, PollEvents events)
        {
            Assert.Equal(0, status);
            seen.Add(events);
        }
        var poll = scope.StartPoll(pair.ServerFd, PollEvents.Readable | PollEvents.Writable, Record);
        pair.Client.Send([1]);
        scope.RunUntil(() => seen.Count > 0 && seen[^1] == (PollEvents.Readable | PollEvents.Writable), RunMode.NoWait);

        Assert.Equal(0, poll.Start(PollEvents.Writable, Record));
        seen.Clear();
        scope.Loop.Run(RunMode.NoWait);

        Assert.Equal([PollEvents.Writable], seen);
        poll.Close();
        scope.Finish();
    }

    [Fact]
    public void StoppedPollHandleReportsNothing()
    {
        using var scope = new LoopScope();
        using var pipe = new TestPipe();
        var poll = scope.StartPoll(pipe.ReadFd, PollEvents.Readable, (_, _, _) => Assert.Fail("a stopped poll handle was called"));
        pipe.Write();

        poll.Stop();
        poll.Stop();

        Assert.False(poll.IsActive);
        Assert.False(scope.Loop.Run());
        poll.Close();
        scope.Finish();
    }

    [Fact]
    public void PollHandleCanBeRestartedAfterStop()
    {
        using var scope = new LoopScope();
        using var pipe = new TestPipe();
        int calls = 0;
        var poll = scope.StartPoll(pipe.ReadFd, PollEvents.Readable, (_, _, _) => calls++);
        poll.Stop();
        scope.Loop.Run(RunMode.NoWait);

        pipe.Write();
        Assert.Equal(0, poll.Start(PollEvents.Readable, (p, _, _) =>
        {
            calls++;
            p.Stop();
        }));
        scope.Loop.Run();

        Assert.Equal(1, calls);
        poll.Close();
        scope.Finish();
    }

    [Fact]
    public void ClosedWriteEndMakesTheReadEndReadable()
    {
        using var scope = new LoopScope();
        using var pipe = new TestPipe();
        var seen = new List<(int Status, PollEvents Events)>();
        var poll = scope.StartPoll(pipe.ReadFd, PollEvents.Readable, (p, status, events) =>
        {
            seen.Add((status, events));
            Assert.Equal(0, pipe.Read()); // end of file
            p.Stop();
        });

        pipe.CloseWriteEnd();
        scope.Loop.Run();

        Assert.Equal([(0, PollEvents.Readable)], seen);
        poll.Close();
        scope.Finish();
    }

    [Fact]
    public void ErrorOnTheDescriptorReportsEbadfAndStopsTheHandle()
    {
        // The write end of a pipe whose read end is closed reports EPOLLERR: status EBADF, as libuv's uv__poll_io.
        using var scope = new LoopScope();
        using var pipe = new TestPipe();
        var seen = new List<(int Status, PollEvents Events)>();
        var poll = scope.StartPoll(pipe.WriteFd, PollEvents.Readable, (p, status, events) =>
        {
            seen.Add((status, events));
            Assert.False(p.IsActive);
        });

        pipe.CloseReadEnd();
        Assert.False(scope.Loop.Run());

        Assert.Equal([(UvError.EBADF, PollEvents.None)], seen);
        poll.Close();
        scope.Finish();
    }

    [Fact]
    public void PeerShutdownIsReportedAsDisconnect()
    {
        using var scope = new LoopScope();
        using var pair = new TestSocketPair();
        PollEvents seen = PollEvents.None;
        var poll = scope.StartPoll(pair.ServerFd, PollEvents.Readable | PollEvents.Disconnect, (p, status, events) =>
        {
            Assert.Equal(0, status);
            seen = events;
            p.Stop();
        });

        pair.Client.Shutdown(SocketShutdown.Send);
        scope.Loop.Run();

        Assert.Equal(PollEvents.Readable | PollEvents.Disconnect, seen);
        poll.Close();
        scope.Finish();
    }

    [Fact]
    public void ClosingThePollHandleLeavesTheDescriptorOpen()
    {
        using var scope = new LoopScope();
        using var pipe = new TestPipe();
        var poll = scope.StartPoll(pipe.ReadFd, PollEvents.Readable, (_, _, _) => { });

        poll.Close();
        scope.Loop.Run();

        Assert.Equal(1, pipe.Write());
        Assert.Equal(1, pipe.Read());
        scope.Finish();
    }

    [Fact]
    public void DescriptorCanBeWatchedAgainByANewHandleAfterClose()
    {
        using var scope = new LoopScope();
        using var pipe = new TestPipe();
        var first = new PollHandle(scope.Loop, pipe.ReadFd);
        Assert.Equal(0, first.Start(PollEvents.Readable, (_, _, _) => Assert.Fail("a closed poll handle was called")));
        first.Close();

        var second = new PollHandle(scope.Loop, pipe.ReadFd);
        bool called = false;
        Assert.Equal(0, second.Start(PollEvents.Readable, (p, _, _) =>
        {
            called = true;
            p.Close();
        }));
        pipe.Write();
        scope.Loop.Run();

        Assert.True(called);
        scope.Finish();
    }

    [Fact]
    public void SecondHandleOnTheSameDescriptorGetsEexist()
    {
        using var scope = new LoopScope();
        using var pipe = new TestPipe();
        var first = new PollHandle(scope.Loop, pipe.ReadFd);
        var second = new PollHandle(scope.Loop, pipe.ReadFd);
        Assert.Equal(0, first.Start(PollEvents.Readable, (_, _, _) => { }));

        Assert.Equal(UvError.EEXIST, second.Start(PollEvents.Readable, (_, _, _) => { }));

        Assert.False(second.IsActive);
        first.Close();
        second.Close();
        scope.Finish();
    }

    [Fact]
    public void RegularFileCannotBePolled()
    {
        using var scope = new LoopScope();
        string path = Path.GetTempFileName();
        try
        {
            using var file = File.OpenHandle(path, FileMode.Open);
            var poll = new PollHandle(scope.Loop, (int)file.DangerousGetHandle());

            Assert.Equal(UvError.EPERM, poll.Start(PollEvents.Readable, (_, _, _) => { }));

            Assert.False(poll.IsActive);
            poll.Close();
            scope.Finish();
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void HandleClosedByAnEarlierCallbackOfTheSamePollGetsNoEvent()
    {
        using var scope = new LoopScope();
        using var a = new TestPipe();
        using var b = new TestPipe();
        var first = new PollHandle(scope.Loop, a.ReadFd);
        var second = new PollHandle(scope.Loop, b.ReadFd);
        int calls = 0;
        void CloseBoth(PollHandle p, int status, PollEvents events)
        {
            calls++;
            first.Close();
            second.Close();
        }
        Assert.Equal(0, first.Start(PollEvents.Readable, CloseBoth));
        Assert.Equal(0, second.Start(PollEvents.Readable, CloseBoth));
        a.Write();
        b.Write();

        scope.Loop.Run();

        Assert.Equal(1, calls);
        scope.Finish();
    }

    [Fact]
    public void NegativeDescriptorIsAProgrammerError()
    {
        using var scope = new LoopScope();

        Assert.Throws<ArgumentOutOfRangeException>(() => new PollHandle(scope.Loop, -1));

        scope.Finish();
    }

    [Fact]
    public void PollHandleClosedAfterItsDescriptorWasReusedLeavesTheNewOwnerWatching()
    {
        // The wrong order libuv warns about: the descriptor closed while watched, its number reused (dup2 does
        // both at once, so no other test's descriptor can take the number in between), a second handle watching
        // the number, and only then the first handle closed. It used to unregister the number, that is the
        // second handle's registration.
        using var scope = new LoopScope();
        using var first = new TestPipe();
        using var second = new TestPipe();
        int reused = first.ReadFd;
        int staleCalls = 0;
        var stale = scope.StartPoll(reused, PollEvents.Readable, (_, _, _) => staleCalls++);
        Assert.Equal(reused, Dup2(second.ReadFd, reused)); // closes the first pipe's read end; the number now reads the second pipe
        bool readable = false;
        var owner = scope.StartPoll(reused, PollEvents.Readable, (_, status, events) =>
        {
            Assert.Equal(0, status);
            readable |= (events & PollEvents.Readable) != 0;
        });

        stale.Close();
        Assert.Equal(1, second.Write());
        scope.RunUntil(() => readable);

        Assert.Equal(0, staleCalls);
        owner.Close();
        scope.Finish(); // the first pipe's disposal closes the number, now a copy of the second's read end
    }

    [Fact]
    public void RestartOfAHandleWhoseDescriptorNumberWasReusedByAnotherGetsEexist()
    {
        using var scope = new LoopScope();
        using var first = new TestPipe();
        using var second = new TestPipe();
        int reused = first.ReadFd;
        var stale = scope.StartPoll(reused, PollEvents.Readable, (_, _, _) => { });
        Assert.Equal(reused, Dup2(second.ReadFd, reused));
        var owner = scope.StartPoll(reused, PollEvents.Readable, (_, _, _) => { });

        stale.Stop();
        Assert.Equal(UvError.EEXIST, stale.Start(PollEvents.Readable | PollEvents.Writable, (_, _, _) => { }));
        bool readable = false;
        owner.Start(PollEvents.Readable, (_, _, events) => readable |= (events & PollEvents.Readable) != 0);
        Assert.Equal(1, second.Write());
        scope.RunUntil(() => readable);

        stale.Close();
        owner.Close();
        scope.Finish();
    }

    [Fact]
    public void PollHandleRestartedAfterItsDescriptorWasReplacedWatchesTheNewOne()
    {
        // As documented (and as libuv, whose uv_poll_stop removes the descriptor from epoll at once): the number
        // reused under a watching handle, the handle stopped and started again watches what the number is now. The
        // stop was deferred to the next poll, where the restart cancelled it, so the poller kept nothing for the new
        // descriptor and no event ever came.
        using var scope = new LoopScope();
        using var first = new TestPipe();
        using var second = new TestPipe();
        int reused = first.ReadFd;
        bool readable = false;
        Action<PollHandle, int, PollEvents> onReady = (_, status, events) =>
        {
            Assert.Equal(0, status);
            readable |= (events & PollEvents.Readable) != 0;
        };
        var poll = scope.StartPoll(reused, PollEvents.Readable, onReady);
        scope.Loop.Run(RunMode.NoWait);
        Assert.Equal(reused, Dup2(second.ReadFd, reused)); // the first pipe's read end closed under the handle
        poll.Stop();
        Assert.Equal(0, poll.Start(PollEvents.Readable, onReady));
        Assert.Equal(1, second.Write());
        scope.RunUntil(() => readable);

        poll.Close();
        scope.Finish(); // the first pipe's disposal closes the number, now a copy of the second's read end
    }

    [LibraryImport("libc.so.6", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(int fd, int target);
}

using System.Runtime.InteropServices;

namespace Uvnet.Tests;

/// <summary>After libuv's signal tests: a watched signal runs the callback on the loop thread instead of its default action.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public partial class SignalTests
{
    // SIGWINCH: harmless when nobody watches it (its default action is to ignore it).
    private const PosixSignal Sigwinch = PosixSignal.SIGWINCH;

    [LibraryImport("libc.so.6", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    private const int SigwinchNumber = 28;

    [Fact]
    public void Watched_signal_runs_the_callback_on_the_loop_thread()
    {
        var loop = new Loop();
        var handle = new SignalHandle(loop);
        int calls = 0, thread = 0;
        PosixSignal seen = default;
        handle.Start(Sigwinch, (h, s) =>
        {
            calls++;
            seen = s;
            thread = Environment.CurrentManagedThreadId;
            h.Stop();
        });
        Assert.True(handle.IsActive);
        Assert.Equal(0, Kill(Environment.ProcessId, SigwinchNumber));
        // The started handle keeps the loop alive until its callback stops it.
        loop.Run();
        Assert.Equal(1, calls);
        Assert.Equal(Sigwinch, seen);
        Assert.Equal(Environment.CurrentManagedThreadId, thread);
        handle.Close();
        loop.Run();
        Assert.Equal(0, loop.Close());
    }

    [Fact]
    public void A_signal_the_runtime_delivers_after_Stop_keeps_its_default_action()
    {
        // The runtime runs the handlers it copied when the signal arrived, possibly after the handle stopped: the
        // stopped handle cancelled the signal anyway, so a second Ctrl+C, meant to quit once the watcher stopped,
        // did nothing.
        using var scope = new LoopScope();
        var handle = new SignalHandle(scope.Loop);
        bool called = false;
        handle.Start(Sigwinch, (_, _) => called = true);
        handle.Stop();
        var afterStop = new PosixSignalContext(Sigwinch);
        handle.OnSignal(afterStop);
        Assert.False(afterStop.Cancel);
        scope.Loop.Run(RunMode.NoWait);
        Assert.False(called);
        handle.Close();
        scope.Finish();
    }

    [Fact]
    public void Unreferenced_signal_handle_does_not_keep_the_loop_alive()
    {
        var loop = new Loop();
        var handle = new SignalHandle(loop);
        handle.Start(Sigwinch, (_, _) => { });
        handle.Unref();
        Assert.False(loop.Run()); // returns at once
        handle.Close();
        loop.Run();
        Assert.Equal(0, loop.Close());
    }

    // A raw number no system has: PosixSignalRegistration refuses it.
    private const PosixSignal NoSuchSignal = (PosixSignal)9999;

    // SIGKILL: known, but the system refuses to let it be handled.
    private const PosixSignal Sigkill = (PosixSignal)9;

    [Theory]
    [InlineData(NoSuchSignal)]
    [InlineData(Sigkill)]
    public void Refused_start_leaves_a_started_handle_watching_its_signal(PosixSignal refused)
    {
        using var scope = new LoopScope();
        var handle = new SignalHandle(scope.Loop);
        var calls = new List<PosixSignal>();
        handle.Start(Sigwinch, (_, s) => calls.Add(s));

        Exception error = Assert.ThrowsAny<Exception>(() => handle.Start(refused, (_, _) => calls.Add(refused)));
        Assert.IsType(refused == Sigkill ? typeof(IOException) : typeof(PlatformNotSupportedException), error);

        Assert.True(handle.IsActive);
        Assert.Equal(Sigwinch, handle.Signal);
        Assert.Equal(0, Kill(Environment.ProcessId, SigwinchNumber));
        scope.RunUntil(() => calls.Count > 0);
        Assert.Equal([Sigwinch], calls);
        handle.Close();
        scope.Finish();
    }

    [Fact]
    public void Refused_start_leaves_a_stopped_handle_stopped()
    {
        using var scope = new LoopScope();
        var handle = new SignalHandle(scope.Loop);

        Assert.Throws<PlatformNotSupportedException>(() => handle.Start(NoSuchSignal, (_, _) => { }));

        Assert.False(handle.IsActive);
        Assert.Equal(default, handle.Signal);
        Assert.False(scope.Loop.Run()); // nothing keeps the loop alive
        handle.Close();
        scope.Finish();
    }

    [Fact]
    public void Restart_under_a_signal_storm_never_leaves_the_signal_to_its_default_action()
    {
        // SIGUSR1's default action ends the process, so the storm runs in a child: a restart that unregistered
        // before registering left moments with no handler, and the child died of the signal.
        var (exitCode, output) = ChildProcess.Run("signal-restart");
        Assert.True(exitCode == 0, $"exit code {exitCode}: {output}");
        Assert.Contains("OK", output);
    }

    [Fact]
    public void Signal_that_reaches_a_handle_after_its_loop_closed_is_dropped_without_ending_the_process()
    {
        // The runtime calls its handlers on a thread of its own, where an exception ends the process: in a child.
        // The handle posted to its closed loop, which threw ObjectDisposedException there (uvnet exited with 134).
        var (exitCode, output) = ChildProcess.Run("signal-after-close");
        Assert.True(exitCode == 0, $"exit code {exitCode}: {output}");
        Assert.Contains("OK", output);
    }
}

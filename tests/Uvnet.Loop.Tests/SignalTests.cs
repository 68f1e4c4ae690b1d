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
}

using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Uvnet.Tests;

/// <summary>
/// Runs in a child process (see <see cref="SignalTests"/>): a signal reaches a handle after the handle and its loop
/// have closed, as in <c>uvnet</c> with two loops, where the runtime called the first loop's SIGTERM handler after
/// the second loop's had stopped every loop. Exits 0, printing OK, if the process survived it.
/// </summary>
/// <remarks>
/// The runtime (.NET 10) calls, on one thread, every handler registered when the signal arrived, the latest
/// registered first. A handler registered after the handle is called before it, and holds that thread until the
/// loop has closed; one registered before the handle is called after it, and tells that the handle's was.
/// </remarks>
internal static partial class SignalAfterCloseScenario
{
    private const int Sigwinch = 28; // Linux's number; ignored by default, so a stray one is harmless

    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);

    [LibraryImport("libc.so.6", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    internal static int Run()
    {
        var calls = new ConcurrentQueue<string>();
        using var held = new ManualResetEventSlim();
        using var loopClosed = new ManualResetEventSlim();
        using var done = new ManualResetEventSlim();
        using var after = PosixSignalRegistration.Create((PosixSignal)Sigwinch, _ =>
        {
            calls.Enqueue("after");
            done.Set();
        });
        var loop = new Loop();
        var handle = new SignalHandle(loop);
        handle.Start((PosixSignal)Sigwinch, (_, _) => { });
        using var before = PosixSignalRegistration.Create((PosixSignal)Sigwinch, _ =>
        {
            held.Set();
            loopClosed.Wait(s_bound);
            calls.Enqueue("before");
        });

        if (Kill(Environment.ProcessId, Sigwinch) != 0 || !held.Wait(s_bound))
            return Fail("the signal did not arrive");
        handle.Close();
        loop.Run();
        if (loop.Close() != 0)
            return Fail("the loop did not close");
        loopClosed.Set();
        if (!done.Wait(s_bound))
            return Fail("the handler registered first was not called: the runtime no longer calls every handler, and this scenario tests nothing");
        if (!calls.SequenceEqual(["before", "after"]))
            return Fail($"the runtime called the handlers in another order ({string.Join(", ", calls)}): this scenario tests nothing");
        Console.WriteLine("OK: the signal reached the handle after its loop closed");
        return 0;
    }

    private static int Fail(string why)
    {
        Console.WriteLine(why);
        return 1;
    }
}

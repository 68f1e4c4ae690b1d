using System.Runtime.InteropServices;

namespace Uvnet.Tests;

/// <summary>
/// Runs in a child process (see <see cref="SignalTests"/>): restarts a handle on SIGUSR1, whose default action
/// ends the process, while another thread sends SIGUSR1 without pause. Exits 0, printing OK, if it survived.
/// </summary>
internal static partial class SignalRestartScenario
{
    private const int Restarts = 20_000;
    private const int Sigusr1 = 10; // Linux's number

    [LibraryImport("libc.so.6", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    internal static int Run()
    {
        // Never disposed: see the end.
        var scope = new LoopScope();
        var handle = new SignalHandle(scope.Loop);
        Action<SignalHandle, PosixSignal> callback = (_, _) => { };
        handle.Start((PosixSignal)Sigusr1, callback);
        bool stop = false;
        int sent = 0;
        var sender = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                Kill(Environment.ProcessId, Sigusr1);
                sent++;
            }
        });
        sender.Start();

        for (int i = 0; i < Restarts; i++)
            handle.Start((PosixSignal)Sigusr1, callback);
        Volatile.Write(ref stop, true);
        sender.Join();

        // The handle is left watching as the process exits. The runtime hands each signal to a thread-pool work item,
        // and those run in no fixed order, so no later signal can tell that every SIGUSR1 was dispatched; a handle
        // stopped or closed here would leave the stragglers their default action, as it should, and end the child.
        Console.WriteLine($"OK: {Restarts} restarts under {sent} signals");
        return 0;
    }
}

using System.Runtime.InteropServices;

namespace Uvnet.Tests;

/// <summary>
/// Runs in a child process (see <see cref="SignalTests"/>): restarts a handle on SIGUSR1, whose default action
/// ends the process, while another thread sends SIGUSR1 without pause. Exits 0, printing OK, if it survived.
/// </summary>
internal static partial class SignalRestartScenario
{
    private const int Restarts = 20_000;
    private const int Sigusr1 = 10, Sigwinch = 28; // Linux's numbers

    [LibraryImport("libc.so.6", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    internal static int Run()
    {
        using var scope = new LoopScope();
        var handle = new SignalHandle(scope.Loop);
        var marker = new SignalHandle(scope.Loop);
        bool markerSeen = false;
        marker.Start((PosixSignal)Sigwinch, (_, _) => markerSeen = true);
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

        // Every SIGUSR1 sent reached the runtime before its kill returned, and the runtime takes signals in
        // order: once the marker's callback ran, none is left that could find the handle stopped.
        Kill(Environment.ProcessId, Sigwinch);
        scope.RunUntil(() => markerSeen);
        handle.Close();
        marker.Close();
        scope.Finish();
        Console.WriteLine($"OK: {Restarts} restarts under {sent} signals");
        return 0;
    }
}

using System.Net.Sockets;
using System.Runtime.InteropServices;
using Uvnet.Interop;

namespace Uvnet.Tests.Streams;

/// <summary>
/// Runs in a child process (see <see cref="TcpEmfileTests"/>): exhausts the descriptor table with
/// connections waiting on a listener, checks the listener reports EMFILE without spinning, then serves
/// normally once descriptors free up. Prints what it saw; exits 0 when everything held.
/// </summary>
internal static unsafe partial class EmfileScenario
{
    private const int RLIMIT_NOFILE = 7;

    [LibraryImport("libc.so.6", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRLimit(int resource, ulong* limits);

    internal static int Run()
    {
        Console.WriteLine("emfile scenario"); // opens stdout now: later there is no descriptor for it
        ulong* limits = stackalloc ulong[2] { 256, 256 };
        Check(SetRLimit(RLIMIT_NOFILE, limits) == 0, "setrlimit");

        var loop = new Loop();
        var emfileReports = 0;
        var accepted = 0;
        var server = new TcpHandle(loop);
        Check(server.Bind(StreamTestKit.AnyLoopback) == 0, "bind");
        var port = server.LocalEndPoint!.Port;
        Check(server.Listen(64, (s, status) =>
        {
            if (status == UvError.EMFILE || status == UvError.ENFILE)
            {
                emfileReports++;
                return;
            }
            Check(status == 0, $"connection status {UvError.Name(status)}");
            var client = new TcpHandle(loop);
            Check(s.Accept(client) == 0, "accept");
            accepted++;
            client.Close();
        }) == 0, "listen");

        // Clients waiting in the backlog, then a table filled to the last descriptor.
        var waiting = Enumerable.Range(0, 8).Select(_ => Connect(port)).ToList();
        var filler = new List<FileStream>();
        try
        {
            while (true)
                filler.Add(File.OpenRead("/dev/null"));
        }
        catch (IOException)
        {
        }
        Console.WriteLine($"filled the table with {filler.Count} descriptors");

        RunIterations(loop, () => emfileReports > 0);
        Check(accepted == 0, "nothing can be accepted while the table is full");

        // Not spinning: with the waiting connections shed, a 100 ms wait is a handful of iterations at most.
        int reportsAfterShed = emfileReports;
        int iterations = 0;
        var wait = new TimerHandle(loop);
        bool waited = false;
        wait.Start(_ => waited = true, 100);
        while (!waited)
        {
            loop.Run(RunMode.Once);
            iterations++;
        }
        Console.WriteLine($"EMFILE reported {emfileReports} time(s); {iterations} iteration(s) during a 100 ms wait");
        Check(iterations <= 5, "the listener spins");
        Check(emfileReports == reportsAfterShed, "EMFILE reported again without new connections");

        // The shed clients were closed, not left hanging.
        var buffer = new byte[1];
        foreach (var socket in waiting)
        {
            socket.ReceiveTimeout = 5000;
            try { Check(socket.Receive(buffer) == 0, "a shed client reads EOF"); }
            catch (SocketException e) { Check(e.SocketErrorCode == SocketError.ConnectionReset, $"shed client: {e.SocketErrorCode}"); }
            socket.Dispose();
        }

        // Recovery: with descriptors free again, connections are accepted as usual.
        filler.ForEach(f => f.Dispose());
        var late = Enumerable.Range(0, 3).Select(_ => Connect(port)).ToList();
        RunIterations(loop, () => accepted == 3);
        late.ForEach(s => s.Dispose());

        wait.Close();
        server.Close();
        loop.Run();
        Check(loop.Close() == 0, "loop close");
        Console.WriteLine("OK");
        return 0;
    }

    private static Socket Connect(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Connect(System.Net.IPAddress.Loopback, port);
        return socket;
    }

    private static void RunIterations(Loop loop, Func<bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!done())
        {
            Check(DateTime.UtcNow < deadline, "condition not reached within 20 s");
            loop.Run(RunMode.NoWait);
        }
    }

    private static void Check(bool condition, string what)
    {
        if (condition)
            return;
        Console.WriteLine($"FAILED: {what}");
        Environment.Exit(1);
    }
}

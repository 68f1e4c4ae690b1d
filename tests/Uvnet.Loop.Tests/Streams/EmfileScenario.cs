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

    /// <summary>With the loop's reserve: the waiting clients are shed at once.</summary>
    internal static int Run()
    {
        using var scene = new Scene("emfile scenario");
        var waiting = Enumerable.Range(0, 8).Select(_ => Connect(scene.Port)).ToList();
        var filler = FillTable();

        RunIterations(scene.Loop, () => scene.EmfileReports > 0);
        Check(scene.Accepted == 0, "nothing can be accepted while the table is full");

        // Not spinning: with the waiting connections shed, a 100 ms wait is a handful of iterations at most.
        int reportsAfterShed = scene.EmfileReports;
        int iterations = IterationsDuring(scene.Loop, 100);
        Console.WriteLine($"EMFILE reported {scene.EmfileReports} time(s); {iterations} iteration(s) during a 100 ms wait");
        Check(iterations <= 5, "the listener spins");
        Check(scene.EmfileReports == reportsAfterShed, "EMFILE reported again without new connections");

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
        var late = Enumerable.Range(0, 3).Select(_ => Connect(scene.Port)).ToList();
        RunIterations(scene.Loop, () => scene.Accepted == 3);
        late.ForEach(s => s.Dispose());
        Console.WriteLine("OK");
        return 0;
    }

    /// <summary>
    /// Without the reserve, as when another loop's thread took the descriptor it freed: the clients cannot be shed,
    /// so the listener backs off instead of spinning, and accepts them once descriptors free up.
    /// </summary>
    internal static int RunWithoutReserve()
    {
        using var scene = new Scene("emfile scenario without a reserve");
        var waiting = Enumerable.Range(0, 8).Select(_ => Connect(scene.Port)).ToList();
        scene.Loop.CloseReserveDescriptor();
        var filler = FillTable();

        RunIterations(scene.Loop, () => scene.EmfileReports > 0);
        // A spin would be thousands of iterations (and EMFILE reports) in 300 ms; backing off 100 ms at a time, a few.
        int iterations = IterationsDuring(scene.Loop, 300);
        Console.WriteLine($"EMFILE reported {scene.EmfileReports} time(s); {iterations} iteration(s) during a 300 ms wait");
        Check(iterations <= 20, "the listener spins");
        Check(scene.EmfileReports <= 10, "EMFILE reported at every iteration");
        Check(scene.Accepted == 0, "nothing can be accepted while the table is full");

        // Recovery: the listener takes a reserve again at its next try and accepts the clients that waited.
        filler.ForEach(f => f.Dispose());
        RunIterations(scene.Loop, () => scene.Accepted == waiting.Count);
        waiting.ForEach(s => s.Dispose());
        Console.WriteLine("OK");
        return 0;
    }

    /// <summary>A loop whose listener counts EMFILE reports and accepted connections, under a 256-descriptor limit.</summary>
    private sealed class Scene : IDisposable
    {
        private readonly TcpHandle _server;

        public Scene(string title)
        {
            Console.WriteLine(title); // opens stdout now: later there is no descriptor for it
            ulong* limits = stackalloc ulong[2] { 256, 256 };
            Check(SetRLimit(RLIMIT_NOFILE, limits) == 0, "setrlimit");
            _server = new TcpHandle(Loop);
            Check(_server.Bind(StreamTestKit.AnyLoopback) == 0, "bind");
            Port = _server.LocalEndPoint!.Port;
            Check(_server.Listen(64, (s, status) =>
            {
                if (status == UvError.EMFILE || status == UvError.ENFILE)
                {
                    EmfileReports++;
                    return;
                }
                Check(status == 0, $"connection status {UvError.Name(status)}");
                var client = new TcpHandle(Loop);
                Check(s.Accept(client) == 0, "accept");
                Accepted++;
                client.Close();
            }) == 0, "listen");
        }

        public Loop Loop { get; } = new();

        public int Port { get; }

        public int EmfileReports { get; private set; }

        public int Accepted { get; private set; }

        public void Dispose()
        {
            _server.Close();
            Loop.Run();
            Check(Loop.Close() == 0, "loop close");
        }
    }

    /// <summary>Opens /dev/null until the table is full, to the last descriptor.</summary>
    private static List<FileStream> FillTable()
    {
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
        return filler;
    }

    /// <summary>Runs <paramref name="loop"/> one blocking iteration at a time until a <paramref name="ms"/> timer fires; returns the iterations.</summary>
    private static int IterationsDuring(Loop loop, long ms)
    {
        int iterations = 0;
        var wait = new TimerHandle(loop);
        bool waited = false;
        wait.Start(_ => waited = true, ms);
        while (!waited)
        {
            loop.Run(RunMode.Once);
            iterations++;
        }
        wait.Close();
        return iterations;
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

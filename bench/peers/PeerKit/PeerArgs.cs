using System.Globalization;

namespace Uvnet.Bench;

/// <summary>
/// The arguments of the reactor peers' CLI contract (bench/README.md):
/// <c>&lt;peer&gt; &lt;workload&gt; [--conns N] [--seconds S] [--count N] [--size B]</c>.
/// </summary>
public sealed record PeerArgs(string Workload, int Conns, int Seconds, long Count, int Size)
{
    // Shared by every peer: libuv's ping-pong runs 5 s, and the issue asks for a million timers.
    private const int DefaultConns = 1;
    private const int DefaultSeconds = 5;
    private const long DefaultCount = 1_000_000;

    // udp-echo's datagrams are 64 B (a small message: DNS, StatsD), at most a full 65,507 B datagram.
    private const int DefaultSize = 64;
    private const int MaxSize = 65_507;

    /// <summary>Parses the arguments; on a usage error prints it and exits with status 2.</summary>
    public static PeerArgs Parse(ReadOnlySpan<string> args)
    {
        string? workload = null;
        int conns = DefaultConns, seconds = DefaultSeconds;
        long count = DefaultCount;
        int size = DefaultSize;
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) && workload is null)
                workload = args[i];
            else if (args[i] == "--conns" && i + 1 < args.Length)
                conns = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--seconds" && i + 1 < args.Length)
                seconds = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--count" && i + 1 < args.Length)
                count = long.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--size" && i + 1 < args.Length)
                size = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else
                Usage();
        }
        if (workload is null || conns < 1 || seconds < 1 || count < 1 || size is < 1 or > MaxSize)
            Usage();
        return new PeerArgs(workload, conns, seconds, count, size);
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Usage()
    {
        Console.Error.WriteLine("usage: <peer> <pingpong|pump-up|pump-down|timers|loopcount|udp-echo> [--conns N] [--seconds S] [--count N] [--size B]");
        Environment.Exit(2);
    }
}

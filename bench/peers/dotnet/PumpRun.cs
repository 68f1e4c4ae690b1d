using System.Diagnostics;

namespace Uvnet.Bench.Dotnet;

/// <summary>
/// Pump, after libuv's test/benchmark-pump.c, with both ends in one process: one side writes 64 KiB
/// chunks (one write in flight per connection), the other reads and counts, for --seconds.
/// pump-up: the clients write; pump-down: the server writes.
/// </summary>
internal static class PumpRun
{
    /// <summary>The issue's chunk size, shared read-only by every writer.</summary>
    public static ReadOnlyMemory<byte> Chunk { get; } = Enumerable.Repeat((byte)'x', 65536).ToArray();

    public static async Task<int> RunAsync(PeerArgs args, ISocketVariant variant, bool clientsWrite)
    {
        using Loopback loopback = await Loopback.ConnectAsync(args.Conns);
        PeerOutput.Progress($"pump: {args.Conns} connection(s), {(clientsWrite ? "clients write" : "server writes")}");
        var stop = new StopSignal();
        var counter = new ByteCounter();
        for (int i = 0; i < args.Conns; i++)
        {
            variant.StartSink(clientsWrite ? loopback.Accepted[i] : loopback.Clients[i], counter);
            variant.StartWriter(clientsWrite ? loopback.Clients[i] : loopback.Accepted[i], stop);
        }

        await Task.Delay(TimeSpan.FromSeconds(args.Seconds));
        stop.Set();
        return PeerOutput.Result(("bytes_per_sec", Math.Round(counter.PerSecond())), ("conns", args.Conns));
    }
}

/// <summary>Bytes the sinks received, from the first byte on; sinks may run on several threads.</summary>
internal sealed class ByteCounter
{
    private long _bytes;
    private long _firstByteTimestamp;

    public void Add(int count)
    {
        if (Interlocked.Read(ref _firstByteTimestamp) == 0)
            Interlocked.CompareExchange(ref _firstByteTimestamp, Stopwatch.GetTimestamp(), 0);
        Interlocked.Add(ref _bytes, count);
    }

    public double PerSecond()
    {
        long first = Interlocked.Read(ref _firstByteTimestamp);
        return first == 0 ? 0 : Interlocked.Read(ref _bytes) / ProcessStats.SecondsSince(first);
    }
}

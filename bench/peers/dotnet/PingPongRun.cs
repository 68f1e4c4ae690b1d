using System.Diagnostics;

namespace Uvnet.Bench.Dotnet;

/// <summary>
/// Ping-pong, after libuv's test/benchmark-ping-pongs.c, with the echo server in the same process:
/// each of --conns clients writes "PING\n", waits for the echo, and writes again, for --seconds.
/// </summary>
internal static class PingPongRun
{
    public static async Task<int> RunAsync(PeerArgs args, ISocketVariant variant)
    {
        using Loopback loopback = await Loopback.ConnectAsync(args.Conns);
        PeerOutput.Progress($"pingpong: {args.Conns} connection(s) for {args.Seconds} s");
        var stop = new StopSignal();
        var pingers = new Pinger[args.Conns];
        long start = Stopwatch.GetTimestamp();
        foreach (var socket in loopback.Accepted)
            variant.StartEcho(socket);
        for (int i = 0; i < pingers.Length; i++)
            variant.StartPinger(loopback.Clients[i], pingers[i] = new Pinger(), stop);

        await Task.Delay(TimeSpan.FromSeconds(args.Seconds));
        stop.Set();
        double elapsed = ProcessStats.SecondsSince(start);
        long pongs = pingers.Sum(p => p.Pongs);
        return PeerOutput.Result(("roundtrips_per_sec", Math.Round(pongs / elapsed)), ("conns", args.Conns));
    }
}

/// <summary>One ping-pong client's count: matches the echoed bytes against "PING\n", in any split.</summary>
internal sealed class Pinger
{
    public static ReadOnlyMemory<byte> Ping { get; } = "PING\n"u8.ToArray();

    private long _pongs;
    private int _matched;

    public long Pongs => Volatile.Read(ref _pongs);

    /// <summary>Counts the echoes <paramref name="data"/> completes; returns how many.</summary>
    public int Consume(ReadOnlySpan<byte> data)
    {
        ReadOnlySpan<byte> ping = Ping.Span;
        int completed = 0;
        foreach (byte b in data)
        {
            if (b != ping[_matched])
                throw new InvalidDataException("unexpected byte in the echo");
            _matched = (_matched + 1) % ping.Length;
            if (_matched == 0)
                completed++;
        }
        Volatile.Write(ref _pongs, _pongs + completed);
        return completed;
    }
}

using System.Diagnostics;
using System.Globalization;

namespace Uvnet.Server.Hosting;

/// <summary>
/// One loop's periodic line, <c>stats loop=0 handles=5 connections=2</c>: its handles (<see cref="Loop.HandleCount"/>)
/// and its service's open connections, which only the process itself can count; serving HTTPS,
/// <c>stats loop=0 handles=5 ssl=2 connections=2</c>, with the OpenSSL connection objects alive in the process. A long
/// run under load should leave them where they were before it (bench/soak.sh and bench/tls-soak.sh check that).
/// </summary>
internal sealed class LoopStats
{
    // The longest line (loop 1023, two counts of int.MaxValue, one of long.MaxValue) and a newline fit with room to spare.
    private readonly char[] _line = new char[128];
    private readonly Loop _loop;
    private readonly int _index;
    private readonly ILoopService _service;
    private readonly TextWriter _output;
    private readonly bool _countSsl;

    private LoopStats(Loop loop, int index, ILoopService service, TextWriter output, bool countSsl)
    {
        _loop = loop;
        _index = index;
        _service = service;
        _output = output;
        _countSsl = countSsl;
    }

    /// <summary>
    /// Writes the line of loop <paramref name="index"/> to <paramref name="output"/> every <paramref name="interval"/>
    /// from a timer on <paramref name="loop"/> that does not keep the loop alive; the loop closes it with its other
    /// handles. Call on the loop's thread. With <paramref name="countSsl"/>, the line gives the live SSL objects too.
    /// </summary>
    public static void Start(Loop loop, int index, ILoopService service, TimeSpan interval, TextWriter output, bool countSsl = false)
    {
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.FromMilliseconds(1));
        var stats = new LoopStats(loop, index, service, output, countSsl);
        var timer = new TimerHandle(loop);
        long ms = (long)interval.TotalMilliseconds;
        timer.Start(stats.Write, ms, ms);
        timer.Unref();
    }

    /// <summary>Formats into the buffer kept for it (nothing allocated a line) and writes the line in one call, so lines of several loops never mix.</summary>
    private void Write(TimerHandle _)
    {
        // ssl= before connections=: readers look for "connections=0" at the end of an idle line.
        bool fits = _countSsl
            ? _line.AsSpan().TryWrite(CultureInfo.InvariantCulture,
                $"stats loop={_index} handles={_loop.HandleCount} ssl={Tls.Tls.LiveSessionCount} connections={_service.ConnectionCount}{Environment.NewLine}", out int length)
            : _line.AsSpan().TryWrite(CultureInfo.InvariantCulture,
                $"stats loop={_index} handles={_loop.HandleCount} connections={_service.ConnectionCount}{Environment.NewLine}", out length);
        Debug.Assert(fits);
        _output.Write(_line, 0, length);
    }
}

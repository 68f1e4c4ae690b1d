using System.Threading.Channels;

namespace Uvnet.Server.Logging;

/// <summary>
/// The access log: loops hand it entries without waiting, and one background task writes the lines (so a slow
/// terminal or a full pipe never stalls a loop). When the writer falls <see cref="Capacity"/> lines behind,
/// further lines are dropped and counted rather than letting memory grow.
/// </summary>
public sealed class AccessLog
{
    /// <summary>Lines that may wait for the writer: a burst of this many requests is logged in full.</summary>
    public const int Capacity = 16 * 1024;

    private readonly Channel<string> _lines;
    private readonly Task _writer;
    private long _dropped;

    /// <summary>Writes the log to <paramref name="output"/> (stdout for <c>uvnet</c>).</summary>
    public AccessLog(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _lines = Channel.CreateBounded<string>(new BoundedChannelOptions(Capacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails at once, and the line is counted as dropped
            SingleReader = true,
        });
        _writer = Task.Run(() => WriteLinesAsync(output));
    }

    /// <summary>Lines dropped because the writer was behind.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Logs <paramref name="entry"/> in the common log format. Any thread; never blocks.</summary>
    public void Write(in AccessLogEntry entry)
    {
        if (!_lines.Writer.TryWrite(CommonLogFormat.Format(entry)))
            Interlocked.Increment(ref _dropped);
    }

    /// <summary>Takes no more entries and waits, up to <paramref name="timeout"/>, until every queued line is written.</summary>
    public bool Complete(TimeSpan timeout)
    {
        _lines.Writer.TryComplete();
        return _writer.Wait(timeout);
    }

    private async Task WriteLinesAsync(TextWriter output)
    {
        var reader = _lines.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out string? line))
                output.WriteLine(line);
            output.Flush();
        }
    }
}

using System.Collections.Concurrent;

namespace Uvnet.Server.Logging;

/// <summary>
/// The access log: loops hand it entries without waiting, and one thread of its own formats and writes the lines
/// (so neither the formatting nor a slow terminal or a full pipe stalls a loop). When the writer falls <see cref="Capacity"/> lines behind,
/// further lines are dropped and counted rather than letting memory grow.
/// </summary>
/// <remarks>
/// The writer is a thread started with the log, not a thread-pool task: the pool starts threads on demand and
/// retires idle ones, and out of descriptors .NET cannot start a thread, so a log woken by the first request of
/// a connection storm would wait on the pool for good.
/// </remarks>
public sealed class AccessLog
{
    /// <summary>Lines that may wait for the writer: a burst of this many requests is logged in full.</summary>
    public const int Capacity = 16 * 1024;

    private readonly BlockingCollection<AccessLogEntry> _entries = new(Capacity);
    private readonly Thread _writer;
    private long _dropped;

    /// <summary>Writes the log to <paramref name="output"/> (stdout for <c>uvnet</c>).</summary>
    public AccessLog(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _writer = new Thread(() => WriteLines(output)) { IsBackground = true, Name = "uvnet access log" };
        _writer.Start();
    }

    /// <summary>Lines dropped because the writer was behind.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Logs <paramref name="entry"/> in the common log format (after <see cref="Complete"/>: drops it). Any thread; never blocks.</summary>
    public void Write(in AccessLogEntry entry)
    {
        bool added;
        try
        {
            added = _entries.TryAdd(entry);
        }
        catch (InvalidOperationException)
        {
            added = false; // completed: the writer is gone
        }
        if (!added)
            Interlocked.Increment(ref _dropped);
    }

    /// <summary>Takes no more entries and waits, up to <paramref name="timeout"/>, until every queued line is written.</summary>
    public bool Complete(TimeSpan timeout)
    {
        _entries.CompleteAdding();
        return _writer.Join(timeout);
    }

    private void WriteLines(TextWriter output)
    {
        foreach (AccessLogEntry entry in _entries.GetConsumingEnumerable())
        {
            output.WriteLine(CommonLogFormat.Format(entry));
            if (_entries.Count == 0)
                output.Flush();
        }
        output.Flush();
    }
}

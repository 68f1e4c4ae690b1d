using Uvnet.Net;

namespace Uvnet.Server.Logging;

/// <summary>
/// Tells about errors accepting connections (EMFILE: out of descriptors) without a line per error: a server at
/// its descriptor limit fails an accept at every wakeup of a connection storm. The first error is told at once,
/// later ones at most once per <see cref="Interval"/>, with the count of those not told. Any thread.
/// </summary>
internal sealed class AcceptErrorLog(TextWriter output, TimeProvider time)
{
    /// <summary>The least time between two lines.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private long? _lastLine;
    private long _untold;

    /// <summary>Tells about <paramref name="error"/>, or counts it if a line was written less than <see cref="Interval"/> ago.</summary>
    public void Report(Exception error)
    {
        lock (_gate)
        {
            long now = time.GetTimestamp();
            if (_lastLine is { } last && time.GetElapsedTime(last, now) < Interval)
            {
                _untold++;
                return;
            }
            string since = _untold == 0 ? "" : $" ({_untold} more since the last report)";
            output.WriteLine($"uvnet: {Describe(error)}{since}");
            _lastLine = now;
            _untold = 0;
        }
    }

    /// <summary>An accept error as an operator reads it, with what to do about the usual ones.</summary>
    internal static string Describe(Exception error) => error switch
    {
        NetException { Code: "EMFILE" } =>
            "out of file descriptors (EMFILE): connections that cannot be accepted are closed; raise the limit (ulimit -n) or lower the load",
        NetException { Code: "ENFILE" } =>
            "the system is out of file descriptors (ENFILE): connections that cannot be accepted are closed",
        NetException { Errno: < 0 } e => $"cannot accept a connection: {UvError.Message(e.Errno)} ({e.Code})",
        _ => $"cannot accept a connection: {error.Message}",
    };
}

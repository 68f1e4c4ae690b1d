using Uvnet.Net;
using Uvnet.Server.Logging;

namespace Uvnet.Server.Tests;

public class AcceptErrorLogTests
{
    /// <summary>A clock that moves only when told to.</summary>
    private sealed class ManualTime : TimeProvider
    {
        public long Ticks { get; set; }

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Ticks;
    }

    private static readonly NetException s_emfile = new(UvError.EMFILE, "accept");

    [Fact]
    public void The_first_error_is_told_at_once_with_what_to_do()
    {
        var output = new StringWriter();
        new AcceptErrorLog(output, new ManualTime()).Report(s_emfile);
        Assert.Equal("uvnet: out of file descriptors (EMFILE): connections that cannot be accepted are closed; " +
            "raise the limit (ulimit -n) or lower the load" + Environment.NewLine, output.ToString());
    }

    [Fact]
    public void A_storm_of_errors_is_one_line_per_interval_with_the_count_of_the_others()
    {
        var output = new StringWriter();
        var time = new ManualTime();
        var log = new AcceptErrorLog(output, time);
        for (int i = 0; i < 1000; i++)
        {
            log.Report(s_emfile);
            time.Ticks += TimeSpan.TicksPerMillisecond; // an error per millisecond: a second of them
        }
        Assert.Single(Lines(output));

        time.Ticks = AcceptErrorLog.Interval.Ticks;
        log.Report(s_emfile);
        string[] lines = Lines(output);
        Assert.Equal(2, lines.Length);
        Assert.EndsWith("(999 more since the last report)", lines[1]);
    }

    [Fact]
    public void Other_errors_are_told_by_name()
    {
        Assert.Equal("cannot accept a connection: no buffer space available (ENOBUFS)",
            AcceptErrorLog.Describe(new NetException(UvError.ENOBUFS, "accept")));
        Assert.StartsWith("the system is out of file descriptors (ENFILE)", AcceptErrorLog.Describe(new NetException(UvError.ENFILE, "accept")));
    }

    private static string[] Lines(StringWriter output) => output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
}

using Uvnet.Server.Logging;

namespace Uvnet.Server.Tests;

public class LoggingTests
{
    private static readonly DateTimeOffset s_time = new(2000, 10, 10, 13, 55, 36, TimeSpan.FromHours(-7));

    [Fact]
    public void A_request_is_one_line_in_the_common_log_format() =>
        Assert.Equal("127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326",
            CommonLogFormat.Format(new AccessLogEntry("127.0.0.1", s_time, "GET", "/apache_pb.gif", "1.0", 200, 2326)));

    [Fact]
    public void No_body_and_no_address_are_dashes() =>
        Assert.Equal("- - - [10/Oct/2000:13:55:36 -0700] \"HEAD / HTTP/1.1\" 304 -",
            CommonLogFormat.Format(new AccessLogEntry(null, s_time, "HEAD", "/", "1.1", 304, 0)));

    [Fact]
    public void Offsets_east_of_utc_and_half_hours_are_written_as_digits()
    {
        var entry = new AccessLogEntry("::1", new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.FromMinutes(330)), "GET", "/", "1.1", 200, 1);
        Assert.Equal("::1 - - [02/Jan/2024:03:04:05 +0530] \"GET / HTTP/1.1\" 200 1", CommonLogFormat.Format(entry));
    }

    [Fact]
    public void An_ipv4_mapped_address_is_written_as_ipv4() =>
        Assert.StartsWith("10.0.0.7 ", CommonLogFormat.Format(new AccessLogEntry("::ffff:10.0.0.7", s_time, "GET", "/", "1.1", 200, 1)));

    [Fact]
    public void Quotes_backslashes_and_control_characters_in_the_request_are_escaped() =>
        Assert.Contains("\"GET /a\\\"b\\\\c\\x0a\\x1b\\xc3\\xa9 HTTP/1.1\"",
            CommonLogFormat.Format(new AccessLogEntry("127.0.0.1", s_time, "GET", "/a\"b\\c\n\u001b\u00e9", "1.1", 200, 1)));

    [Fact]
    public void The_access_log_writes_every_line_in_order_by_completion()
    {
        var output = new StringWriter();
        var log = new AccessLog(output);
        for (int i = 0; i < 100; i++)
            log.Write(new AccessLogEntry("127.0.0.1", s_time, "GET", $"/{i}", "1.1", 200, i));
        Assert.True(log.Complete(TimeSpan.FromSeconds(10)));
        string[] lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(100, lines.Length);
        Assert.Contains("\"GET /99 HTTP/1.1\"", lines[99]);
        Assert.Equal(0, log.Dropped);
    }

    [Fact]
    public void A_writer_that_is_stuck_drops_lines_instead_of_blocking()
    {
        using var gate = new ManualResetEventSlim();
        var log = new AccessLog(new BlockingWriter(gate));
        for (int i = 0; i < AccessLog.Capacity + 100; i++)
            log.Write(new AccessLogEntry("127.0.0.1", s_time, "GET", "/", "1.1", 200, 1));
        Assert.True(log.Dropped >= 99);
        gate.Set();
        Assert.True(log.Complete(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void A_line_after_complete_is_dropped()
    {
        var output = new StringWriter();
        var log = new AccessLog(output);
        Assert.True(log.Complete(TimeSpan.FromSeconds(10)));
        log.Write(new AccessLogEntry("127.0.0.1", s_time, "GET", "/", "1.1", 200, 1));
        Assert.Equal(1, log.Dropped);
        Assert.Equal("", output.ToString());
    }

    private sealed class BlockingWriter(ManualResetEventSlim gate) : TextWriter
    {
        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void WriteLine(string? value) => gate.Wait();
    }
}

using System.Text.Json;
using Uvnet.Server.Commands;
using Uvnet.Server.Load;

namespace Uvnet.Server.Tests.Load;

/// <summary><c>uvnet load</c> against Uvnet's own server on another thread: short runs, counts and errors, no speed assertions.</summary>
[Collection(Sequential.Name)] // closed loops take all the CPU they get: run apart from timing-sensitive tests
public class LoadCommandTests
{
    private static LoadOptions Options(int port, string path = "/", bool h2 = false) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        Path = path,
        Connections = 4,
        Duration = TimeSpan.FromSeconds(1),
        Http2 = h2, // Uvnet's server speaks h2c with prior knowledge on the same port
    };

    private static void Hello(Loop loop, long index, Uvnet.Http.Server.IncomingMessage req, Uvnet.Http.Server.ServerResponse res) =>
        res.End("Hello, World!"u8);

    [Fact]
    public void Closed_loop_counts_what_the_server_counted()
    {
        using var server = new LoadServer(Hello);
        LoadResult result = LoadCommand.Measure(Options(server.Port) with { Threads = 2, ExpectStatus = 200, ExpectBodyBytes = 13 });
        Assert.True(result.Responses > 0);
        Assert.Equal(server.Requests, result.Responses);
        Assert.Equal(0, result.TotalErrors);
        Assert.Equal(13 * result.Responses, result.BodyBytes);
        Assert.True(result.BytesRead > result.BodyBytes); // heads included
        Assert.Equal(result.Responses, result.Latency.Count);
    }

    [Fact]
    public void Pipelined_closed_loop_counts_what_the_server_counted()
    {
        using var server = new LoadServer(Hello);
        LoadResult result = LoadCommand.Measure(Options(server.Port) with { Connections = 2, Pipeline = 8, Duration = TimeSpan.FromMilliseconds(500) });
        Assert.True(result.Responses > 0);
        Assert.Equal(server.Requests, result.Responses);
        Assert.Equal(0, result.TotalErrors);
    }

    [Fact]
    public void A_server_closing_each_connection_after_its_response_is_counted_without_errors()
    {
        using var server = new LoadServer((loop, index, req, res) =>
        {
            res.SetHeader("Connection", "close");
            res.End("Hello, World!"u8);
        });
        LoadResult result = LoadCommand.Measure(Options(server.Port) with { Connections = 2, Duration = TimeSpan.FromMilliseconds(300) });
        Assert.True(result.Responses > 0);
        Assert.Equal(server.Requests, result.Responses);
        Assert.Equal(0, result.TotalErrors);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 8)]
    [InlineData(true, 1)]
    public void A_warm_up_is_sent_but_not_counted(bool h2, int pipeline)
    {
        using var server = new LoadServer(Hello);
        LoadResult result = LoadCommand.Measure(Options(server.Port, h2: h2) with
        {
            Connections = 2,
            Pipeline = h2 ? 1 : pipeline,
            Warmup = TimeSpan.FromSeconds(1), // a second at least: run alone, the first request meets cold code on both sides
            Duration = TimeSpan.FromMilliseconds(500),
            ExpectStatus = 200,
            ExpectBodyBytes = 13,
        });
        Assert.True(result.WarmupResponses > 0);
        Assert.True(result.Responses > 0);
        // Every request the server answered is in one count or the other, never both.
        Assert.Equal(server.Requests, result.WarmupResponses + result.Responses);
        Assert.Equal(result.Responses, result.Latency.Count);
        Assert.Equal(13 * result.Responses, result.BodyBytes);
        Assert.Equal(0, result.TotalErrors);
        using var json = JsonDocument.Parse(result.ToJson());
        Assert.Equal(result.WarmupResponses, json.RootElement.GetProperty("warmup_responses").GetInt64());
        Assert.Equal(1, json.RootElement.GetProperty("warmup_s").GetDouble());
        Assert.Contains($"after a 1 s warm-up, whose {result.WarmupResponses} responses are not counted", result.ToText());
    }

    [Fact]
    public void Errors_of_the_warm_up_are_not_counted()
    {
        using var server = new LoadServer((loop, index, req, res) =>
        {
            res.StatusCode = 404;
            res.End();
        });
        // Seconds of warm-up: run alone on a loaded machine, the first request meets cold code on both sides.
        LoadResult result = LoadCommand.Measure(Options(server.Port) with { Connections = 2, Warmup = TimeSpan.FromSeconds(2), Duration = TimeSpan.FromMilliseconds(300) });
        Assert.True(result.WarmupResponses > 0);
        Assert.True(result.Responses > 0);
        // Every response is a 404: the measured ones only are counted as errors.
        Assert.Equal(result.Responses, result.Errors(LoadError.Status4xx));
        Assert.Equal(result.Responses, result.TotalErrors);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Open_loop_sends_rate_times_duration_requests(bool h2)
    {
        using var server = new LoadServer(Hello);
        LoadResult result = LoadCommand.Measure(Options(server.Port, h2: h2) with { Rate = 500, Threads = 2 });
        Assert.InRange(result.Responses, 495, 505); // within 1% of 500 × 1 s
        Assert.Equal(0, result.Unsent);
        Assert.Equal(server.Requests, result.Responses);
        Assert.Equal(0, result.TotalErrors);
    }

    [Fact]
    public void Open_loop_keeps_its_rate_through_the_warm_up_and_counts_the_duration_only()
    {
        using var server = new LoadServer(Hello);
        LoadResult result = LoadCommand.Measure(Options(server.Port) with { Rate = 500, Warmup = TimeSpan.FromMilliseconds(500) });
        // The schedule spans both (500 × 1.5 s, within 1%); which side of the warm-up's end a response falls on depends
        // on its latency, cold code's first ones included.
        Assert.InRange(result.WarmupResponses + result.Responses, 743, 757);
        Assert.True(result.WarmupResponses > 0);
        Assert.True(result.Responses > 0);
        Assert.Equal(server.Requests, result.WarmupResponses + result.Responses);
        Assert.Equal(0, result.Unsent);
        Assert.Equal(0, result.TotalErrors);
    }

    [Fact]
    public void Open_loop_shows_a_one_second_stall_in_p99_and_max()
    {
        // The server stalls once, for 1 s, from its 50th request: every request it gets meanwhile is answered at the
        // stall's end. Timed from the intended send times, the requests due during the stall show it.
        var held = new List<Uvnet.Http.Server.ServerResponse>();
        bool stalling = false;
        using var server = new LoadServer((loop, index, req, res) =>
        {
            if (index == 50)
            {
                stalling = true;
                var timer = new TimerHandle(loop);
                timer.Start(t =>
                {
                    t.Close();
                    stalling = false;
                    foreach (var r in held)
                        r.End("Hello, World!"u8);
                    held.Clear();
                }, 1000);
            }
            if (stalling)
                held.Add(res);
            else
                res.End("Hello, World!"u8);
        });
        LoadResult result = LoadCommand.Measure(Options(server.Port) with { Connections = 2, Rate = 100, Duration = TimeSpan.FromSeconds(2) });
        Assert.Equal(0, result.TotalErrors);
        Assert.Equal(200, result.Responses);
        Assert.True(result.Latency.Max >= 1_000_000, $"max {result.Latency.Max} µs");
        Assert.True(result.Latency.ValueAtPercentile(99) >= 900_000, $"p99 {result.Latency.ValueAtPercentile(99)} µs");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_refused_port_counts_connect_errors(bool h2)
    {
        int port = ClosedPorts.Next().Port;
        LoadResult result = LoadCommand.Measure(Options(port, h2: h2) with { Connections = 1, Duration = TimeSpan.FromMilliseconds(300) });
        Assert.True(result.Errors(LoadError.Connect) > 0);
        Assert.Equal(result.Errors(LoadError.Connect), result.TotalErrors);
        Assert.Equal(0, result.Responses);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Status_500_and_404_count_as_5xx_and_4xx_errors(bool h2)
    {
        using var server = new LoadServer((loop, index, req, res) =>
        {
            res.StatusCode = index % 2 == 0 ? 500 : 404;
            res.End();
        });
        // A second at least: run alone, the HTTP/2 test's first request meets cold code on both sides.
        LoadResult result = LoadCommand.Measure(Options(server.Port, h2: h2) with { Connections = 1 });
        Assert.True(result.Responses > 1);
        Assert.Equal(server.Requests, result.Responses);
        Assert.Equal(result.Responses, result.Errors(LoadError.Status5xx) + result.Errors(LoadError.Status4xx));
        Assert.Equal((result.Responses + 1) / 2, result.Errors(LoadError.Status5xx));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Expected_status_and_body_length_mismatches_count_as_errors(bool h2)
    {
        using var server = new LoadServer((loop, index, req, res) =>
        {
            res.StatusCode = index % 2 == 0 ? 404 : 200;
            res.End("Hello, World!"u8);
        });
        LoadResult status = LoadCommand.Measure(Options(server.Port, h2: h2) with { Connections = 1, ExpectStatus = 404 });
        Assert.True(status.Responses > 1);
        Assert.Equal((status.Responses + 1) / 2, status.Responses - status.Errors(LoadError.ExpectStatus)); // the 404s pass
        Assert.Equal(0, status.Errors(LoadError.Status4xx));
        LoadResult bytes = LoadCommand.Measure(Options(server.Port, h2: h2) with { Connections = 1, Duration = TimeSpan.FromMilliseconds(300), ExpectStatus = 200, ExpectBodyBytes = 12 });
        Assert.Equal(bytes.Responses, bytes.TotalErrors);
        Assert.True(bytes.Errors(LoadError.ExpectBodyBytes) > 0);
    }

    [Fact]
    public void A_server_closing_mid_response_counts_read_errors()
    {
        using var server = new LoadServer((loop, index, req, res) =>
        {
            res.SetHeader("Content-Length", "100");
            res.Write("abc"u8);
            res.Socket.Destroy();
        });
        LoadResult result = LoadCommand.Measure(Options(server.Port) with { Connections = 1, Duration = TimeSpan.FromMilliseconds(300) });
        Assert.True(result.Errors(LoadError.Read) > 0);
        Assert.Equal(result.Errors(LoadError.Read), result.TotalErrors);
        Assert.Equal(0, result.Responses);
    }

    [Fact]
    public async Task A_server_trickling_its_body_cannot_hold_the_run_open()
    {
        // A byte every 50 ms keeps the 200 ms idle timeout from ever firing: the run ends a timeout after its
        // duration anyway, the trickled requests counted as timeouts.
        using var server = new LoadServer((loop, index, req, res) =>
        {
            res.Write("x"u8);
            var timer = new TimerHandle(loop);
            timer.Start(t =>
            {
                if (res.Closed)
                    t.Close();
                else
                    res.Write("x"u8);
            }, 50, 50);
        });
        LoadResult result = await Task.Run(() => LoadCommand.Measure(Options(server.Port) with { Connections = 2, Duration = TimeSpan.FromMilliseconds(100), TimeoutMs = 200 }))
            .WaitAsync(TimeSpan.FromSeconds(20)); // bounded: before the fix the run never ended
        Assert.Equal(2, result.Errors(LoadError.Timeout));
        Assert.Equal(2, result.TotalErrors);
        Assert.Equal(0, result.Responses);
    }

    [Fact]
    public void A_server_that_never_answers_counts_timeouts()
    {
        var held = new List<Uvnet.Http.Server.ServerResponse>();
        using var server = new LoadServer((loop, index, req, res) => held.Add(res));
        LoadResult result = LoadCommand.Measure(Options(server.Port) with { Connections = 2, Duration = TimeSpan.FromMilliseconds(100), TimeoutMs = 200 });
        Assert.Equal(2, result.Errors(LoadError.Timeout));
        Assert.Equal(2, result.TotalErrors);
        Assert.Equal(0, result.Responses);
    }

    [Fact]
    public void A_progress_line_is_drawn_when_asked_and_erased_before_the_report()
    {
        using var server = new LoadServer(Hello);
        var output = new StringWriter();
        var progress = new StringWriter();
        LoadCommand.Run(Options(server.Port) with { Connections = 1, Duration = TimeSpan.FromMilliseconds(1500) }, output, progress, progress: true);
        Assert.Contains(" responses, ", progress.ToString()); // drawn once a second
        Assert.EndsWith("\r\x1b[K", progress.ToString());
        Assert.DoesNotContain("\x1b", output.ToString());
    }

    [Fact]
    public void When_every_request_failed_the_reports_give_no_latency_instead_of_zero()
    {
        int port = ClosedPorts.Next().Port;
        LoadOptions options = Options(port) with { Connections = 1, Duration = TimeSpan.FromMilliseconds(100) };
        var json = new StringWriter();
        Assert.Equal(0, LoadCommand.Run(options with { Json = true }, json, new StringWriter(), progress: false));
        using var document = JsonDocument.Parse(json.ToString());
        Assert.Equal(0, document.RootElement.GetProperty("responses").GetInt64());
        Assert.True(document.RootElement.GetProperty("errors").GetProperty("connect").GetInt64() > 0);
        Assert.Equal(JsonValueKind.Null, document.RootElement.GetProperty("latency_us").ValueKind);
        var text = new StringWriter();
        LoadCommand.Run(options, text, new StringWriter(), progress: false);
        Assert.Contains("latency   none: no response completed", text.ToString());
        Assert.DoesNotContain("p99", text.ToString());
    }

    [Fact]
    public void Json_text_and_latency_csv_reports()
    {
        using var server = new LoadServer(Hello);
        string csv = Path.GetTempFileName();
        try
        {
            var output = new StringWriter();
            var error = new StringWriter();
            int code = LoadCommand.Run(Options(server.Port) with { Connections = 1, Duration = TimeSpan.FromMilliseconds(200), Json = true, LatencyCsv = csv }, output, error, progress: false);
            Assert.Equal(0, code);
            Assert.Equal("", error.ToString()); // no progress line when not on a terminal
            using var json = JsonDocument.Parse(output.ToString());
            long responses = json.RootElement.GetProperty("responses").GetInt64();
            Assert.Equal(server.Requests, responses);
            Assert.Equal(0, json.RootElement.GetProperty("errors").GetProperty("total").GetInt64());
            Assert.True(json.RootElement.GetProperty("latency_us").GetProperty("p99").GetInt64() > 0);
            string[] lines = File.ReadAllLines(csv);
            Assert.Equal("latency_us,percentile,count", lines[0]);
            Assert.Equal(responses, lines.Skip(1).Sum(l => long.Parse(l.Split(',')[2], System.Globalization.CultureInfo.InvariantCulture)));
            Assert.EndsWith(",100,", lines[^1][..(lines[^1].LastIndexOf(',') + 1)]);
            var text = new StringWriter();
            LoadCommand.Run(Options(server.Port) with { Connections = 1, Duration = TimeSpan.FromMilliseconds(100) }, text, error, progress: false);
            Assert.Contains("closed loop", text.ToString());
            Assert.Contains("p99.9", text.ToString());
            Assert.Contains("errors 0", text.ToString());
        }
        finally
        {
            File.Delete(csv);
        }
    }
}

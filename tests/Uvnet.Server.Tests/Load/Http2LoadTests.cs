using System.Security.Cryptography.X509Certificates;
using Uvnet.Http;
using Uvnet.Http.Server;
using Uvnet.Server.Commands;
using Uvnet.Server.Load;
using Uvnet.Tls;

namespace Uvnet.Server.Tests.Load;

/// <summary>
/// <c>uvnet load --h2</c> against Uvnet's own HTTP/2 server: counts, checks and errors by kind, no speed assertions
/// (the open loop, status checks and refused port are LoadCommandTests' theories with h2).
/// </summary>
[Collection(Sequential.Name)] // closed loops take all the CPU they get: run apart from timing-sensitive tests
public class Http2LoadTests
{
    private static LoadOptions Options(int port, int streams = 4) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        Path = "/plaintext",
        Connections = 2,
        Duration = TimeSpan.FromSeconds(1), // the first requests of a test run alone meet cold (tier-0) HTTP/2 code on both sides
        Http2 = true,
        Streams = streams,
    };

    private static void Hello(Loop loop, long index, IncomingMessage req, ServerResponse res)
    {
        if (req.HttpVersion != "2.0")
            res.StatusCode = 505; // seen as a status error: the load must be HTTP/2
        res.End("Hello, World!"u8);
    }

    [Fact]
    public void H2c_closed_loop_counts_what_the_server_counted()
    {
        using var server = new LoadServer(Hello);
        LoadResult result = LoadCommand.Measure(Options(server.Port, streams: 8) with
        {
            Connections = 4, Threads = 2, ExpectStatus = 200, ExpectBodyBytes = 13,
        });
        Assert.True(result.Responses > 0);
        Assert.Equal(server.Requests, result.Responses);
        Assert.Equal(0, result.TotalErrors);
        Assert.Equal(13 * result.Responses, result.BodyBytes);
        Assert.True(result.BytesRead > result.BodyBytes); // frames and heads included
        Assert.Equal(result.Responses, result.Latency.Count);
    }

    [Fact]
    public void A_stream_the_server_resets_counts_as_a_reset_error()
    {
        // req.Destroy() on HTTP/2 resets the stream (RST_STREAM CANCEL); the connection and its other streams go on.
        using var server = new LoadServer((loop, index, req, res) =>
        {
            if (index % 3 == 0)
                req.Destroy();
            else
                res.End("Hello, World!"u8);
        });
        LoadResult result = LoadCommand.Measure(Options(server.Port) with { ExpectStatus = 200 });
        Assert.True(result.Responses > 0);
        Assert.Equal((server.Requests + 2) / 3, result.Errors(LoadError.Reset));
        Assert.Equal(result.Errors(LoadError.Reset), result.TotalErrors);
        Assert.Equal(server.Requests, result.Responses + result.Errors(LoadError.Reset));
    }

    [Fact]
    public void The_streams_a_server_goaway_left_unanswered_count_as_goaway_errors()
    {
        // The server closes after its 50th request (GOAWAY with that stream as the last): each of its 50 answers
        // precedes the GOAWAY, and each answer made the closed loop open a stream at once, so the 8 streams in flight
        // when the GOAWAY comes are all above its last stream id. Then the port is closed: connect errors.
        LoadServer? server = null;
        server = new LoadServer((loop, index, req, res) =>
        {
            res.End("Hello, World!"u8);
            if (index == 49)
                server!.Server.Close();
        });
        using (server)
        {
            LoadResult result = LoadCommand.Measure(Options(server.Port, streams: 8) with { Connections = 1, ExpectStatus = 200 });
            Assert.Equal(50, server.Requests);
            Assert.Equal(50, result.Responses);
            Assert.Equal(8, result.Errors(LoadError.GoAway));
            Assert.Equal(result.TotalErrors, result.Errors(LoadError.GoAway) + result.Errors(LoadError.Connect));
        }
    }

    [Fact]
    public void Flow_control_carries_bodies_larger_than_both_windows_each_way()
    {
        // 3 MiB responses pass the 1 MiB stream window (a WINDOW_UPDATE per stream) and, after a few, the 16 MiB
        // connection window; a 200 KB request body passes the server's 65,535-octet windows (its WINDOW_UPDATEs).
        byte[] big = new byte[3 << 20];
        byte[] upload = new byte[200_000];
        using var server = new LoadServer((loop, index, req, res) =>
        {
            long received = 0;
            req.Data += (_, data) => received += data.Length;
            req.End += _ =>
            {
                res.StatusCode = received == 200_000 ? 200 : 400;
                res.End(big);
            };
        });
        // 8 responses are 24 MiB through one connection: the run must be long enough for them on a loaded machine
        // (1 s gave 2), as uvnet load has no request count to stop at.
        LoadResult result = LoadCommand.Measure(Options(server.Port, streams: 2) with
        {
            Connections = 1, Method = "POST", Body = upload, ExpectStatus = 200, ExpectBodyBytes = big.Length,
            Duration = TimeSpan.FromSeconds(10),
        });
        Assert.True(result.Responses >= 8, $"{result.Responses} responses"); // 24 MiB: the connection window was given back
        Assert.Equal(0, result.TotalErrors);
        Assert.Equal(server.Requests, result.Responses);
        Assert.Equal(big.LongLength * result.Responses, result.BodyBytes);
    }

    [Fact]
    public void Interim_heads_and_trailers_are_parsed_not_counted_as_responses()
    {
        using var server = new LoadServer((loop, index, req, res) =>
        {
            res.WriteEarlyHints([new("link", "</style.css>; rel=preload")]);
            res.AddTrailers([new("x-checksum", "abc")]);
            res.End("Hello, World!"u8);
        });
        LoadResult result = LoadCommand.Measure(Options(server.Port) with { ExpectStatus = 200, ExpectBodyBytes = 13 });
        Assert.True(result.Responses > 0);
        Assert.Equal(server.Requests, result.Responses);
        Assert.Equal(0, result.TotalErrors);
    }

    [Fact]
    public void A_server_that_never_answers_counts_h2_timeouts()
    {
        var held = new List<ServerResponse>();
        using var server = new LoadServer((loop, index, req, res) => held.Add(res));
        LoadResult result = LoadCommand.Measure(Options(server.Port, streams: 2) with { Duration = TimeSpan.FromMilliseconds(100), TimeoutMs = 200 });
        Assert.Equal(4, result.Errors(LoadError.Timeout));
        Assert.Equal(4, result.TotalErrors);
        Assert.Equal(0, result.Responses);
    }

    [Fact]
    public void A_stalled_stream_times_out_while_the_connection_s_other_streams_go_on()
    {
        // Every 20th request is never answered. The socket stays busy with the others, so only a per-stream idle
        // timeout ends each stalled one (reset with CANCEL) and frees its slot: then every stall is counted.
        using var server = new LoadServer((loop, index, req, res) =>
        {
            if (index % 20 != 0)
                res.End("Hello, World!"u8);
        });
        LoadResult result = LoadCommand.Measure(Options(server.Port, streams: 2) with { Connections = 1, TimeoutMs = 100 });
        Assert.True(result.Errors(LoadError.Timeout) >= 3, $"{result.Errors(LoadError.Timeout)} timeouts");
        Assert.Equal(result.Errors(LoadError.Timeout), result.TotalErrors);
        Assert.Equal(server.Requests, result.Responses + result.Errors(LoadError.Timeout));
    }

    [Fact]
    public void H2_over_tls_is_chosen_by_alpn_and_counts_what_the_server_counted()
    {
        var loop = new Loop();
        using X509Certificate2 certificate = TlsSetup.CreateDevCertificate();
        long requests = 0;
        var versions = new HashSet<string>();
        var server = Https.CreateServer(loop, new TlsServerOptions { Context = SecureContext.FromCertificate(certificate) }, (req, res) =>
        {
            requests++;
            versions.Add($"{req.HttpVersion} {req.Socket.GetTlsConnection()?.AlpnProtocol}");
            res.End("Hello, World!"u8);
        });
        server.Listen(0, "localhost");
        LoopDriver.RunUntil(loop, () => server.Port > 0);
        var worker = new LoadWorker(loop, Options(server.Port) with
        {
            Host = "localhost",
            Duration = TimeSpan.FromMinutes(5), // stopped below
            Tls = new TlsClientOptions { AlpnProtocols = ["h2"], CaCertificates = [certificate] },
            ExpectStatus = 200,
            ExpectBodyBytes = 13,
        }, connections: 2, planned: 0);
        worker.Start();
        LoopDriver.RunUntil(loop, () => worker.Responses >= 100 || worker.Errors.ToArray().Sum() > 0);
        worker.Stop();
        LoopDriver.RunUntil(loop, () => worker.Finished);
        Assert.Equal(new long[LoadErrors.KindCount], worker.Errors.ToArray());
        Assert.Equal(requests, worker.Responses);
        Assert.Equal(["2.0 h2"], versions);
        server.CloseAllConnections();
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
    }

    [Fact]
    public void A_tls_server_without_h2_counts_tls_errors()
    {
        var loop = new Loop();
        using X509Certificate2 certificate = TlsSetup.CreateDevCertificate();
        var server = Https.CreateServer(loop, new TlsServerOptions { Context = SecureContext.FromCertificate(certificate) },
            (req, res) => res.End("Hello, World!"u8), new HttpServerOptions { Http2 = false });
        server.Listen(0, "localhost");
        LoopDriver.RunUntil(loop, () => server.Port > 0);
        var worker = new LoadWorker(loop, Options(server.Port) with
        {
            Host = "localhost",
            Duration = TimeSpan.FromMinutes(5),
            Tls = new TlsClientOptions { AlpnProtocols = ["h2"], CaCertificates = [certificate] },
        }, connections: 1, planned: 0);
        worker.Start();
        LoopDriver.RunUntil(loop, () => worker.Errors[(int)LoadError.Tls] >= 3);
        worker.Stop();
        LoopDriver.RunUntil(loop, () => worker.Finished);
        Assert.Equal(0, worker.Responses);
        Assert.Equal(worker.Errors[(int)LoadError.Tls], worker.Errors.ToArray().Sum());
        server.CloseAllConnections();
        server.Close();
        LoopDriver.AssertNothingLeft(loop);
    }
}

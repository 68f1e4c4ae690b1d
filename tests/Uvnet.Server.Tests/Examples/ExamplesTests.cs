using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Uvnet.Server.Tests.EndToEnd;

namespace Uvnet.Server.Tests.Examples;

/// <summary>
/// Each program of examples/ started as built, one exchange with it, its answer checked, and the process stopped, so
/// that an example never rots. Every wait is bounded by <see cref="RunningUvnet.Bound"/>.
/// </summary>
public sealed class ExamplesTests
{
    [Fact]
    public async Task TimerIdle_TicksThreeTimesAndExitsByItself()
    {
        var (exitCode, output, error) = await UvnetProcess.RunAsync(Example.StartInfo("01-timer-idle"), RunningUvnet.Bound);

        Assert.True(exitCode == 0, error);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["tick 1", "tick 2", "tick 3"], lines.Where(l => l.StartsWith("tick", StringComparison.Ordinal)).Select(l => l[..6]));
        Assert.Contains("idle ran between the ticks", lines);
        Assert.Equal("done", lines[^1]);
    }

    [Theory]
    [InlineData("02-tcp-echo-raw")]
    [InlineData("03-net-echo")]
    public async Task EchoServer_SendsTheBytesBack(string name)
    {
        using RunningUvnet example = await Example.StartAsync(name);
        using var cancel = new CancellationTokenSource(RunningUvnet.Bound);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, example.Port, cancel.Token);
        NetworkStream stream = client.GetStream();
        byte[] sent = Encoding.ASCII.GetBytes("hello, echo");

        await stream.WriteAsync(sent, cancel.Token);
        var received = new byte[sent.Length];
        await stream.ReadExactlyAsync(received, cancel.Token);

        Assert.Equal(sent, received);
        client.Client.Shutdown(SocketShutdown.Send);
        Assert.Equal(0, await stream.ReadAsync(new byte[1], cancel.Token));   // the server ends its side too
    }

    [Fact]
    public async Task Chat_BroadcastsALineToTheOtherClientOnly()
    {
        using RunningUvnet example = await Example.StartAsync("04-chat");
        using var cancel = new CancellationTokenSource(RunningUvnet.Bound);
        using var alice = await ChatClient.ConnectAsync(example.Port, cancel.Token);
        using var bob = await ChatClient.ConnectAsync(example.Port, cancel.Token);

        await alice.Writer.WriteAsync("hi bob\n");
        string? heard = await bob.Reader.ReadLineAsync(cancel.Token);
        await bob.Writer.WriteAsync("hi alice\n");
        string? answer = await alice.Reader.ReadLineAsync(cancel.Token);

        Assert.Equal($"127.0.0.1:{alice.LocalPort}> hi bob", heard);
        // Alice's next line is Bob's, not the echo of her own.
        Assert.Equal($"127.0.0.1:{bob.LocalPort}> hi alice", answer);
    }

    [Fact]
    public async Task LineFraming_AnswersLinesSplitAcrossWrites()
    {
        using RunningUvnet example = await Example.StartAsync("05-line-framing");
        using var cancel = new CancellationTokenSource(RunningUvnet.Bound);
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, example.Port, cancel.Token);
        NetworkStream stream = client.GetStream();
        using var reader = new StreamReader(stream);

        // One line cut in two, then the end of a second line with the start of a third, then its end.
        foreach (string piece in new[] { "hel", "lo\nwörld\nsp", "lit\n" })
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(piece), cancel.Token);
            await stream.FlushAsync(cancel.Token);
        }

        Assert.Equal("5 HELLO", await reader.ReadLineAsync(cancel.Token));
        Assert.Equal("5 WÖRLD", await reader.ReadLineAsync(cancel.Token));
        Assert.Equal("5 SPLIT", await reader.ReadLineAsync(cancel.Token));
    }

    [Fact]
    public async Task HttpJsonApi_ListsCreatesAndFindsItems()
    {
        using RunningUvnet example = await Example.StartAsync("06-http-json-api");
        using var http = new HttpClient { Timeout = RunningUvnet.Bound };

        using HttpResponseMessage created = await http.PostAsJsonAsync(example.Url("/items"), new { name = "second" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/items/2", created.Headers.Location?.OriginalString);
        Assert.Equal("""{"id":2,"name":"second"}""", await created.Content.ReadAsStringAsync());

        Assert.Equal("""[{"id":1,"name":"first"},{"id":2,"name":"second"}]""", await http.GetStringAsync(example.Url("/items")));
        using HttpResponseMessage found = await http.GetAsync(example.Url("/items/2"));
        Assert.Equal("application/json", found.Content.Headers.ContentType?.MediaType);
        Assert.Equal("second", JsonDocument.Parse(await found.Content.ReadAsStringAsync()).RootElement.GetProperty("name").GetString());

        using HttpResponseMessage missing = await http.GetAsync(example.Url("/items/9"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using HttpResponseMessage invalid = await http.PostAsync(example.Url("/items"), new StringContent("{", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
    }

    [Fact]
    public async Task HttpUpstream_StreamsTheUpstreamAnswerBack()
    {
        using var upstream = new TcpListener(IPAddress.Loopback, 0);
        upstream.Start();
        using var cancel = new CancellationTokenSource(RunningUvnet.Bound);
        // A chunked answer in two pieces, as a streaming upstream sends it.
        Task<string> requestHead = ServeOnceAsync(upstream,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
            cancel.Token);
        int upstreamPort = ((IPEndPoint)upstream.LocalEndpoint).Port;
        using RunningUvnet example = await Example.StartAsync("07-http-upstream", $"http://127.0.0.1:{upstreamPort}");
        using var http = new HttpClient { Timeout = RunningUvnet.Bound };

        using HttpResponseMessage response = await http.GetAsync(example.Url("/greeting?to=world"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("hello world", await response.Content.ReadAsStringAsync());
        Assert.StartsWith("GET /greeting?to=world HTTP/1.1\r\n", await requestHead);
    }

    [Fact]
    public async Task ProxyFilter_AnswersAnUnknownCallerItselfAndForwardsAKnownOneAsItsClient()
    {
        using var upstream = new TcpListener(IPAddress.Loopback, 0);
        upstream.Start();
        using var cancel = new CancellationTokenSource(RunningUvnet.Bound);
        Task<string> requestHead = ServeOnceAsync(upstream, "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nreports", cancel.Token);
        int upstreamPort = ((IPEndPoint)upstream.LocalEndpoint).Port;
        using RunningUvnet example = await Example.StartAsync("09-proxy-filter", $"http://127.0.0.1:{upstreamPort}");
        using var http = new HttpClient { Timeout = RunningUvnet.Bound };

        using HttpResponseMessage refused = await http.GetAsync(example.Url("/report"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("ApiKey", refused.Headers.WwwAuthenticate.ToString());
        Assert.False(requestHead.IsCompleted); // the upstream never heard of it

        using var request = new HttpRequestMessage(HttpMethod.Get, example.Url("/report"));
        request.Headers.Add("X-Api-Key", "k-123");
        using HttpResponseMessage forwarded = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, forwarded.StatusCode);
        Assert.Equal("reports", await forwarded.Content.ReadAsStringAsync());
        string head = await requestHead;
        Assert.StartsWith("GET /report HTTP/1.1\r\n", head);
        Assert.Contains("\r\nX-Client: reports\r\n", head);
        Assert.DoesNotContain("X-Api-Key", head, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Https_ServesOverTlsWithTheCertificateItPrintsAndItsOwnClientVerifiesIt()
    {
        using RunningUvnet example = await Example.StartAsync("10-https");
        Assert.StartsWith("self-check: 200 hello over TLSv1.3", example.Output.Single(l => l.StartsWith("self-check:", StringComparison.Ordinal)));
        string fingerprint = example.Output.Single(l => l.StartsWith("certificate CN=localhost, SHA-256 ", StringComparison.Ordinal)).Split(' ')[^1];
        string? seen = null;
        using var handler = new HttpClientHandler
        {
            // Pinned to the fingerprint the example printed: the self-signed certificate is trusted for this run only.
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                seen = certificate!.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256);
                return seen == fingerprint;
            },
        };
        // Offering h2 and http/1.1 by ALPN: the server, which speaks HTTP/2 as well (the default), picks h2.
        using var https = new HttpClient(handler)
        {
            Timeout = RunningUvnet.Bound,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };

        string body = await https.GetStringAsync(new Uri($"https://127.0.0.1:{example.Port}/"));

        Assert.Equal(fingerprint, seen);
        Assert.StartsWith("hello over TLSv1.3", body, StringComparison.Ordinal);
        Assert.EndsWith("ALPN h2\n", body, StringComparison.Ordinal);
        // Plain HTTP on the TLS port: refused by the handshake, reported by the example, the server still up.
        using var plain = new HttpClient { Timeout = RunningUvnet.Bound };
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => plain.GetStringAsync(example.Url("/")));
        await example.WaitForErrorAsync(line => line.StartsWith("TLS handshake failed: ERR_SSL_", StringComparison.Ordinal));
        Assert.StartsWith("hello over", await https.GetStringAsync(new Uri($"https://127.0.0.1:{example.Port}/")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http2Stream_AnswersEachStreamWithItsBodyCountAndATrailerOverH2cPriorKnowledge()
    {
        using RunningUvnet example = await Example.StartAsync("11-http2-stream");
        // HTTP/2 exactly, over plaintext: .NET's HttpClient then speaks h2c with prior knowledge (no Upgrade).
        using var h2c = new HttpClient
        {
            Timeout = RunningUvnet.Bound,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using HttpResponseMessage upload = await h2c.PostAsync(example.Url("/upload"), new ByteArrayContent(new byte[70_000]));
        string body = await upload.Content.ReadAsStringAsync(); // trailers are read after the body
        using HttpResponseMessage get = await h2c.GetAsync(example.Url("/two"));
        string second = await get.Content.ReadAsStringAsync();

        Assert.Equal(HttpVersion.Version20, upload.Version);
        Assert.Equal("stream 1: POST /upload, 70000 bytes received\n", body); // beyond the 65,535-byte initial window
        Assert.Equal("70000", upload.TrailingHeaders.GetValues("x-bytes-received").Single());
        Assert.Equal("stream 3: GET /two, 0 bytes received\n", second); // the same connection's next stream
        Assert.Equal("0", get.TrailingHeaders.GetValues("x-bytes-received").Single());
    }

    [Fact]
    public async Task GracefulShutdown_AnswersTheRequestInFlightThenExitsWithZero()
    {
        using RunningUvnet example = await Example.StartAsync("08-graceful-shutdown");
        using var cancel = new CancellationTokenSource(RunningUvnet.Bound);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, example.Port, cancel.Token);
        NetworkStream stream = client.GetStream();

        // An upload in flight: the head and part of the body, the handler (which logs the request) awaiting the rest.
        await stream.WriteAsync("POST /upload HTTP/1.1\r\nHost: example\r\nContent-Length: 5\r\n\r\nab"u8.ToArray(), cancel.Token);
        await example.WaitForOutputAsync(line => line == "POST /upload");
        example.Terminate();
        await example.WaitForOutputAsync(line => line == "SIGTERM: closing");
        await stream.WriteAsync("cde"u8.ToArray(), cancel.Token);
        string response = await new StreamReader(stream).ReadToEndAsync(cancel.Token);

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", response, StringComparison.Ordinal);
        Assert.Contains("\r\nConnection: close\r\n", response, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nreceived 5 bytes\n", response, StringComparison.Ordinal);
        Assert.Equal(0, await example.WaitForExitAsync(RunningUvnet.Bound));
        Assert.Equal("closed", example.Output[^1]);
    }

    /// <summary>Accepts one connection on <paramref name="listener"/>, reads a request head, answers <paramref name="response"/> and closes; returns the request line.</summary>
    /// <summary>Answers one request on <paramref name="listener"/> with <paramref name="response"/>; returns the request's head.</summary>
    private static async Task<string> ServeOnceAsync(TcpListener listener, string response, CancellationToken cancel)
    {
        using TcpClient connection = await listener.AcceptTcpClientAsync(cancel);
        NetworkStream stream = connection.GetStream();
        var head = new StringBuilder();
        var buffer = new byte[4096];
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            int n = await stream.ReadAsync(buffer, cancel);
            Assert.True(n > 0, $"the request ended early: {head}");
            head.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        await stream.WriteAsync(Encoding.ASCII.GetBytes(response), cancel);
        return head.ToString();
    }

    /// <summary>A line-based client of the chat example, connected once it has read the welcome line.</summary>
    private sealed class ChatClient : IDisposable
    {
        private readonly TcpClient _client;

        private ChatClient(TcpClient client)
        {
            _client = client;
            Reader = new StreamReader(client.GetStream());
            Writer = new StreamWriter(client.GetStream()) { AutoFlush = true };
        }

        public StreamReader Reader { get; }

        public StreamWriter Writer { get; }

        public int LocalPort => ((IPEndPoint)_client.Client.LocalEndPoint!).Port;

        /// <summary>Connects and reads the welcome line: the server has then counted this client among those it broadcasts to.</summary>
        public static async Task<ChatClient> ConnectAsync(int port, CancellationToken cancel)
        {
            var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, cancel);
            var chat = new ChatClient(client);
            Assert.Equal("welcome", await chat.Reader.ReadLineAsync(cancel));
            return chat;
        }

        public void Dispose() => _client.Dispose();
    }
}

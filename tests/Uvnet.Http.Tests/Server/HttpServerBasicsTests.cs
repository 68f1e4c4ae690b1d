using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Uvnet.Http.Server;

namespace Uvnet.Http.Tests.Server;

/// <summary>Requests and responses with a real client (.NET HttpClient).</summary>
public class HttpServerBasicsTests
{
    private static void Plaintext(IncomingMessage req, ServerResponse res)
    {
        res.SetHeader("Content-Type", "text/plain");
        res.End("Hello, World!");
    }

    [Fact]
    public void HttpClient_gets_a_response_with_length_date_and_server_headers()
    {
        using var fixture = ServerFixture.Start(Plaintext);
        using var client = new HttpClient();
        var (status, body, headers, contentHeaders) = fixture.Run(async () =>
        {
            var response = await client.GetAsync(fixture.Url("/plaintext"));
            return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers, response.Content.Headers);
        });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Hello, World!", body);
        Assert.Equal(13, contentHeaders.ContentLength);
        Assert.Equal("text/plain", contentHeaders.ContentType!.MediaType);
        Assert.NotNull(headers.Date);
        Assert.True(Math.Abs((DateTimeOffset.UtcNow - headers.Date!.Value).TotalSeconds) < 5);
        Assert.Equal("uvnet", headers.Server.ToString());
    }

    [Fact]
    public void Request_exposes_method_url_version_and_headers_case_insensitively_with_repeats()
    {
        string? seen = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            seen = $"{req.Method} {req.Url} {req.HttpVersion} {req.Headers["x-ONE"]} {req.Headers.Get("X-Many")} {req.Headers.GetAll("x-many").Count} {req.Headers.Raw[0].Key}";
            res.End();
        });
        fixture.Exchange("PUT /a/b?c=d HTTP/1.1\r\nHost: x\r\nX-One: 1\r\nX-Many: a\r\nx-many: b\r\nConnection: close\r\n\r\n");
        Assert.Equal("PUT /a/b?c=d 1.1 1 a, b 2 Host", seen);
    }

    [Fact]
    public void Keep_alive_serves_several_requests_on_one_connection()
    {
        int connections = 0;
        using var fixture = ServerFixture.Start(Plaintext);
        fixture.Server.Connection += _ => connections++;
        using var client = new HttpClient();
        for (int i = 0; i < 5; i++)
            Assert.Equal("Hello, World!", fixture.Run(() => client.GetStringAsync(fixture.Url("/"))));
        Assert.Equal(1, connections);
    }

    [Fact]
    public void Streamed_response_without_length_is_chunked_and_HttpClient_reads_it_whole()
    {
        using var fixture = ServerFixture.Start((req, res) =>
        {
            res.WriteHead(200, headers: [new("Content-Type", "text/plain")]);
            res.Write("one,");
            res.Write("two,");
            res.End("three");
        });
        using var client = new HttpClient();
        var (chunked, body) = fixture.Run(async () =>
        {
            var response = await client.GetAsync(fixture.Url("/"));
            return (response.Headers.TransferEncodingChunked, await response.Content.ReadAsStringAsync());
        });
        Assert.True(chunked);
        Assert.Equal("one,two,three", body);
    }

    [Fact]
    public void Posted_bodies_arrive_through_events_and_read_body_async_including_chunked_uploads()
    {
        using var fixture = ServerFixture.Start(async (req, res) =>
        {
            byte[] body = await req.ReadBodyAsync();
            res.End($"{req.Method} {body.Length} {Encoding.UTF8.GetString(body)[..5]}");
        });
        using var client = new HttpClient();
        string payload = string.Concat(Enumerable.Repeat("hello", 20_000));
        string sized = fixture.Run(async () => await (await client.PostAsync(fixture.Url("/"), new StringContent(payload))).Content.ReadAsStringAsync());
        Assert.Equal("POST 100000 hello", sized);

        var chunkedContent = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(payload)));
        var request = new HttpRequestMessage(HttpMethod.Put, fixture.Url("/")) { Content = chunkedContent };
        request.Headers.TransferEncodingChunked = true;
        string chunked = fixture.Run(async () => await (await client.SendAsync(request)).Content.ReadAsStringAsync());
        Assert.Equal("PUT 100000 hello", chunked);
    }

    [Fact]
    public void Head_response_has_the_length_but_no_body()
    {
        using var fixture = ServerFixture.Start((req, res) => res.End("twelve bytes"));
        string raw = fixture.Exchange("HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", raw);
        Assert.Contains("Content-Length: 12\r\n", raw);
        Assert.EndsWith("\r\n\r\n", raw);
    }

    [Theory]
    [InlineData(204)]
    [InlineData(304)]
    public void No_content_statuses_carry_no_body_or_framing(int status)
    {
        using var fixture = ServerFixture.Start((req, res) => { res.StatusCode = status; res.End("ignored"); });
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.StartsWith($"HTTP/1.1 {status} ", raw);
        Assert.DoesNotContain("Content-Length", raw);
        Assert.DoesNotContain("Transfer-Encoding", raw);
        Assert.EndsWith("\r\n\r\n", raw);
    }

    [Fact]
    public void Handler_exception_gives_500_and_the_server_keeps_serving()
    {
        using var fixture = ServerFixture.Start((req, res) =>
        {
            if (req.Url == "/boom")
                throw new InvalidOperationException("handler bug");
            res.End("fine");
        });
        using var client = new HttpClient();
        var status = fixture.Run(async () => (await client.GetAsync(fixture.Url("/boom"))).StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Equal("fine", fixture.Run(() => client.GetStringAsync(fixture.Url("/ok"))));
    }

    [Fact]
    public void Async_handler_fault_gives_500()
    {
        using var fixture = ServerFixture.Start(async (req, res) =>
        {
            await Task.Yield();
            throw new InvalidOperationException("async bug");
        });
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 500 Internal Server Error\r\n", raw);
        Assert.Contains("Connection: close\r\n", raw);
    }

    [Fact]
    public void Response_header_values_with_line_breaks_are_refused()
    {
        Exception? error = null;
        using var fixture = ServerFixture.Start((req, res) =>
        {
            error = Record.Exception(() => res.SetHeader("X-Evil", "a\r\nSet-Cookie: b"));
            res.End();
        });
        fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.IsType<ArgumentException>(error);
    }

    [Fact]
    public void File_bodies_are_sent_with_sendfile_byte_exact_even_when_pipelined_behind_a_slow_response()
    {
        if (!OperatingSystem.IsLinux())
            return;
        string path = Path.GetTempFileName();
        var content = new byte[3 * 1024 * 1024 + 7];
        new Random(11).NextBytes(content);
        File.WriteAllBytes(path, content);
        try
        {
            using var file = File.OpenHandle(path);
            ServerResponse? slow = null;
            using var fixture = ServerFixture.Start((req, res) =>
            {
                if (req.Url == "/slow")
                {
                    slow = res;
                    return;
                }
                res.SetHeader("Content-Type", "application/octet-stream");
                res.SendFile(file, 0, content.Length);
                slow?.End("slow done");
            });
            using var client = new HttpClient();
            byte[] direct = fixture.Run(() => client.GetByteArrayAsync(fixture.Url("/file")));
            Assert.True(content.AsSpan().SequenceEqual(direct));

            // Pipelined behind a response that is still pending: the file waits for its turn.
            string raw = fixture.Run(async () =>
            {
                using var socket = await RawClient.ConnectAsync(fixture.Port);
                await socket.SendAsync(Encoding.ASCII.GetBytes("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /file HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
                return await RawClient.ReadToCloseAsync(socket);
            });
            int slowAt = raw.IndexOf("slow done", StringComparison.Ordinal);
            int fileHead = raw.IndexOf($"Content-Length: {content.Length}", StringComparison.Ordinal);
            Assert.True(slowAt > 0 && fileHead > slowAt, "the file response came before the one pending ahead of it");
            byte[] body = Encoding.Latin1.GetBytes(raw[(raw.IndexOf("\r\n\r\n", fileHead, StringComparison.Ordinal) + 4)..]);
            Assert.True(content.AsSpan().SequenceEqual(body));
        }
        finally
        {
            File.Delete(path);
        }
    }
}

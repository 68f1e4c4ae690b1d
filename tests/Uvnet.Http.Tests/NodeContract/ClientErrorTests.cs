using System.Text;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.NodeContract;

/// <summary>
/// Node's clientError contract: the error carries llhttp's code and a "Parse Error: " message, timeouts carry
/// ERR_HTTP_REQUEST_TIMEOUT, and without a handler the refusal is Node's bare status line and <c>Connection: close</c>.
/// </summary>
public class ClientErrorTests
{
    private static HttpServerOptions Fast(long keepAlive = 5_000, long headers = 60_000, long request = 300_000) => new()
    {
        KeepAliveTimeout = keepAlive,
        HeadersTimeout = headers,
        RequestTimeout = request,
        ConnectionsCheckingInterval = 50,
    };

    // test-http-server-client-error.js, test-http-server-destroy-socket-on-client-error.js: Node's badRequestResponse.
    [Fact]
    public void A_parse_error_gets_Nodes_bare_400()
    {
        using var fixture = ServerFixture.Start((req, res) => res.End());
        string raw = fixture.Exchange("Oopsie-doopsie\r\n\r\n");
        Assert.Equal("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n", raw);
    }

    // test-http-header-overflow.js: Node's requestHeaderFieldsTooLargeResponse, and the socket's error code.
    [Fact]
    public void A_header_overflow_gets_Nodes_bare_431_and_ClientError_says_HPE_HEADER_OVERFLOW()
    {
        using var fixture = ServerFixture.Start((req, res) => res.End());
        string raw = fixture.Exchange($"GET /blah HTTP/1.1\r\nCookie: {new string('a', 16 * 1024)}\r\n\r\n");
        Assert.Equal("HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n", raw);

        HttpClientError? error = null;
        fixture.Server.ClientError += (e, socket) =>
        {
            error = e;
            socket.End(Encoding.ASCII.GetBytes("HTTP/1.1 431 Custom\r\n\r\n"));
        };
        fixture.Exchange($"GET /blah HTTP/1.1\r\nCookie: {new string('a', 16 * 1024)}\r\n\r\n");
        Assert.Equal("HPE_HEADER_OVERFLOW", error!.Code);
        Assert.StartsWith("Parse Error: ", error.Message);
        Assert.Equal(error.Message, "Parse Error: " + error.Reason);
        Assert.Equal(431, error.StatusCode);
    }

    [Theory]
    [InlineData("Oopsie-doopsie\r\n\r\n", "HPE_INVALID_METHOD")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n", "HPE_INVALID_HEADER_TOKEN")]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", "HPE_INVALID_TRANSFER_ENCODING")]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 2\r\n\r\n", "HPE_INVALID_CONTENT_LENGTH")]
    [InlineData("GET / HTTP/1.x\r\nHost: x\r\n\r\n", "HPE_INVALID_VERSION")]
    public void ClientError_carries_llhttps_code_and_a_Parse_Error_message(string request, string code)
    {
        using var fixture = ServerFixture.Start((req, res) => res.End());
        HttpClientError? error = null;
        fixture.Server.ClientError += (e, socket) =>
        {
            error = e;
            socket.End(Encoding.ASCII.GetBytes("HTTP/1.1 400 Bad Request\r\n\r\n"));
        };
        string raw = fixture.Exchange(request);
        Assert.Equal("HTTP/1.1 400 Bad Request\r\n\r\n", raw);
        Assert.Equal(code, error!.Code);
        Assert.StartsWith("Parse Error: ", error.Message);
    }

    // test-http-server-headers-timeout-delayed-headers.js: the first request is late from the connection's start.
    [Fact]
    public void A_client_that_connects_and_sends_nothing_gets_Nodes_408_at_the_headers_timeout()
    {
        // The keep-alive timeout is shorter: it applies between requests only, not before the first.
        using var fixture = ServerFixture.Start((req, res) => res.End(), Fast(keepAlive: 100, headers: 400));
        int timeouts = 0;
        fixture.Server.Timeout += _ => timeouts++;
        string raw = fixture.Run(async () =>
        {
            using var socket = await RawClient.ConnectAsync(fixture.Port);
            return await RawClient.ReadToCloseAsync(socket);
        });
        Assert.Equal("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n", raw);
        Assert.Equal(0, timeouts); // the server's Timeout event is the socket's idle timeout, not this one
    }

    // test-http-server-request-timeout-delayed-body.js: Node's requestTimeoutResponse while the handler waits for the body.
    [Fact]
    public void A_body_cut_by_the_request_timeout_gets_Nodes_bare_408()
    {
        using var fixture = ServerFixture.Start(async (req, res) => res.End((await req.ReadBodyAsync()).Length.ToString()), Fast(request: 300));
        string raw = fixture.Exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n1234");
        Assert.Equal("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n", raw);
    }

    // test-http-server-headers-timeout-interrupted-headers.js with a clientError handler: Node raises
    // ERR_HTTP_REQUEST_TIMEOUT through clientError, and the handler answers.
    [Fact]
    public void A_timeout_is_raised_as_ClientError_with_ERR_HTTP_REQUEST_TIMEOUT()
    {
        using var fixture = ServerFixture.Start((req, res) => res.End(), Fast(headers: 300));
        HttpClientError? error = null;
        fixture.Server.ClientError += (e, socket) =>
        {
            error = e;
            socket.End(Encoding.ASCII.GetBytes("HTTP/1.1 408 Custom\r\n\r\n"));
        };
        string raw = fixture.Exchange("GET / HTTP/1.1\r\nHost: x\r\n");
        Assert.Equal("HTTP/1.1 408 Custom\r\n\r\n", raw);
        Assert.Equal("ERR_HTTP_REQUEST_TIMEOUT", error!.Code);
        Assert.Equal(HttpClientError.RequestTimeoutCode, error.Code);
        Assert.Equal("Request timeout", error.Message);
        Assert.Equal(408, error.StatusCode);
    }

    [Fact]
    public void A_missing_Host_is_a_response_of_the_servers_not_a_ClientError()
    {
        // As Node: res.writeHead(400, ['Connection', 'close']), never clientError.
        using var fixture = ServerFixture.Start((req, res) => res.End());
        int errors = 0;
        fixture.Server.ClientError += (_, _) => errors++;
        string raw = fixture.Exchange("GET / HTTP/1.1\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", raw);
        Assert.Contains("Connection: close\r\n", raw);
        Assert.Equal(0, errors);
    }

    // test-http-server-headers-timeout-keepalive.js and test-http-server-request-timeout-keepalive.js: a later request
    // on a kept-alive connection that times out is closed without a 408 (Node's commit e8d7fedf).
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_later_request_on_a_kept_alive_connection_that_times_out_is_closed_without_an_answer(bool headersTimeout)
    {
        using var fixture = ServerFixture.Start((req, res) => res.End(),
            headersTimeout ? Fast(keepAlive: 0, headers: 300, request: 0) : Fast(keepAlive: 0, headers: 0, request: 300));
        var (first, second) = fixture.Run(async () =>
        {
            using var s = await RawClient.ConnectAsync(fixture.Port);
            await s.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
            string one = await RawClient.ReadUntilAsync(s, t => t.EndsWith("\r\n\r\n", StringComparison.Ordinal));
            await s.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\nConnection: "));
            return (one, await RawClient.ReadToCloseAsync(s));
        });
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", first);
        Assert.Equal("", second);
    }

    [Fact]
    public void A_body_past_MaxRequestBodySize_gets_an_ordinary_framed_413_not_a_ClientError()
    {
        // Node has no such limit, so no bare bytes to match: the answer is framed (a client reading it by its length
        // needs no close), and ClientError is not raised.
        using var fixture = ServerFixture.Start((req, res) => res.End(), new HttpServerOptions { MaxRequestBodySize = 10 });
        int errors = 0;
        fixture.Server.ClientError += (_, _) => errors++;
        string raw = fixture.Exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 413 ", raw);
        Assert.Contains("Content-Length: 0\r\n", raw);
        Assert.Contains("Connection: close\r\n", raw);
        Assert.Equal(0, errors);
    }
}

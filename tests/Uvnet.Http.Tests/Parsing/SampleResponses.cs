using System.Text;

namespace Uvnet.Http.Tests.Parsing;

/// <summary>
/// The responses the benchmarks measure (bench/Uvnet.Benchmarks links this file), shared with the allocation and
/// fuzz tests.
/// </summary>
internal static class SampleResponses
{
    /// <summary>TechEmpower's plaintext response, as its specification shows it.</summary>
    public static readonly byte[] Plaintext = Encoding.ASCII.GetBytes(
        "HTTP/1.1 200 OK\r\n" +
        "Content-Length: 13\r\n" +
        "Content-Type: text/plain\r\n" +
        "Server: Example\r\n" +
        "Date: Wed, 17 Apr 2013 12:00:00 GMT\r\n" +
        "\r\n" +
        "Hello, World!");

    /// <summary>An API's JSON answer through a CDN, with eleven fields.</summary>
    public static readonly byte[] Api = Encoding.ASCII.GetBytes(
        "HTTP/1.1 200 OK\r\n" +
        "Date: Mon, 07 Dec 2026 01:00:00 GMT\r\n" +
        "Content-Type: application/json; charset=utf-8\r\n" +
        "Content-Length: 60\r\n" +
        "Connection: keep-alive\r\n" +
        "Cache-Control: private, max-age=0, no-cache\r\n" +
        "Vary: Accept-Encoding, Origin\r\n" +
        "Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n" +
        "X-Content-Type-Options: nosniff\r\n" +
        "X-Request-Id: 3f8c2a7e-9b1d-4e6f-8a2b-5c7d9e0f1a2b\r\n" +
        "Server-Timing: cdn-cache;desc=MISS, edge;dur=12, origin;dur=48\r\n" +
        "Server: envoy\r\n" +
        "\r\n" +
        "{\"id\":12345,\"name\":\"example\",\"tags\":[\"a\",\"b\"],\"active\":true}");

    /// <summary>A chunked response: an extension, two chunks, a trailer.</summary>
    public static readonly byte[] Chunked = Encoding.ASCII.GetBytes(
        "HTTP/1.1 200 OK\r\n" +
        "Content-Type: text/html\r\n" +
        "Transfer-Encoding: chunked\r\n" +
        "Trailer: Server-Timing\r\n" +
        "\r\n" +
        "1a;name=value\r\nabcdefghijklmnopqrstuvwxyz\r\n" +
        "5\r\nhello\r\n" +
        "0\r\nServer-Timing: total;dur=123\r\n\r\n");
}

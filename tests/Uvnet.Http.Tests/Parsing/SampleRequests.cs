using System.Text;

namespace Uvnet.Http.Tests.Parsing;

/// <summary>
/// The requests the benchmarks measure (bench/Uvnet.Benchmarks links this file), shared with the allocation and
/// property tests.
/// </summary>
internal static class SampleRequests
{
    /// <summary>TechEmpower's plaintext request, with the six fields of its specification's example.</summary>
    public static readonly byte[] Plaintext = Encoding.ASCII.GetBytes(
        "GET /plaintext HTTP/1.1\r\n" +
        "Host: localhost\r\n" +
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64) Gecko/20130501 Firefox/30.0 AppleWebKit/600.00 Chrome/30.0.0000.0 Trident/10.0 Safari/600.00\r\n" +
        "Cookie: uid=12345678901234567890; __utma=1.1234567890.1234567890.1234567890.1234567890.12; wd=2560x1600\r\n" +
        "Accept: text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7\r\n" +
        "Accept-Language: en-US,en;q=0.5\r\n" +
        "Connection: keep-alive\r\n" +
        "\r\n");

    /// <summary>A browser navigation with twelve fields, as a current Chrome sends it.</summary>
    public static readonly byte[] Browser = Encoding.ASCII.GetBytes(
        "GET /articles/2024/http-parsing?utm_source=feed&page=2 HTTP/1.1\r\n" +
        "Host: www.example.com\r\n" +
        "Connection: keep-alive\r\n" +
        "Cache-Control: max-age=0\r\n" +
        "sec-ch-ua: \"Chromium\";v=\"124\", \"Google Chrome\";v=\"124\", \"Not-A.Brand\";v=\"99\"\r\n" +
        "sec-ch-ua-mobile: ?0\r\n" +
        "sec-ch-ua-platform: \"Linux\"\r\n" +
        "Upgrade-Insecure-Requests: 1\r\n" +
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n" +
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n" +
        "Referer: https://www.example.com/articles/2024\r\n" +
        "Accept-Encoding: gzip, deflate, br, zstd\r\n" +
        "Accept-Language: en-GB,en;q=0.9,fr;q=0.8\r\n" +
        "\r\n");

    /// <summary>A chunked upload: an extension, two chunks, a trailer.</summary>
    public static readonly byte[] Chunked = Encoding.ASCII.GetBytes(
        "POST /upload HTTP/1.1\r\n" +
        "Host: localhost\r\n" +
        "Transfer-Encoding: chunked\r\n" +
        "\r\n" +
        "1a;name=value\r\nabcdefghijklmnopqrstuvwxyz\r\n" +
        "5\r\nhello\r\n" +
        "0\r\nX-Checksum: 42\r\n\r\n");
}

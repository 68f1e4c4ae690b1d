namespace Uvnet.Proxy.Tests;

/// <summary>
/// Requests whose framing is ambiguous (the CL/TE desyncs of PortSwigger's request smuggling research) are refused by
/// the strict parser before the proxy sees them: nothing reaches the upstream, and what follows them is never read as
/// a request of its own.
/// </summary>
public sealed class SmugglingTests
{
    [Theory]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n")] // CL.TE
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n5c\r\nGET /smuggled HTTP/1.1\r\n\r\n0\r\n\r\n")] // TE.CL
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcdGET /smuggled HTTP/1.1\r\n\r\n")] // two lengths
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n")] // chunked not last
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n")] // space before the colon
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n")] // unknown coding
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n")] // obsolete line folding
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +4\r\n\r\nabcdGET /smuggled HTTP/1.1\r\n\r\n")] // signed length
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4;\n\r\nabcd\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n")] // bare LF in a chunk extension
    [InlineData("GET / HTTP/1.1\nHost: a\n\nGET /smuggled HTTP/1.1\r\n\r\n")] // bare LF line ends
    public void An_ambiguous_request_never_reaches_the_upstream(string raw)
    {
        using var kit = new ProxyKit();
        kit.StartProxy(ports: kit.StartEcho());

        RawClient client = kit.Raw(raw);
        LoopDriver.RunUntil(kit.Loop, () => client.Closed);

        Assert.StartsWith("HTTP/1.1 400", client.Text);
        Assert.Empty(kit.Seen);
        Assert.DoesNotContain("smuggled", client.Text);
    }

    [Fact]
    public void After_a_chunked_HTTP_1_0_request_nothing_more_of_the_connection_is_forwarded()
    {
        // RFC 9112 §6.1: the framing of a 1.0 message with Transfer-Encoding is faulty; it may be processed, and then
        // the connection closes. What follows it never reaches the upstream.
        using var kit = new ProxyKit();
        kit.StartProxy(ports: kit.StartEcho());

        RawClient client = kit.Raw("POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n");
        LoopDriver.RunUntil(kit.Loop, () => client.Closed);

        Assert.DoesNotContain(kit.Seen, s => s.Url == "/smuggled");
    }

    [Fact]
    public void A_well_framed_request_on_the_same_path_is_forwarded_re_framed()
    {
        using var kit = new ProxyKit();
        kit.StartProxy(ports: kit.StartEcho());

        RawClient client = kit.Raw("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n4\r\nabcd\r\n0\r\n\r\n");
        LoopDriver.RunUntil(kit.Loop, () => client.Closed);

        Assert.StartsWith("HTTP/1.1 200", client.Text);
        Assert.EndsWith("abcd", client.Text);
        Assert.Equal("abcd", Assert.Single(kit.Seen).BodyText);
    }
}

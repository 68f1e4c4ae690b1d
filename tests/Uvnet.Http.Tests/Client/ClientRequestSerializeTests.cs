using System.Text;
using Uvnet.Http.Client;

namespace Uvnet.Http.Tests.Client;

/// <summary>
/// <see cref="ClientRequest"/>'s bytes without sending them (for <c>uvnet load</c>, which sends one request many
/// times): the head and framing End would send, validated as a request is.
/// </summary>
public class ClientRequestSerializeTests
{
    [Fact]
    public void A_get_has_the_default_host_and_keep_alive_fields_and_no_framing()
    {
        var loop = new Loop();
        byte[] bytes = ClientRequest.Serialize(loop, new RequestOptions { Host = "127.0.0.1", Port = 8080, Path = "/a?b", Headers = [new("X-Test", "1")] }, [], out bool keepAlive);
        Assert.Equal("GET /a?b HTTP/1.1\r\nX-Test: 1\r\nHost: 127.0.0.1:8080\r\nConnection: keep-alive\r\n\r\n", Encoding.Latin1.GetString(bytes));
        Assert.True(keepAlive);
        loop.Close();
    }

    [Fact]
    public void A_body_is_sent_with_its_length_and_a_connection_close_is_kept()
    {
        var loop = new Loop();
        byte[] bytes = ClientRequest.Serialize(loop, new RequestOptions { Host = "h", Port = 80, Method = "POST", Headers = [new("Connection", "close")] }, "abc"u8, out bool keepAlive);
        Assert.Equal("POST / HTTP/1.1\r\nConnection: close\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc", Encoding.Latin1.GetString(bytes));
        Assert.False(keepAlive);
        loop.Close();
    }

    [Fact]
    public void A_chunked_body_is_framed_and_ended()
    {
        var loop = new Loop();
        byte[] bytes = ClientRequest.Serialize(loop, new RequestOptions { Host = "h", Port = 80, Method = "PUT", Headers = [new("Transfer-Encoding", "chunked")] }, "abc"u8, out _);
        Assert.EndsWith("\r\n\r\n3\r\nabc\r\n0\r\n\r\n", Encoding.Latin1.GetString(bytes));
        loop.Close();
    }

    [Fact]
    public void Ambiguous_framing_and_invalid_fields_are_refused_as_a_request_refuses_them()
    {
        var loop = new Loop();
        Assert.Throws<ArgumentException>(() => ClientRequest.Serialize(loop, new RequestOptions { Host = "h", Headers = [new("Bad Name", "x")] }, [], out _));
        Assert.Throws<ArgumentException>(() => ClientRequest.Serialize(loop, new RequestOptions { Host = "h", Headers = [new("Content-Length", "1"), new("Transfer-Encoding", "chunked")] }, [], out _));
        Assert.Throws<InvalidOperationException>(() => ClientRequest.Serialize(loop, new RequestOptions { Host = "h", Method = "POST", Headers = [new("Content-Length", "5")] }, "abc"u8, out _));
        loop.Close();
    }
}

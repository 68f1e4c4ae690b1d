namespace Uvnet.Http.Tests.Parsing;

/// <summary>
/// Valid requests in the style of llhttp's request tests: every framing, fed whole, byte by byte and in random
/// splits; each must give exactly the expected log.
/// </summary>
public class ValidRequestTests
{
    private const string KeepAlive = "keepalive=True upgrade=False";

    public static TheoryData<string, string, string> Cases() => new()
    {
        {
            "simple GET",
            "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
            $"begin\nmethod:GET\nurl:/\nfield:Host\nvalue:example.com\nheaders Get 1.1 flags=None cl=0 {KeepAlive}\ncomplete"
        },
        {
            "Content-Length body",
            "POST /form HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
            $"begin\nmethod:POST\nurl:/form\nfield:Content-Length\nvalue:5\nheaders Post 1.1 flags=ContentLength cl=5 {KeepAlive}\nbody:hello\ncomplete"
        },
        {
            "Content-Length zero completes at the headers",
            "POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
            $"begin\nmethod:POST\nurl:/\nfield:Content-Length\nvalue:0\nheaders Post 1.1 flags=ContentLength cl=0 {KeepAlive}\ncomplete"
        },
        {
            "Content-Length with leading zeros and surrounding whitespace",
            "PUT /x HTTP/1.1\r\ncontent-LENGTH:\t003 \r\n\r\nabc",
            $"begin\nmethod:PUT\nurl:/x\nfield:content-LENGTH\nvalue:003 \nheaders Put 1.1 flags=ContentLength cl=3 {KeepAlive}\nbody:abc\ncomplete"
        },
        {
            "chunked body with extensions and a trailer (RFC 9112 §7.1)",
            "POST /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5;ext=1;q=\"a\\\"b\";flag\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nExpires: never\r\n\r\n",
            $"begin\nmethod:POST\nurl:/up\nfield:Transfer-Encoding\nvalue:chunked\nheaders Post 1.1 flags=Chunked, TransferEncoding cl=0 {KeepAlive}"
                + "\nchunk 4\nbody:Wiki\nchunk-complete\nchunk 5\nbody:pedia\nchunk-complete\nchunk 14\nbody: in\\r\\n\\r\\nchunks.\nchunk-complete"
                + "\nchunk 0\nfield:Expires\nvalue:never\nchunk-complete\ncomplete"
        },
        {
            "chunk sizes in either case, with leading zeros",
            "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n00A\r\n0123456789\r\n000\r\n\r\n",
            $"begin\nmethod:PUT\nurl:/\nfield:Transfer-Encoding\nvalue:chunked\nheaders Put 1.1 flags=Chunked, TransferEncoding cl=0 {KeepAlive}"
                + "\nchunk 10\nbody:0123456789\nchunk-complete\nchunk 10\nbody:0123456789\nchunk-complete\nchunk 0\nchunk-complete\ncomplete"
        },
        {
            "pipelined requests after empty lines",
            "\r\n\nGET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\nok\r\nDELETE /c HTTP/1.1\r\n\r\n",
            $"begin\nmethod:GET\nurl:/a\nheaders Get 1.1 flags=None cl=0 {KeepAlive}\ncomplete"
                + $"\nbegin\nmethod:POST\nurl:/b\nfield:Content-Length\nvalue:2\nheaders Post 1.1 flags=ContentLength cl=2 {KeepAlive}\nbody:ok\ncomplete"
                + $"\nbegin\nmethod:DELETE\nurl:/c\nheaders Delete 1.1 flags=None cl=0 {KeepAlive}\ncomplete"
        },
        {
            "HTTP/1.0 keep-alive allows a next request",
            "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\nHEAD / HTTP/1.0\r\n\r\n",
            $"begin\nmethod:GET\nurl:/\nfield:Connection\nvalue:Keep-Alive\nheaders Get 1.0 flags=ConnectionKeepAlive cl=0 {KeepAlive}\ncomplete"
                + "\nbegin\nmethod:HEAD\nurl:/\nheaders Head 1.0 flags=None cl=0 keepalive=False upgrade=False\ncomplete"
        },
        {
            "Connection options are a case-insensitive list",
            "GET / HTTP/1.1\r\nConnection: CLOSE, token, upgrade,  keep-alive \r\n\r\n",
            "begin\nmethod:GET\nurl:/\nfield:Connection\nvalue:CLOSE, token, upgrade,  keep-alive \nheaders Get 1.1 flags=ConnectionKeepAlive, ConnectionClose, ConnectionUpgrade cl=0 keepalive=False upgrade=False\ncomplete"
        },
        {
            "Connection options that only start like known ones",
            "GET / HTTP/1.1\r\nConnection: closed, keep-alive-ish, up grade\r\n\r\n",
            $"begin\nmethod:GET\nurl:/\nfield:Connection\nvalue:closed, keep-alive-ish, up grade\nheaders Get 1.1 flags=None cl=0 {KeepAlive}\ncomplete"
        },
        {
            "WebSocket upgrade stops after the message",
            "GET /chat HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello",
            "begin\nmethod:GET\nurl:/chat\nfield:Upgrade\nvalue:websocket\nfield:Connection\nvalue:Upgrade\nheaders Get 1.1 flags=ConnectionUpgrade, Upgrade cl=0 keepalive=True upgrade=True\ncomplete\nupgrade@63"
        },
        {
            "upgrade with a body reads the body first",
            "POST /u HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: h2c\r\nContent-Length: 3\r\n\r\nabcREST",
            "begin\nmethod:POST\nurl:/u\nfield:Connection\nvalue:upgrade\nfield:Upgrade\nvalue:h2c\nfield:Content-Length\nvalue:3\nheaders Post 1.1 flags=ConnectionUpgrade, Upgrade, ContentLength cl=3 keepalive=True upgrade=True\nbody:abc\ncomplete\nupgrade@77"
        },
        {
            "CONNECT tunnels from the end of its head, ignoring Content-Length",
            "CONNECT example.com:443 HTTP/1.1\r\nContent-Length: 10\r\n\r\n\x16\x03\x01",
            "begin\nmethod:CONNECT\nurl:example.com:443\nfield:Content-Length\nvalue:10\nheaders Connect 1.1 flags=ContentLength cl=10 keepalive=True upgrade=True\ncomplete\nupgrade@56"
        },
        {
            "absolute-form with userinfo, port, query and fragment",
            "GET http://user:pw@example.com:8080/p/a?q=1?x|y#f{} HTTP/1.1\r\n\r\n",
            $"begin\nmethod:GET\nurl:http://user:pw@example.com:8080/p/a?q=1?x|y#f{{}}\nheaders Get 1.1 flags=None cl=0 {KeepAlive}\ncomplete"
        },
        {
            "authority ending at a query",
            "GET https://[::1]:8443?x=\"1\" HTTP/1.1\r\n\r\n",
            $"begin\nmethod:GET\nurl:https://[::1]:8443?x=\"1\"\nheaders Get 1.1 flags=None cl=0 {KeepAlive}\ncomplete"
        },
        {
            "asterisk-form",
            "OPTIONS * HTTP/1.1\r\n\r\n",
            $"begin\nmethod:OPTIONS\nurl:*\nheaders Options 1.1 flags=None cl=0 {KeepAlive}\ncomplete"
        },
        {
            "any token is a method",
            "BREW-COFFEE /pot HTTP/1.1\r\n\r\nget / HTTP/1.1\r\n\r\nPATCH / HTTP/1.1\r\n\r\n",
            $"begin\nmethod:BREW-COFFEE\nurl:/pot\nheaders Custom 1.1 flags=None cl=0 {KeepAlive}\ncomplete"
                + $"\nbegin\nmethod:get\nurl:/\nheaders Custom 1.1 flags=None cl=0 {KeepAlive}\ncomplete"
                + $"\nbegin\nmethod:PATCH\nurl:/\nheaders Patch 1.1 flags=None cl=0 {KeepAlive}\ncomplete"
        },
        {
            "values keep obs-text, inner whitespace and trailing whitespace; empty values are reported",
            "GET / HTTP/1.1\r\nX-City: D\xFCsseldorf\r\nX-Pad: \t a \t b \t\r\nX-Empty:\r\nX-Blank:   \r\n\r\n",
            "begin\nmethod:GET\nurl:/\nfield:X-City\nvalue:D\\xFCsseldorf\nfield:X-Pad\nvalue:a \\t b \\t\nfield:X-Empty\nvalue:\nfield:X-Blank\nvalue:"
                + $"\nheaders Get 1.1 flags=None cl=0 {KeepAlive}\ncomplete"
        },
        {
            "HTTP/1.0 with Transfer-Encoding is read as chunked, then the connection closes (RFC 9112 §6.1)",
            "POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "begin\nmethod:POST\nurl:/\nfield:Connection\nvalue:keep-alive\nfield:Transfer-Encoding\nvalue:chunked\nheaders Post 1.0 flags=ConnectionKeepAlive, Chunked, TransferEncoding cl=0 keepalive=False upgrade=False"
                + "\nchunk 0\nchunk-complete\ncomplete"
        },
        {
            "a body that looks like a request is a body",
            "POST / HTTP/1.1\r\nContent-Length: 18\r\n\r\nGET /admin HTTP/1.1",
            $"begin\nmethod:POST\nurl:/\nfield:Content-Length\nvalue:18\nheaders Post 1.1 flags=ContentLength cl=18 {KeepAlive}\nbody:GET /admin HTTP/1.\ncomplete\nbegin\nmethod:1\neof:InvalidEofState"
        },
        {
            "RTSP and ICE request lines, as llhttp parses them, are reported as such and end the connection",
            "ANNOUNCE /live RTSP/1.0\r\nCSeq: 1\r\n\r\n",
            "begin\nmethod:ANNOUNCE\nurl:/live\nfield:CSeq\nvalue:1\nheaders Announce Rtsp 1.0 flags=None cl=0 keepalive=False upgrade=False\ncomplete"
        },
        {
            "ICE takes SOURCE",
            "SOURCE /stream ICE/1.0\r\nContent-Length: 2\r\n\r\nok",
            "begin\nmethod:SOURCE\nurl:/stream\nfield:Content-Length\nvalue:2\nheaders Source Ice 1.0 flags=ContentLength cl=2 keepalive=False upgrade=False\nbody:ok\ncomplete"
        },
        {
            "a request line without a version is HTTP/0.9's, with a header section, and ends the connection",
            "GET /\r\nHost: a\r\n\r\n",
            "begin\nmethod:GET\nurl:/\nfield:Host\nvalue:a\nheaders Get 0.9 flags=None cl=0 keepalive=False upgrade=False\ncomplete"
        },
        {
            "empty lines after Connection: close are ignored",
            "GET / HTTP/1.1\r\nConnection: close\r\n\r\n\r\n\r\n",
            "begin\nmethod:GET\nurl:/\nfield:Connection\nvalue:close\nheaders Get 1.1 flags=ConnectionClose cl=0 keepalive=False upgrade=False\ncomplete"
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ParsesTheSameWholeByteByByteAndInRandomSplits(string name, string input, string expected)
    {
        Assert.NotEmpty(name);
        Assert.Equal(expected, ParserRun.Consistent(input));
    }
}

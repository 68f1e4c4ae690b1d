namespace Uvnet.Http.Tests.Parsing;

/// <summary>
/// Valid responses, every framing and status rule (RFC 9112 §6.3), fed whole, byte by byte and in random splits;
/// each must give exactly the expected log (a body delimited by the close completes at Finish).
/// </summary>
public class ValidResponseTests
{
    private const string KeepAlive = "keepalive=True upgrade=False";
    private const string Close = "keepalive=False upgrade=False";

    public static TheoryData<string, string, string> Cases() => new()
    {
        {
            "Content-Length body",
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
            $"begin\nstatus:OK\nfield:Content-Length\nvalue:5\nheaders 200 1.1 flags=ContentLength cl=5 {KeepAlive}\nbody:hello\ncomplete"
        },
        {
            "chunked body with extensions and trailers",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n1\r\n!\r\n0\r\nEtag: \"x\"\r\nServer-Timing: db;dur=5\r\n\r\n",
            $"begin\nstatus:OK\nfield:Transfer-Encoding\nvalue:chunked\nheaders 200 1.1 flags=Chunked, TransferEncoding cl=0 {KeepAlive}"
                + "\nchunk 5\nbody:hello\nchunk-complete\nchunk 1\nbody:!\nchunk-complete\nchunk 0\nfield:Etag\nvalue:\"x\"\nfield:Server-Timing\nvalue:db;dur=5\nchunk-complete\ncomplete"
        },
        {
            "Content-Length zero completes at the head and the next response follows",
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
            $"begin\nstatus:Not Found\nfield:Content-Length\nvalue:0\nheaders 404 1.1 flags=ContentLength cl=0 {KeepAlive}\ncomplete"
                + $"\nbegin\nstatus:OK\nfield:Content-Length\nvalue:2\nheaders 200 1.1 flags=ContentLength cl=2 {KeepAlive}\nbody:ok\ncomplete"
        },
        {
            "no reason phrase and no space after the status code",
            "HTTP/1.1 204\r\n\r\n",
            $"begin\nheaders 204 1.1 flags=None cl=0 {KeepAlive}\ncomplete"
        },
        {
            "empty reason phrase after the space",
            "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n",
            $"begin\nfield:Content-Length\nvalue:0\nheaders 200 1.1 flags=ContentLength cl=0 {KeepAlive}\ncomplete"
        },
        {
            "reason phrase with spaces, a tab and obs-text, kept as received",
            "HTTP/1.1 200  Tout\tva bi\xE9n \r\nContent-Length: 0\r\n\r\n",
            $"begin\nstatus: Tout\\tva bi\\xE9n \nfield:Content-Length\nvalue:0\nheaders 200 1.1 flags=ContentLength cl=0 {KeepAlive}\ncomplete"
        },
        {
            "204 has no body whatever its Content-Length says",
            "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
            $"begin\nstatus:No Content\nfield:Content-Length\nvalue:5\nheaders 204 1.1 flags=ContentLength cl=5 {KeepAlive}\ncomplete"
                + $"\nbegin\nstatus:OK\nfield:Content-Length\nvalue:0\nheaders 200 1.1 flags=ContentLength cl=0 {KeepAlive}\ncomplete"
        },
        {
            "304 has no body whatever its Transfer-Encoding says",
            "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
            $"begin\nstatus:Not Modified\nfield:Transfer-Encoding\nvalue:chunked\nheaders 304 1.1 flags=Chunked, TransferEncoding cl=0 {KeepAlive}\ncomplete"
                + $"\nbegin\nstatus:No Content\nheaders 204 1.1 flags=None cl=0 {KeepAlive}\ncomplete"
        },
        {
            "304 without framing fields does not run to the close",
            "HTTP/1.1 304 Not Modified\r\nETag: \"a\"\r\n\r\n",
            $"begin\nstatus:Not Modified\nfield:ETag\nvalue:\"a\"\nheaders 304 1.1 flags=None cl=0 {KeepAlive}\ncomplete"
        },
        {
            "100 Continue is a message of its own, then the final response",
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
            $"begin\nstatus:Continue\nheaders 100 1.1 flags=None cl=0 {KeepAlive}\ncomplete"
                + $"\nbegin\nstatus:Created\nfield:Content-Length\nvalue:2\nheaders 201 1.1 flags=ContentLength cl=2 {KeepAlive}\nbody:ok\ncomplete"
        },
        {
            "103 Early Hints with fields, then the final response",
            "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
            $"begin\nstatus:Early Hints\nfield:Link\nvalue:</s.css>; rel=preload\nheaders 103 1.1 flags=None cl=0 {KeepAlive}\ncomplete"
                + $"\nbegin\nstatus:OK\nfield:Content-Length\nvalue:0\nheaders 200 1.1 flags=ContentLength cl=0 {KeepAlive}\ncomplete"
        },
        {
            "several interim responses, one with a Content-Length it cannot have",
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nContent-Length: 3\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
            $"begin\nstatus:Continue\nheaders 100 1.1 flags=None cl=0 {KeepAlive}\ncomplete"
                + $"\nbegin\nstatus:Processing\nfield:Content-Length\nvalue:3\nheaders 102 1.1 flags=ContentLength cl=3 {KeepAlive}\ncomplete"
                + $"\nbegin\nstatus:No Content\nheaders 204 1.1 flags=None cl=0 {KeepAlive}\ncomplete"
        },
        {
            "an interim response saying close is still followed by the final one",
            "HTTP/1.1 100 Continue\r\nConnection: close\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
            $"begin\nstatus:Continue\nfield:Connection\nvalue:close\nheaders 100 1.1 flags=ConnectionClose cl=0 {Close}\ncomplete"
                + $"\nbegin\nstatus:No Content\nheaders 204 1.1 flags=None cl=0 {KeepAlive}\ncomplete"
        },
        {
            "101 stops at its head: the rest belongs to the new protocol",
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello",
            "begin\nstatus:Switching Protocols\nfield:Upgrade\nvalue:websocket\nfield:Connection\nvalue:Upgrade\nheaders 101 1.1 flags=ConnectionUpgrade, Upgrade cl=0 keepalive=True upgrade=True\ncomplete\nupgrade@77"
        },
        {
            "101 stops at its head even with a Content-Length",
            "HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: h2c\r\nContent-Length: 4\r\n\r\nbody",
            "begin\nstatus:Switching Protocols\nfield:Connection\nvalue:upgrade\nfield:Upgrade\nvalue:h2c\nfield:Content-Length\nvalue:4\nheaders 101 1.1 flags=ConnectionUpgrade, Upgrade, ContentLength cl=4 keepalive=True upgrade=True\ncomplete\nupgrade@90"
        },
        {
            "an Upgrade field on a 200 only announces: the response is read as any other",
            "HTTP/1.1 200 OK\r\nConnection: upgrade\r\nUpgrade: h2c\r\nContent-Length: 4\r\n\r\nbody",
            $"begin\nstatus:OK\nfield:Connection\nvalue:upgrade\nfield:Upgrade\nvalue:h2c\nfield:Content-Length\nvalue:4\nheaders 200 1.1 flags=ConnectionUpgrade, Upgrade, ContentLength cl=4 {KeepAlive}\nbody:body\ncomplete"
        },
        {
            "neither Content-Length nor Transfer-Encoding: the body runs to the close",
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of this\r\nHTTP/1.1 200 OK\r\n\r\n",
            $"begin\nstatus:OK\nfield:Content-Type\nvalue:text/plain\nheaders 200 1.1 flags=None cl=0 {Close}\nbody:all of this\\r\\nHTTP/1.1 200 OK\\r\\n\\r\\n\ncomplete"
        },
        {
            "a close-delimited body may be empty",
            "HTTP/1.0 200 OK\r\n\r\n",
            $"begin\nstatus:OK\nheaders 200 1.0 flags=None cl=0 {Close}\ncomplete"
        },
        {
            "a Transfer-Encoding whose final coding is not chunked runs to the close",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n\x1F\x8B" + "0\r\n\r\n",
            $"begin\nstatus:OK\nfield:Transfer-Encoding\nvalue:gzip\nheaders 200 1.1 flags=TransferEncoding cl=0 {Close}\nbody:\\x1F\\x8B0\\r\\n\\r\\n\ncomplete"
        },
        {
            "codings before the final chunked stay on the body",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n",
            $"begin\nstatus:OK\nfield:Transfer-Encoding\nvalue:gzip\nfield:Transfer-Encoding\nvalue:chunked\nheaders 200 1.1 flags=Chunked, TransferEncoding cl=0 {KeepAlive}\nchunk 2\nbody:ab\nchunk-complete\nchunk 0\nchunk-complete\ncomplete"
        },
        {
            "HTTP/1.0 keep-alive lets the next response follow",
            "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\naHTTP/1.0 204 No Content\r\n\r\n",
            $"begin\nstatus:OK\nfield:Connection\nvalue:keep-alive\nfield:Content-Length\nvalue:1\nheaders 200 1.0 flags=ConnectionKeepAlive, ContentLength cl=1 {KeepAlive}\nbody:a\ncomplete"
                + $"\nbegin\nstatus:No Content\nheaders 204 1.0 flags=None cl=0 {Close}\ncomplete"
        },
        {
            "HTTP/1.0 with a chunked body is read chunked and ends the connection",
            "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            $"begin\nstatus:OK\nfield:Connection\nvalue:keep-alive\nfield:Transfer-Encoding\nvalue:chunked\nheaders 200 1.0 flags=ConnectionKeepAlive, Chunked, TransferEncoding cl=0 {Close}\nchunk 0\nchunk-complete\ncomplete"
        },
        {
            "Connection: close ends the connection after a framed body",
            "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok\r\n\r\n",
            $"begin\nstatus:OK\nfield:Connection\nvalue:close\nfield:Content-Length\nvalue:2\nheaders 200 1.1 flags=ConnectionClose, ContentLength cl=2 {Close}\nbody:ok\ncomplete"
        },
        {
            "HTTP/1.2 to 1.9 are read as HTTP/1.1",
            "HTTP/1.7 204 No Content\r\n\r\n",
            $"begin\nstatus:No Content\nheaders 204 1.1 flags=None cl=0 {KeepAlive}\ncomplete"
        },
        {
            "any three digits are a status: the client judges 600 to 999",
            "HTTP/1.1 999 Odd\r\nContent-Length: 0\r\n\r\nHTTP/1.1 099 Odder\r\nContent-Length: 0\r\n\r\n",
            $"begin\nstatus:Odd\nfield:Content-Length\nvalue:0\nheaders 999 1.1 flags=ContentLength cl=0 {KeepAlive}\ncomplete"
                + $"\nbegin\nstatus:Odder\nfield:Content-Length\nvalue:0\nheaders 99 1.1 flags=ContentLength cl=0 {KeepAlive}\ncomplete"
        },
        {
            "empty lines between responses are skipped",
            "HTTP/1.1 204 No Content\r\n\r\n\r\n\nHTTP/1.1 204 No Content\r\n\r\n",
            $"begin\nstatus:No Content\nheaders 204 1.1 flags=None cl=0 {KeepAlive}\ncomplete\nbegin\nstatus:No Content\nheaders 204 1.1 flags=None cl=0 {KeepAlive}\ncomplete"
        },
        {
            "a response cut in its Content-Length body is an error at the end of the stream",
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel",
            $"begin\nstatus:OK\nfield:Content-Length\nvalue:5\nheaders 200 1.1 flags=ContentLength cl=5 {KeepAlive}\nbody:hel\neof:InvalidEofState"
        },
        {
            "a chunked response cut before its last chunk is an error at the end of the stream",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n",
            $"begin\nstatus:OK\nfield:Transfer-Encoding\nvalue:chunked\nheaders 200 1.1 flags=Chunked, TransferEncoding cl=0 {KeepAlive}\nchunk 2\nbody:ab\nchunk-complete\neof:InvalidEofState"
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ParsesTheSameSplitInTwoAtEveryPoint(string name, string input, string expected)
    {
        Assert.NotEmpty(name);
        Assert.NotEmpty(expected);
        ParserRun.AssertEverySplitPointAgrees(input, response: true);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ParsesTheSameWholeByteByByteAndInRandomSplits(string name, string input, string expected)
    {
        Assert.NotEmpty(name);
        Assert.Equal(expected, ParserRun.Consistent(input, response: true));
    }
}

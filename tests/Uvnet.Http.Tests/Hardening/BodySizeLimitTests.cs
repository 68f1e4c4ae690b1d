using System.Text;
using Uvnet.Http.Server;
using Uvnet.Http.Tests.Server;

namespace Uvnet.Http.Tests.Hardening;

/// <summary><see cref="HttpServerOptions.MaxRequestBodySize"/>: 413 and a close, for both framings.</summary>
public class BodySizeLimitTests
{
    private static ServerFixture Start(List<string> handled) =>
        ServerFixture.Start(async (req, res) =>
        {
            handled.Add(req.Url);
            try
            {
                res.End($"got {(await req.ReadBodyAsync()).Length}");
            }
            catch (HttpClientError)
            {
                handled.Add("body read failed");
            }
        }, new HttpServerOptions { MaxRequestBodySize = 1000 });

    [Fact]
    public void Content_length_past_the_limit_gets_413_without_reaching_the_handler()
    {
        var handled = new List<string>();
        using var fixture = Start(handled);
        string raw = fixture.Exchange("POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n" + new string('a', 1001));
        Assert.StartsWith("HTTP/1.1 413 Content Too Large\r\n", raw);
        Assert.Contains("Connection: close\r\n", raw);
        Assert.Empty(handled);
    }

    [Fact]
    public void Body_at_the_limit_is_accepted()
    {
        var handled = new List<string>();
        using var fixture = Start(handled);
        string raw = fixture.Exchange("POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n" + new string('a', 1000));
        Assert.EndsWith("got 1000", raw);
    }

    [Fact]
    public void Chunked_body_growing_past_the_limit_gets_413_and_fails_the_handlers_read()
    {
        var handled = new List<string>();
        using var fixture = Start(handled);
        var request = new StringBuilder("POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int i = 0; i < 5; i++)
            request.Append("12c\r\n").Append('b', 300).Append("\r\n");
        request.Append("0\r\n\r\n");
        string raw = fixture.Exchange(request.ToString());
        Assert.StartsWith("HTTP/1.1 413 Content Too Large\r\n", raw);
        Assert.Contains("Connection: close\r\n", raw);
        LoopDriver.RunUntil(fixture.Loop, () => handled.Contains("body read failed"));
        Assert.Equal(["/chunked", "body read failed"], handled);
    }
}

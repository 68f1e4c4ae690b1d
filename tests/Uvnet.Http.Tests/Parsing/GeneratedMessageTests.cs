using System.Text;
using Uvnet.Http.Parsing;

namespace Uvnet.Http.Tests.Parsing;

/// <summary>
/// Differential, with fixed seeds: pipelines of one to three messages generated from the framing grammar (start
/// lines, framing and connection fields written every way the rules distinguish, bodies of every framing), half of
/// them mutated, for both parsers. Fed whole, byte by byte and in random splits, pausing in a callback and answering
/// headers complete with any action, every run reports the same callbacks, state and end; a parser reset in the
/// middle of another stream (paused, stopped or in error) reports exactly what a new parser does.
/// </summary>
public class GeneratedMessageTests
{
    private static readonly int CasesPerSeed = 1500 * FuzzScale.Factor;

    private static readonly string[] s_requestLines =
    [
        "GET / HTTP/1.1", "POST /a?b HTTP/1.1", "GET / HTTP/1.0", "CONNECT h:443 HTTP/1.1", "OPTIONS * HTTP/1.1", "GET /", "PUT http://h/p HTTP/1.9",
    ];

    private static readonly string[] s_statusLines =
    [
        "HTTP/1.1 200 OK", "HTTP/1.0 200 OK", "HTTP/1.1 204 No Content", "HTTP/1.1 304 Not Modified", "HTTP/1.1 100 Continue", "HTTP/1.1 103 Early Hints",
        "HTTP/1.1 101 Switching Protocols", "HTTP/1.1 404", "HTTP/1.1 500 ", "HTTP/1.1 099 Odd", "HTTP/1.0 102 Processing",
    ];

    private static readonly string[] s_fields =
    [
        "Content-Length: 5", "Content-Length: 0", "Content-Length: 3", "Content-Length: 005", "Content-Length:  5 ", "Content-Length: 99999999999999999999",
        "Transfer-Encoding: chunked", "Transfer-Encoding: gzip, chunked", "Transfer-Encoding: chunked, gzip", "Transfer-Encoding: CHUNKED ",
        "Transfer-Encoding: chunked;a=b", "Transfer-Encoding: gzip", "Transfer-Encoding: ,chunked", "Transfer-Encoding:", "Transfer-Encoding: chunked,",
        "Connection: close", "Connection: keep-alive", "Connection: Upgrade", "Connection: upgrade, Keep-Alive", "Connection: keep-alive , close",
        "Upgrade: websocket", "Host: h", "X-Empty:", "X-Space: a b \t",
    ];

    private static readonly string[] s_bodies =
    [
        "", "hello", "abc", "5\r\nhello\r\n0\r\n\r\n", "3;x=y\r\nabc\r\n0\r\nT: v\r\n\r\n", "0\r\n\r\n", "1\r\na\r\n0\r\nContent-Length: 1\r\n\r\n",
        "fffffffffffffffff\r\n", "3;a=\"b\\\"c\"\r\nabc\r\n0\r\n\r\n", "\r\n",
    ];

    private static readonly string[] s_callbacks = ["begin", "method", "url", "status", "field", "value", "headers", "body", "chunk", "chunk-complete", "complete"];

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    public void ReportTheSameWholeSplitPausedAndAfterAReset(int seed, bool response)
    {
        var random = new Random(seed);
        for (int i = 0; i < CasesPerSeed; i++)
        {
            byte[] input = Generate(random, response);
            if (random.Next(2) == 0)
            {
                input = MutationFuzzTests.Mutate(input, random);
            }

            var action = (HeadersCompleteAction)random.Next(4);
            string expected = Run(NewParser(response), input, [int.MaxValue], action, pauseIn: null);

            List<int> sizes = random.Next(2) == 0 ? [1] : ParserRun.RandomSizes(input.Length, random.Next());
            string pauseIn = s_callbacks[random.Next(s_callbacks.Length)];
            Assert.Equal(expected, Run(NewParser(response), input, sizes, action, pauseIn));

            HttpMessageParser reused = NewParser(response);
            byte[] other = Generate(random, response);
            var handler = new RecordingHandler(reused) { PauseIn = pauseIn, OnHeadersCompleteReturns = (HeadersCompleteAction)random.Next(4) };
            ParserRun.Feed(reused, ref handler, other[..random.Next(other.Length)], [random.Next(1, 30)], finish: false);
            if (reused is HttpRequestParser request)
            {
                request.Reset();
            }
            else
            {
                ((HttpResponseParser)reused).Reset();
            }

            Assert.Equal(expected, Run(reused, input, [int.MaxValue], action, pauseIn: null));
        }
    }

    private static HttpMessageParser NewParser(bool response) => response ? new HttpResponseParser() : new HttpRequestParser();

    private static string Run(HttpMessageParser parser, byte[] input, IReadOnlyList<int> sizes, HeadersCompleteAction action, string? pauseIn)
    {
        var handler = new RecordingHandler(parser) { OnHeadersCompleteReturns = action, PauseIn = pauseIn };
        return ParserRun.Feed(parser, ref handler, input, sizes);
    }

    private static byte[] Generate(Random random, bool response)
    {
        string[] startLines = response ? s_statusLines : s_requestLines;
        var text = new StringBuilder();
        for (int messages = random.Next(1, 4); messages > 0; messages--)
        {
            text.Append(startLines[random.Next(startLines.Length)]).Append("\r\n");
            for (int fields = random.Next(4); fields > 0; fields--)
            {
                text.Append(s_fields[random.Next(s_fields.Length)]).Append("\r\n");
            }

            text.Append("\r\n").Append(s_bodies[random.Next(s_bodies.Length)]);
        }

        return Encoding.Latin1.GetBytes(text.ToString());
    }
}

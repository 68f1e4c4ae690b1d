using System.Text;
using Uvnet.Http.Parsing;

namespace Uvnet.Http.Tests.Parsing;

/// <summary>
/// Randomised, with fixed seeds: mutations of valid requests and responses never make the parser throw (so never
/// index out of bounds: every read is a checked span access) and it reports the same whatever the split.
/// </summary>
public class MutationFuzzTests
{
    private static readonly int CasesPerSeed = 2000 * FuzzScale.Factor;

    // Bytes that matter to the grammar, so mutations reach the interesting states often.
    private static readonly byte[] s_interesting = Encoding.Latin1.GetBytes("\r\n \t:;,=\"\\/?#@*0123456789aAfFzZ-\0\x7F\xFF");

    private static readonly byte[][] s_responseSeeds =
    [
        SampleResponses.Plaintext,
        SampleResponses.Api,
        SampleResponses.Chunked,
        Encoding.ASCII.GetBytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"),
        Encoding.ASCII.GetBytes("HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\nHTTP/1.1 304 Not Modified\r\n\r\nHTTP/1.1 200 \r\nTransfer-Encoding: gzip, chunked\r\n\r\n2;x=\"y\"\r\nab\r\n0\r\nT: 1\r\n\r\n"),
        Encoding.ASCII.GetBytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n\x81\x00"),
        Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\nto the close\r\n"),
    ];

    private static readonly byte[][] s_seeds =
    [
        SampleRequests.Plaintext,
        SampleRequests.Browser,
        SampleRequests.Chunked,
        Encoding.ASCII.GetBytes("POST /p HTTP/1.1\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"),
        Encoding.ASCII.GetBytes("PUT http://a@h:1/x HTTP/1.0\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3;a=\"q\\\"\"\r\nabc\r\n0\r\nT: 1\r\n\r\n"),
        Encoding.ASCII.GetBytes("CONNECT h:443 HTTP/1.1\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n\r\nGET * HTTP/1.1\r\n\r\n"),
    ];

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(3, true)]
    public void MutatedMessagesNeverThrowAndAgreeAcrossSplits(int seed, bool response)
    {
        byte[][] seeds = response ? s_responseSeeds : s_seeds;
        var random = new Random(seed);
        for (int i = 0; i < CasesPerSeed; i++)
        {
            byte[] input = Mutate(seeds[random.Next(seeds.Length)], random);
            string whole = ParserRun.Feed(input, [int.MaxValue], response: response);
            Assert.Equal(whole, ParserRun.Feed(input, [1], response: response));
            Assert.Equal(whole, ParserRun.RandomSplits(input, random.Next(), response: response));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RandomBytesNeverThrow(bool response)
    {
        var random = new Random(42);
        for (int i = 0; i < CasesPerSeed; i++)
        {
            var input = new byte[random.Next(response ? 13 : 1, 200)];
            random.NextBytes(input);
            if (response && i % 2 == 0)
            {
                // Most random bytes fail at the first; half begin as a status line, to reach the rest.
                "HTTP/1.1 200 "u8.CopyTo(input);
            }

            Assert.Equal(ParserRun.Feed(input, [int.MaxValue], response: response), ParserRun.RandomSplits(input, i, response: response));
        }
    }

    /// <summary>One to three random edits (replace, insert, delete, repeat, cut) of bytes that matter to the grammar.</summary>
    internal static byte[] Mutate(byte[] original, Random random)
    {
        var bytes = new List<byte>(original);
        int mutations = random.Next(1, 4);
        for (int m = 0; m < mutations && bytes.Count > 0; m++)
        {
            int at = random.Next(bytes.Count);
            byte value = random.Next(3) == 0 ? (byte)random.Next(256) : s_interesting[random.Next(s_interesting.Length)];
            switch (random.Next(5))
            {
                case 0:
                    bytes[at] = value;
                    break;
                case 1:
                    bytes.Insert(at, value);
                    break;
                case 2:
                    bytes.RemoveAt(at);
                    break;
                case 3:
                    bytes.InsertRange(at, bytes.GetRange(at, Math.Min(random.Next(1, 20), bytes.Count - at)));
                    break;
                default:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
            }
        }

        return [.. bytes];
    }
}
